/**
 * npm run bench:replay — a recorded day replayed into the embedded default, as a user would:
 *
 *   1. writes a realistic recorded day of the railway example (28 services behind an API gateway,
 *      Java-agent conventions; ≥ 1 million spans, timestamps spread over 24 hours) as OTLP JSON
 *      Lines, the OpenTelemetry Collector file exporter's format: once with one trace per request
 *      (as SDKs with small batches send them), once in Collector-sized batches (8192 spans);
 *   2. for each: starts the product (`npm start`: every role in one process, embedded ClickHouse,
 *      in-process transport) on a fresh data directory and replays the file with `t2t send`, as
 *      each sender's defaults have it: uncompressed one trace per request (the OpenTelemetry
 *      SDKs' OTLP exporters compress nothing by default), gzip in Collector-sized batches (the
 *      Collector's otlphttp exporter's default);
 *   3. prints spans/s until stored, seconds from the last span to a settled model (its last
 *      version) and to that version's generated tests, the product's peak RSS, event-loop delay p99 and max, requests the receiver took over
 *      1 s to answer, traces counted late, spans lost and duplicated; ends with one line of JSON.
 *
 * Options: --traces <n> (27700: about 1.05 million spans), --runs sdk,collector, --timeout <s> (900),
 * --profile <dir> (write the product's CPU profile there, one file per run, for chrome://inspect),
 * --set KEY=VALUE (repeatable: an option for the product, e.g. --set INGEST_TOPIC_PARTITIONS=4).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readProcessEnv } from '@t2t/config';
import { generateTraces, railwaySystem, toOtlpRequests } from '@t2t/examples';
import { encodeTraceRequestJson } from '@t2t/otlp';
import { openStorage, storageEnv } from '@t2t/storage';

const ROOT = join(__dirname, '..');
const say = (line = '') => process.stdout.write(`${line}\n`);

interface Args {
  traces: number;
  runs: ('sdk' | 'collector')[];
  timeoutS: number;
  profileDir: string | undefined;
  /** Options passed to the product's environment. */
  set: Record<string, string>;
}

function parseArgs(argv: string[]): Args {
  const value = (name: string, fallback: string) => {
    const i = argv.indexOf(`--${name}`);
    return i >= 0 && argv[i + 1] ? argv[i + 1] : fallback;
  };
  const int = (name: string, fallback: number) => {
    const n = Number(value(name, String(fallback)));
    if (!Number.isInteger(n) || n < 1) {
      process.stderr.write(`bench:replay: --${name} must be a whole number ≥ 1\n`);
      process.exit(2);
    }
    return n;
  };
  const runs = value('runs', 'sdk,collector').split(',');
  if (runs.some((r) => r !== 'sdk' && r !== 'collector')) {
    process.stderr.write('bench:replay: --runs takes sdk and/or collector\n');
    process.exit(2);
  }
  return {
    traces: int('traces', 27_700),
    runs: runs as Args['runs'],
    timeoutS: int('timeout', 900),
    profileDir: argv.includes('--profile') ? value('profile', '') || undefined : undefined,
    set: Object.fromEntries(
      argv
        .flatMap((a, i) => (a === '--set' ? [argv[i + 1] ?? ''] : []))
        .map((kv) => {
          const eq = kv.indexOf('=');
          if (eq < 1) {
            process.stderr.write(`bench:replay: --set takes KEY=VALUE, got "${kv}"\n`);
            process.exit(2);
          }
          return [kv.slice(0, eq), kv.slice(eq + 1)];
        }),
    ),
  };
}

async function freePort(): Promise<number> {
  return new Promise((ok, fail) => {
    const s = createServer();
    s.once('error', fail);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as AddressInfo;
      s.close(() => ok(port));
    });
  });
}

