import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checkoutSystem, generateTraces } from '@t2t/examples';
import { encodeTraceRequestProto } from '@t2t/otlp';
import { createClickHouse, storageEnv } from '@t2t/storage';
import { eventually, type NodeProcess, spawnNode } from '@t2t/test-support';

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

/**
 * The one-process default (`npm start`, no broker) killed with SIGKILL while OTLP requests arrive,
 * then started again on the same data directory: every span an OTLP client was answered 200 for
 * is stored once, and every trace is counted once by clustering — the in-process queue between
 * the stages is journalled, and ingest's re-keyed traces go out with its commit.
 */
describe('embedded default killed under traffic and started again', () => {
  let dir: string;
  let server: NodeProcess | undefined;

  afterEach(async () => {
    if (server && server.child.exitCode === null && server.child.signalCode === null) {
      server.child.kill('SIGKILL');
      await server.exited;
    }
    rmSync(dir, { recursive: true, force: true });
  });

  it('stores every acknowledged span once and counts every trace once', async () => {
    dir = mkdtempSync(join(tmpdir(), 't2t-embedded-crash-'));
    const dataPath = join(dir, 'chdb');
    const [http, otlp, grpc] = [await freePort(), await freePort(), await freePort()];
    const env = {
      CLICKHOUSE_DATA_PATH: dataPath,
      HTTP_PORT: String(http),
      OTLP_HTTP_PORT: String(otlp),
      OTLP_GRPC_PORT: String(grpc),
      GRAPHQL_AUTH: 'off',
      GENERATOR_SCHEDULE: 'off',
      GENERATOR_ON_MODEL_VERSION: 'false',
      // One trace per request: a trace never waits for more spans, whatever the idle gap.
      CLUSTERING_IDLE_GAP: '1s',
      CLUSTERING_WINDOW: '5s',
      CLUSTERING_ALLOWED_LATENESS: '2s',
      CLUSTERING_IDLE_ADVANCE_AFTER: '1s',
    };
    const start = async () => {
      server = spawnNode(['-r', '@swc-node/register', 'apps/server/src/main.ts'], env);
      const s = server;
      await eventually(
        async () => {
          if (s.child.exitCode !== null) throw new Error(`the server exited:\n${s.output()}`);
          const res = await fetch(`http://127.0.0.1:${http}/health/ready`).catch(() => undefined);
          return res?.status === 200;
        },
        'the server ready',
        120_000,
      );
    };

    const traces = generateTraces(checkoutSystem, {
      seed: 41,
      traces: 240,
      startNs: BigInt(Date.now() - 60_000) * 1_000_000n,
      ratePerSecond: 20,
    });
    const acked = new Set<string>();
    const send = async (t: (typeof traces)[number]): Promise<void> => {
      const res = await fetch(`http://127.0.0.1:${otlp}/v1/traces`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-protobuf' },
        body: encodeTraceRequestProto(t.spans),
      }).catch(() => undefined);
      if (res?.status === 200) acked.add(t.traceId);
    };
    /** Sends the traces not yet acknowledged, four requests at a time, until `stop()` holds. */
    const sendAll = async (stop: () => boolean) => {
      const queue = traces.filter((t) => !acked.has(t.traceId));
      const worker = async () => {
        for (let t = queue.shift(); t && !stop(); t = queue.shift()) await send(t);
      };
      await Promise.all([worker(), worker(), worker(), worker()]);
    };

    await start();
    // Killed with requests in flight, once a third of the traffic was acknowledged.
    const killAt = traces.length / 3;
    await sendAll(() => acked.size >= killAt);
    server!.child.kill('SIGKILL');
    await server!.exited;
    const ackedBeforeKill = acked.size;
    expect(ackedBeforeKill).toBeGreaterThanOrEqual(killAt);
    expect(ackedBeforeKill).toBeLessThan(traces.length);

    // Started again on the same directory; the client sends what was not acknowledged, as OTLP
    // exporters retry.
    await start();
    await sendAll(() => false);
    expect(acked.size).toBe(traces.length);

    const clustered = async () => {
      const res = await fetch(`http://127.0.0.1:${http}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ query: '{ clusters(first: 100) { edges { node { traces } } } }' }),
      });
      const body = (await res.json()) as {
        data?: { clusters: { edges: { node: { traces: number } }[] } };
      };
      return body.data?.clusters.edges.reduce((n, e) => n + e.node.traces, 0) ?? 0;
    };
    const openTraces = async () => {
      const text = await (await fetch(`http://127.0.0.1:${http}/metrics`)).text();
      return Number(/^t2t_clustering_open_traces(?:\{[^}]*\})? (\S+)$/m.exec(text)?.[1] ?? NaN);
    };
    // Every trace counted, and nothing left open that could still be counted again.
    await eventually(
      async () => (await clustered()) >= traces.length && (await openTraces()) === 0,
      'every trace clustered and none open',
      180_000,
    );
    server!.child.kill('SIGTERM');
    await server!.exited;

    const handle = await createClickHouse(storageEnv.parse({ CLICKHOUSE_DATA_PATH: dataPath }));
    try {
      const one = async <T>(query: string): Promise<T> => {
        const rs = await handle.client.query({
          query,
          query_params: { db: handle.database },
          format: 'JSONEachRow',
        });
        return (await rs.json<T>())[0];
      };
      const spans = await one<{ rows: string; distinct: string }>(
        'SELECT count() AS rows, uniqExact(TraceId, SpanId) AS distinct FROM {db:Identifier}.spans',
      );
      const total = traces.reduce((n, t) => n + t.spans.length, 0);
      expect({ rows: Number(spans.rows), distinct: Number(spans.distinct) }).toEqual({
        rows: total,
        distinct: total,
      });
      const counted = await one<{ rows: string; distinct: string }>(
        'SELECT count() AS rows, uniqExact(trace_id) AS distinct FROM {db:Identifier}.trace_behaviours FINAL',
      );
      expect({ rows: Number(counted.rows), distinct: Number(counted.distinct) }).toEqual({
        rows: traces.length,
        distinct: traces.length,
      });
      const windows = await one<{ traces: string }>(
        'SELECT sum(traces) AS traces FROM {db:Identifier}.cluster_stats',
      );
      expect(Number(windows.traces)).toBe(traces.length);
    } finally {
      await handle.close();
    }
  }, 420_000);
});
