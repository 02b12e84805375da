import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  ensureBuilt,
  expectHealthAndMetrics,
  type NodeProcess,
  repoRoot as root,
  spawnNode,
  testBrokers,
  uniqueTopic,
  waitForMatch as waitFor,
} from '@t2t/test-support';
import {
  dashboardQueries,
  exportedMetrics,
  loadDashboard,
  metricsOf,
} from '../deploy/grafana-dashboard';

const APPS = ['ingest', 'clustering', 'modeling', 'generator'] as const;
/** The readiness checks each service registers. */
const HEALTH_CHECKS: Record<(typeof APPS)[number], string[]> = {
  ingest: ['clickhouse', 'kafka-consumer'],
  clustering: ['clickhouse', 'clustering-worker', 'clustering-sink'],
  modeling: ['clickhouse', 'modeling'],
  generator: ['clickhouse'],
};

/** Per-process Kafka settings: the test broker and topics nobody else uses. */
function kafkaEnvFor(app: string): Record<string, string> {
  const topic = uniqueTopic(`${app}.otlp_spans`);
  return {
    KAFKA_BROKERS: testBrokers().join(','),
    INGEST_TOPIC: topic,
    INGEST_OUTPUT_TOPIC: `${topic}.out`,
    INGEST_DLQ_TOPIC: `${topic}.dlq`,
    INGEST_GROUP_ID: uniqueTopic('ingest'),
    CLUSTERING_INPUT_TOPIC: `${topic}.out`,
    CLUSTERING_EVENTS_TOPIC: `${topic}.events`,
    CLUSTERING_SINK_DLQ_TOPIC: `${topic}.events.dlq`,
    CLUSTERING_GROUP_ID: uniqueTopic('clustering'),
    CLUSTERING_SINK_GROUP_ID: uniqueTopic('sink'),
    MODELING_EVENTS_TOPIC: `${topic}.events`,
    MODELING_OUTPUT_TOPIC: `${topic}.models`,
    MODELING_GROUP_ID: uniqueTopic('modeling'),
    MODELING_LEADER_GROUP: uniqueTopic('modeling-leader'),
  };
}

/** The generator refuses to start without GraphQL API keys (or an explicit GRAPHQL_AUTH=off). */
const API_ENV = { GRAPHQL_API_KEYS: 'k-built-services-0123456789' };

function start(app: string, env: Record<string, string>): NodeProcess {
  return spawnNode([join(root, `dist/apps/${app}/apps/${app}/src/main.js`)], {
    ...kafkaEnvFor(app),
    ...API_ENV,
    ...env,
  });
}