/** The recorded day as OTLP JSON Lines; returns spans and traces written. */
async function writeDay(
  file: string,
  traces: number,
  spansPerRequest: number,
): Promise<{ spans: number; traces: number; requests: number }> {
  const day = 86_400_000_000_000n;
  const start = BigInt(Date.parse('2026-11-30T00:00:00Z')) * 1_000_000n;
  const generated = generateTraces(railwaySystem, {
    seed: 20261130,
    traces,
    startNs: start,
    ratePerSecond: Number((BigInt(traces) * 1_000_000_000n) / day) || 1,
  });
  const out = createWriteStream(file);
  let spans = 0;
  let requests = 0;
  const packs =
    spansPerRequest === 0
      ? generated.map((t) => t.spans)
      : toOtlpRequests(generated, { spansPerRequest, mixTraces: true });
  for (const batch of packs) {
    spans += batch.length;
    requests++;
    if (!out.write(`${encodeTraceRequestJson(batch)}\n`)) {
      await new Promise<void>((r) => out.once('drain', () => r()));
    }
  }
  await new Promise<void>((r) => out.end(() => r()));
  return { spans, traces: generated.length, requests };
}

/** The product's /metrics: the sum of a metric's samples whose labels contain every `label`. */
async function metrics(port: number): Promise<(name: string, ...labels: string[]) => number> {
  const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
  const samples = text
    .split('\n')
    .filter((l) => !l.startsWith('#') && l.trim() !== '')
    .map((l) => {
      const space = l.lastIndexOf(' ');
      const head = l.slice(0, space);
      const brace = head.indexOf('{');
      return {
        name: brace < 0 ? head : head.slice(0, brace),
        labels: brace < 0 ? '' : head.slice(brace),
        value: Number(l.slice(space + 1)),
      };
    });
  return (name, ...labels) =>
    samples
      .filter((x) => x.name === name && labels.every((l) => x.labels.includes(l)))
      .reduce((n, x) => n + x.value, 0);
}

function peakRssMb(pid: number): number {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const m = /VmHWM:\s+(\d+) kB/.exec(status);
    return m ? Number(m[1]) / 1024 : NaN;
  } catch {
    return NaN;
  }
}

interface RunResult {
  run: string;
  spans: number;
  traces: number;
  requests: number;
  spansPerS: number;
  storeS: number;
  modelAfterLastSpanS: number;
  testsAfterLastSpanS: number;
  peakRssMb: number;
  eventLoopP99Ms: number;
  eventLoopMaxMs: number;
  /** OTLP requests the receiver took longer than 1 s to answer (its latency histogram). */
  slowRequests: number;
  lateTraces: number;
  lostSpans: number;
  duplicatedSpans: number;
}

