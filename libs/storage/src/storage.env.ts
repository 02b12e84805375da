import {
  defineEnv,
  duration,
  type EnvProblem,
  file,
  optionalStr,
  retention,
  str,
  url,
} from '@t2t/config';

/**
 * Rules across the connection options: TLS files need an https:// server, a client certificate
 * needs its key, and (as @clickhouse/client takes them together) the CA that verifies the server.
 */
function storageEnvProblems(c: {
  url: string | undefined;
  tlsCaFile: string | undefined;
  tlsCertFile: string | undefined;
  tlsKeyFile: string | undefined;
}): EnvProblem[] {
  const problems: EnvProblem[] = [];
  const https = c.url !== undefined && c.url.toLowerCase().startsWith('https:');
  const tlsFiles: [string, string | undefined][] = [
    ['CLICKHOUSE_TLS_CA_FILE', c.tlsCaFile],
    ['CLICKHOUSE_TLS_CERT_FILE', c.tlsCertFile],
    ['CLICKHOUSE_TLS_KEY_FILE', c.tlsKeyFile],
  ];
  for (const [key, value] of tlsFiles) {
    if (value === undefined || https) continue;
    problems.push({
      key,
      problem:
        c.url === undefined
          ? 'needs a ClickHouse server: set CLICKHOUSE_URL to its https:// endpoint'
          : 'needs an https:// CLICKHOUSE_URL',
    });
  }
  if (c.tlsCertFile && !c.tlsKeyFile) {
    problems.push({
      key: 'CLICKHOUSE_TLS_KEY_FILE',
      problem: 'is required with CLICKHOUSE_TLS_CERT_FILE',
    });
  }
  if (c.tlsKeyFile && !c.tlsCertFile) {
    problems.push({
      key: 'CLICKHOUSE_TLS_CERT_FILE',
      problem: 'is required with CLICKHOUSE_TLS_KEY_FILE',
    });
  }
  if ((c.tlsCertFile || c.tlsKeyFile) && !c.tlsCaFile) {
    problems.push({
      key: 'CLICKHOUSE_TLS_CA_FILE',
      problem: 'is required with a client certificate (the ClickHouse client takes them together)',
    });
  }
  return problems;
}

/** ClickHouse connection options, shared by every service. */
export const storageEnv = defineEnv(
  'storage',
  {
    url: url({
      key: 'CLICKHOUSE_URL',
      doc: 'ClickHouse server HTTP(S) endpoint, e.g. `http://clickhouse:8123`. Unset: the embedded engine (chdb) runs in-process.',
    }),
    user: str({
      key: 'CLICKHOUSE_USER',
      default: 'default',
      doc: 'ClickHouse user (server mode).',
    }),
    password: optionalStr({
      key: 'CLICKHOUSE_PASSWORD',
      doc: 'ClickHouse password (server mode).',
      secret: true,
    }),
    tlsCaFile: file({
      key: 'CLICKHOUSE_TLS_CA_FILE',
      doc: 'Server mode over `https://`: PEM CA certificate(s) that signed the server’s certificate (a private CA). Unset: the system’s CAs.',
    }),
    tlsCertFile: file({
      key: 'CLICKHOUSE_TLS_CERT_FILE',
      doc: 'PEM client certificate for mutual TLS, with `CLICKHOUSE_TLS_KEY_FILE` and `CLICKHOUSE_TLS_CA_FILE`.',
    }),
    tlsKeyFile: file({
      key: 'CLICKHOUSE_TLS_KEY_FILE',
      doc: 'PEM private key (unencrypted) of `CLICKHOUSE_TLS_CERT_FILE`.',
    }),
    database: str({
      key: 'CLICKHOUSE_DATABASE',
      default: 'trace2test',
      pattern: /^[A-Za-z_][A-Za-z0-9_]{0,62}$/,
      patternHint: 'must be a plain identifier (letters, digits, underscore)',
      doc: 'Database holding all tables; created at start-up if missing.',
    }),
    dataPath: str({
      key: 'CLICKHOUSE_DATA_PATH',
      default: './data/chdb',
      doc: 'Embedded mode: directory of the in-process engine. Only one process may own a directory.',
    }),
    requestTimeoutMs: duration({
      key: 'CLICKHOUSE_REQUEST_TIMEOUT',
      default: 60_000,
      min: 100,
      doc: 'Per-request timeout (server mode).',
    }),
    cluster: optionalStr({
      key: 'CLICKHOUSE_CLUSTER',
      pattern: /^[A-Za-z_][A-Za-z0-9_.-]{0,127}$/,
      patternHint:
        "must be a cluster name from the server's remote_servers (letters, digits, _ . -)",
      doc: 'Server mode: run the schema on this cluster (`ON CLUSTER`, Replicated engines, per-trace tables sharded behind Distributed tables; needs ClickHouse Keeper). Unset: one node. Choose it before the first start: tables are not converted.',
    }),
    spansTtlSeconds: retention({
      key: 'SPANS_TTL',
      min: 3600,
      doc: 'Keep spans (and the trace-id lookup) this long after their start, e.g. `30d`; unset or `0` keeps them forever. Whole days are dropped as partitions expire. Keep it above MODELING_HORIZON. Applied at start-up, also to existing tables.',
    }),
    derivedTtlSeconds: retention({
      key: 'DERIVED_TTL',
      min: 3600,
      doc: 'Keep what clustering derives from traffic (cluster_windows, cluster_late_traces, trace_behaviours, clusters, representatives) this long; unset: as SPANS_TTL, `0`: forever. Models and tests never expire.',
    }),
  },
  storageEnvProblems,
);

/** How long each kind of data is kept, in seconds; undefined keeps it forever. */
export interface Retention {
  spansSeconds: number | undefined;
  derivedSeconds: number | undefined;
}

/** SPANS_TTL and DERIVED_TTL as they apply: `0` is forever, and unset DERIVED_TTL follows SPANS_TTL. */
export function retentionOf(config: {
  spansTtlSeconds: number | undefined;
  derivedTtlSeconds: number | undefined;
}): Retention {
  const spans = config.spansTtlSeconds || undefined;
  const derived =
    config.derivedTtlSeconds === undefined ? spans : config.derivedTtlSeconds || undefined;
  return { spansSeconds: spans, derivedSeconds: derived };
}