describe('built services (node dist/...)', () => {
  // The same build users run (`npm run build`); nest build compiles each app with its libs.
  beforeAll(() => ensureBuilt([...APPS, 'server', 'web']), 600_000);

  it.each(APPS)(
    '%s boots from dist, serves health and metrics, and shuts down on SIGTERM',
    async (app) => {
      const data = mkdtempSync(join(tmpdir(), `t2t-${app}-`));
      const svc = start(app, {
        HTTP_PORT: '0',
        HTTP_HOST: '127.0.0.1',
        CLICKHOUSE_DATA_PATH: data,
      });
      try {
        const [, port] = await waitFor(
          () => /listening on http:\/\/127\.0\.0\.1:(\d+)/.exec(svc.output()),
          30_000,
          svc.output,
        );
        await expectHealthAndMetrics(`http://127.0.0.1:${port}`, app, HEALTH_CHECKS[app]);
        svc.child.kill('SIGTERM');
        const exit = await svc.exited;
        expect(exit.code === 0 || exit.signal === 'SIGTERM').toBe(true);
        expect(svc.output()).toContain('ClickHouse embedded connection closed');
      } finally {
        svc.child.kill('SIGKILL');
        rmSync(data, { recursive: true, force: true });
      }
    },
  );

  it('refuses to start on invalid configuration, naming every bad key', async () => {
    const svc = start('ingest', {
      HTTP_PORT: 'eighty',
      CLICKHOUSE_URL: 'clickhouse:8123',
      LOG_LEVEL: 'loud',
    });
    const exit = await svc.exited;
    expect(exit.code).toBe(2);
    expect(svc.output()).toContain('ingest: invalid ingest configuration:');
    expect(svc.output()).toContain('HTTP_PORT: "eighty" is not an integer');
    expect(svc.output()).toContain(
      'LOG_LEVEL: "loud" is not one of error, warn, log, debug, verbose',
    );
    expect(svc.output()).toContain(
      'CLICKHOUSE_URL: "clickhouse:8123" must be an http:// or https:// URL',
    );
  });

  it('says why when a second process opens the same embedded data directory', async () => {
    const data = mkdtempSync(join(tmpdir(), 't2t-shared-'));
    const first = start('ingest', {
      HTTP_PORT: '0',
      HTTP_HOST: '127.0.0.1',
      CLICKHOUSE_DATA_PATH: data,
    });
    try {
      await waitFor(() => /listening on/.exec(first.output()), 30_000, first.output);
      const second = start('modeling', {
        HTTP_PORT: '0',
        HTTP_HOST: '127.0.0.1',
        CLICKHOUSE_DATA_PATH: data,
      });
      let timer: NodeJS.Timeout | undefined;
      const exit = await Promise.race([
        second.exited,
        new Promise<'running'>((r) => (timer = setTimeout(() => r('running'), 20_000))),
      ]);
      clearTimeout(timer);
      second.child.kill('SIGKILL');
      expect(exit).not.toBe('running');
      expect(exit).toEqual({ code: 1, signal: null });
      expect(second.output()).toContain(
        `cannot open the embedded ClickHouse data directory ${data}`,
      );
      expect(second.output()).toContain('Only one process may own a directory');
    } finally {
      first.child.kill('SIGKILL');
      rmSync(data, { recursive: true, force: true });
    }
  });

  it('the server entry point runs all of it embedded (no broker), and any single role', async () => {
    const data = mkdtempSync(join(tmpdir(), 't2t-server-'));
    const main = join(root, 'dist/apps/server/apps/server/src/main.js');
    const all = spawnNode([main, '--role', 'all'], {
      ...API_ENV,
      HTTP_PORT: '0',
      HTTP_HOST: '127.0.0.1',
      OTLP_HTTP_PORT: '0',
      OTLP_GRPC_PORT: '0',
      CLICKHOUSE_DATA_PATH: data,
    });
    try {
      const [, port] = await waitFor(
        () => /\[trace2test\] listening on http:\/\/127\.0\.0\.1:(\d+)/.exec(all.output()),
        30_000,
        all.output,
      );
      await expectHealthAndMetrics(`http://127.0.0.1:${port}`, 'trace2test', [
        'clickhouse',
        'kafka-consumer',
        'clustering-worker',
        'clustering-sink',
        'modeling',
      ]);
      expect(all.output()).toMatch(
        /OTLP\/HTTP receiver listening on http:\/\/0\.0\.0\.0:\d+\/v1\/traces/,
      );
      expect(all.output()).toMatch(/OTLP\/gRPC receiver listening on 0\.0\.0\.0:\d+/);
      // The compiled server serves the web UI's prebuilt bundle (dist/web), not the sources.
      expect(all.output()).toMatch(/web UI at \/ \(prebuilt bundle in .*dist\/web\)/);
      const page = await fetch(`http://127.0.0.1:${port}/`);
      expect(page.status).toBe(200);
      expect(await page.text()).toContain('<script src="assets/app.js" defer></script>');
      const script = await fetch(`http://127.0.0.1:${port}/assets/app.js`);
      expect(script.status).toBe(200);
      expect((await script.text()).length).toBeGreaterThan(50_000);
      // The shipped Grafana dashboard queries only metrics the services export (the all-in-one
      // process registers every role's metrics under the same names the services use).
      const exported = exportedMetrics(
        await (await fetch(`http://127.0.0.1:${port}/metrics`)).text(),
      );
      const queried = [...new Set(dashboardQueries(loadDashboard(root)).flatMap(metricsOf))];
      expect(queried.filter((m) => !exported.has(m))).toEqual([]);
      all.child.kill('SIGTERM');
      await all.exited;
    } finally {
      all.child.kill('SIGKILL');
      rmSync(data, { recursive: true, force: true });
    }
    const data2 = mkdtempSync(join(tmpdir(), 't2t-server-'));
    const one = spawnNode([main, '--role', 'modeling'], {
      ...kafkaEnvFor('modeling'),
      HTTP_PORT: '0',
      HTTP_HOST: '127.0.0.1',
      CLICKHOUSE_DATA_PATH: data2,
    });
    try {
      const [, port] = await waitFor(
        () => /\[modeling\] listening on http:\/\/127\.0\.0\.1:(\d+)/.exec(one.output()),
        30_000,
        one.output,
      );
      await expectHealthAndMetrics(`http://127.0.0.1:${port}`, 'modeling', HEALTH_CHECKS.modeling);
    } finally {
      one.child.kill('SIGKILL');
      rmSync(data2, { recursive: true, force: true });
    }
    const bad = spawnNode([main, '--role', 'everything'], {});
    expect(await bad.exited).toEqual({ code: 2, signal: null });
    expect(bad.output()).toContain('unknown role "everything"');
  });
});