async function replay(kind: 'sdk' | 'collector', args: Args): Promise<RunResult> {
  const work = mkdtempSync(join(tmpdir(), `t2t-replay-${kind}-`));
  const dataDir = join(work, 'data');
  const file = join(work, 'day.jsonl');
  try {
    say(`${kind}: writing the recorded day …`);
    const day = await writeDay(file, args.traces, kind === 'sdk' ? 0 : 8192);
    say(
      `${kind}: ${day.spans.toLocaleString('en')} spans, ${day.traces.toLocaleString('en')} traces in ${day.requests.toLocaleString('en')} requests`,
    );
    const httpPort = await freePort();
    const otlpPort = await freePort();
    const env = readProcessEnv();
    const product: ChildProcess = spawn(
      process.execPath,
      [
        ...(args.profileDir === undefined
          ? []
          : [
              '--cpu-prof',
              '--cpu-prof-dir',
              args.profileDir,
              '--cpu-prof-name',
              `${kind}.cpuprofile`,
            ]),
        '-r',
        '@swc-node/register',
        join(ROOT, 'apps/server/src/main.ts'),
      ],
      {
        cwd: ROOT,
        env: {
          PATH: env.PATH ?? '',
          CLICKHOUSE_DATA_PATH: dataDir,
          HTTP_PORT: String(httpPort),
          OTLP_HTTP_PORT: String(otlpPort),
          // Traffic goes over OTLP/HTTP; a free port keeps the default 4317 out of the way.
          OTLP_GRPC_PORT: '0',
          GRAPHQL_AUTH: 'off',
          LOG_LEVEL: 'warn',
          ...args.set,
        },
        stdio: ['ignore', 'ignore', 'pipe'],
      },
    );
    let productErr = '';
    product.stderr!.on('data', (d: Buffer) => {
      productErr = (productErr + d.toString()).slice(-20_000);
    });
    const deadline = Date.now() + args.timeoutS * 1000;
    const waitUntil = async (what: string, check: () => Promise<boolean>) => {
      for (;;) {
        // Killed by a signal, a process has no exit code: without the signal it was waited for
        // until the timeout.
        if (product.exitCode !== null || product.signalCode !== null) {
          throw new Error(
            `the product exited (${product.exitCode ?? product.signalCode}) while waiting for ${what}:\n${productErr}`,
          );
        }
        if (await check().catch(() => false)) return;
        if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
        await new Promise((r) => setTimeout(r, 500));
      }
    };
    try {
      await waitUntil('the product to be ready', async () => {
        const r = await fetch(`http://127.0.0.1:${httpPort}/health/ready`);
        return r.ok;
      });
      say(`${kind}: replaying with t2t send …`);
      const t0 = Date.now();
      const sender = spawn(
        process.execPath,
        [
          '-r',
          '@swc-node/register',
          join(ROOT, 'apps/cli/src/main.ts'),
          'send',
          file,
          '--url',
          `http://127.0.0.1:${otlpPort}/v1/traces`,
          '--concurrency',
          '8',
          '--compression',
          kind === 'sdk' ? 'none' : 'gzip',
        ],
        { cwd: ROOT, env: { PATH: env.PATH ?? '' }, stdio: ['ignore', 'pipe', 'pipe'] },
      );
      let sendOut = '';
      sender.stdout.on('data', (d: Buffer) => (sendOut += d.toString()));
      sender.stderr.on('data', (d: Buffer) => (sendOut += d.toString()));
      const sendCode = await new Promise<number>((r) => sender.once('exit', (c) => r(c ?? 1)));
      const sentAt = Date.now();
      if (sendCode !== 0) say(`${kind}: t2t send exited ${sendCode}: ${sendOut.slice(-2000)}`);
      let stored = 0;
      await waitUntil('every span stored', async () => {
        stored = (await metrics(httpPort))('t2t_ingest_spans_total', 'outcome="stored"');
        return stored >= day.spans;
      });
      const storedAt = Date.now();
      const storeS = (storedAt - t0) / 1000;
      say(
        `${kind}: sent in ${((sentAt - t0) / 1000).toFixed(1)} s, stored in ${storeS.toFixed(1)} s: ${Math.round(day.spans / storeS).toLocaleString('en')} spans/s`,
      );
      // Settled model: every trace clustered and no new version for a while. Meanwhile, when
      // each model version first had its tests (the generator's last succeeded run was for it).
      let modelAt = 0;
      let last = { version: -1, at: Date.now() };
      const testedAt = new Map<number, number>();
      // A run for a version that changed no endpoint's part of the model is skipped: the tests
      // were current already. Times at which such runs were seen finishing.
      const skippedAt: number[] = [];
      let skipped = 0;
      const noteTested = (m: Awaited<ReturnType<typeof metrics>>) => {
        const tested = m('t2t_generator_model_version');
        if (tested > 0 && !testedAt.has(tested)) testedAt.set(tested, Date.now());
        const nowSkipped = m('t2t_generator_runs_total', 'trigger="model"', 'status="skipped"');
        if (nowSkipped > skipped) skippedAt.push(Date.now());
        skipped = nowSkipped;
      };
      await waitUntil('a settled model', async () => {
        const m = await metrics(httpPort);
        noteTested(m);
        const version = m('t2t_modeling_model_version');
        const closed = m('t2t_clustering_traces_closed_total');
        if (version !== last.version) last = { version, at: Date.now() };
        if (closed < day.traces || version === 0) return false;
        modelAt = last.at;
        return Date.now() - last.at > 15_000;
      });
      // Tests for the settled version (a later one, if modeling moved on meanwhile).
      const currentAt = () => [
        ...[...testedAt].filter(([v]) => v >= last.version).map(([, at]) => at),
        ...skippedAt.filter((at) => at > last.at),
      ];
      await waitUntil('tests generated for the settled model', async () => {
        noteTested(await metrics(httpPort));
        return currentAt().length > 0;
      });
      const testsAt = Math.min(...currentAt());
      const m = await metrics(httpPort);
      const result: RunResult = {
        run: kind,
        spans: day.spans,
        traces: day.traces,
        requests: day.requests,
        spansPerS: Math.round(day.spans / storeS),
        storeS,
        modelAfterLastSpanS: Math.max(0, (modelAt - storedAt) / 1000),
        testsAfterLastSpanS: Math.max(0, (testsAt - storedAt) / 1000),
        peakRssMb: peakRssMb(product.pid!),
        eventLoopP99Ms: m('t2t_event_loop_delay_p99_seconds') * 1000,
        eventLoopMaxMs: m('t2t_event_loop_delay_max_seconds') * 1000,
        slowRequests:
          m('t2t_otlp_http_request_seconds_count') -
          m('t2t_otlp_http_request_seconds_bucket', 'le="1"'),
        lateTraces: m('t2t_clustering_late_trace_events_total'),
        lostSpans: 0,
        duplicatedSpans: 0,
      };
      product.kill('SIGTERM');
      await new Promise((r) => product.once('exit', r));
      // Lost and duplicated, counted in the product's own store once it has let go of it.
      const handle = await openStorage(storageEnv.parse({ CLICKHOUSE_DATA_PATH: dataDir }));
      try {
        const rs = await handle.client.query({
          query: `SELECT count() AS rows, uniqExact(TraceId, SpanId) AS distinct FROM {db:Identifier}.spans`,
          query_params: { db: handle.database },
          format: 'JSONEachRow',
        });
        const [c] = await rs.json<{ rows: string; distinct: string }>();
        result.lostSpans = day.spans - Number(c.distinct);
        result.duplicatedSpans = Number(c.rows) - Number(c.distinct);
      } finally {
        await handle.close();
      }
      return result;
    } finally {
      if (product.exitCode === null) product.kill('SIGKILL');
    }
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const results: RunResult[] = [];
  for (const run of args.runs) {
    const r = await replay(run, args);
    results.push(r);
    say(
      `${run}: ${r.spansPerS.toLocaleString('en')} spans/s until stored; model ${r.modelAfterLastSpanS.toFixed(1)} s and tests ${r.testsAfterLastSpanS.toFixed(1)} s after the last span; peak RSS ${r.peakRssMb.toFixed(0)} MB; event-loop delay p99 ${r.eventLoopP99Ms.toFixed(0)} ms, max ${r.eventLoopMaxMs.toFixed(0)} ms; ${r.slowRequests} request(s) answered after more than 1 s; late ${r.lateTraces}, lost ${r.lostSpans}, duplicated ${r.duplicatedSpans}`,
    );
  }
  say(
    JSON.stringify({
      bench: 'replay',
      runs: results.map((r) => ({
        run: r.run,
        spans: r.spans,
        traces: r.traces,
        requests: r.requests,
        spans_per_s: r.spansPerS,
        store_s: Number(r.storeS.toFixed(1)),
        model_after_last_span_s: Number(r.modelAfterLastSpanS.toFixed(1)),
        tests_after_last_span_s: Number(r.testsAfterLastSpanS.toFixed(1)),
        peak_rss_mb: Math.round(r.peakRssMb),
        event_loop_delay_p99_ms: Math.round(r.eventLoopP99Ms),
        event_loop_delay_max_ms: Math.round(r.eventLoopMaxMs),
        requests_over_1s: r.slowRequests,
        late_traces: r.lateTraces,
        lost_spans: r.lostSpans,
        duplicated_spans: r.duplicatedSpans,
      })),
    }),
  );
}

main().catch((e: unknown) => {
  process.stderr.write(`bench:replay failed: ${(e as Error).stack ?? String(e)}\n`);
  process.exit(1);
});
