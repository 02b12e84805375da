import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable, Writable } from 'node:stream';
import type { DynamicModule, INestApplication } from '@nestjs/common';
import { Test, type TestingModule } from '@nestjs/testing';
import { readProcessEnv } from '@t2t/config';
import { type RunningPotatoService, startPotatoService } from '@t2t/examples-live';
import { kafkaEnv } from '@t2t/messaging';
import type { SystemModel } from '@t2t/model';
import { PlatformModule } from '@t2t/platform';
import {
  KafkaOtlpIntake,
  kafkaIntakeEnv,
  OtlpReceiverModule,
  OtlpReceiverService,
  receiverEnv,
} from '@t2t/receiver';
import {
  ClickHouseTraceSource,
  closeRunner,
  configureRunner,
  expectTrace,
  runSpec,
  StoredEndpointTimings,
} from '@t2t/runner';
import {
  type ClickHouseHandle,
  ClusterRepository,
  ModelRepository,
  openStorage,
  SpanRepository,
  type StoredTest,
  TestRepository,
} from '@t2t/storage';
import type { TestSpec } from '@t2t/testgen';
import { eventually, freshStorageConfig, testBrokers, uniqueTopic } from '@t2t/test-support';
import type { CliContext } from '../../apps/cli/src/cli.context';
import { cliEnv } from '../../apps/cli/src/cli.env';
import { CliLogger } from '../../apps/cli/src/cli.logger';
import { runCli } from '../../apps/cli/src/cli.program';
import { clusteringEnv } from '../../apps/clustering/src/clustering.env';
import { ClusteringModule } from '../../apps/clustering/src/clustering.module';
import { TestGenerationService } from '../../apps/generator/src/generation/test-generation.service';
import { generatorEnv } from '../../apps/generator/src/generator.env';
import { GeneratorModule } from '../../apps/generator/src/generator.module';
import { ingestEnv } from '../../apps/ingest/src/ingest.env';
import { IngestModule } from '../../apps/ingest/src/ingest.module';
import { modelingEnv } from '../../apps/modeling/src/modeling.env';
import { ModelingModule } from '../../apps/modeling/src/modeling.module';

/**
 * Issue 7, "Show": an instrumented service under test, end to end.
 *
 * The potato shop (libs/examples-live) runs as two child processes with the real OpenTelemetry
 * Node SDK (NodeTracerProvider, HttpInstrumentation, OTLPTraceExporter over protobuf). Its spans
 * go to the OTLP/HTTP receiver → Kafka → ingest → the embedded engine, then clustering, modeling
 * and the generator (all in this process, real broker). Tests are generated from the shop's real
 * traces, then run against it with `t2t test run` (the generated specs) and checked against
 * stored production traces with `t2t test verify`, healthy and after restarts with a fault.
 */
describe('trace-based tests of a live instrumented service (issue 7, Show)', () => {
  const apps: INestApplication[] = [];
  let receiver: TestingModule;
  let storage: ReturnType<typeof freshStorageConfig>;
  let handle: ClickHouseHandle;
  let handler: RunningPotatoService;
  let shop: RunningPotatoService;
  let otlpUrl: string;
  let ordersFile: string;
  let work: string;
  let specs: TestSpec[] = [];
  /** Orders created while the shop was healthy: what production reads keep asking for. */
  const healthyOrders: number[] = [];
  /** False once a fault is on: orders created then may not exist (the write was dropped). */
  let readsAllowed = true;
  const figures: string[] = [];

  const step = async <T>(what: string, fn: () => Promise<T>): Promise<T> => {
    const started = Date.now();
    const out = await fn();
    figures.push(`${what}: ${((Date.now() - started) / 1000).toFixed(1)} s`);
    return out;
  };

  async function start(module: DynamicModule): Promise<INestApplication> {
    const ref = await Test.createTestingModule({ imports: [module] }).compile();
    const app = ref.createNestApplication({ logger: ['error', 'warn'] });
    await app.init();
    apps.push(app);
    return app;
  }

  beforeAll(async () => {
    storage = freshStorageConfig();
    work = mkdtempSync(join(tmpdir(), 't2t-show-'));
    ordersFile = join(work, 'orders.jsonl');
    const suffix = uniqueTopic('show');
    const common = {
      CLICKHOUSE_DATA_PATH: storage.config.dataPath,
      CLICKHOUSE_DATABASE: storage.config.database,
      KAFKA_BROKERS: testBrokers().join(','),
      HTTP_PORT: '0',
    };
    const topics = {
      spans: `${suffix}.otlp_spans`,
      byTrace: `${suffix}.spans_by_trace`,
      events: `${suffix}.cluster_events`,
    };
    await step('pipeline started', async () => {
      await start(
        IngestModule.forRoot(
          ingestEnv.parse({
            ...common,
            INGEST_TOPIC: topics.spans,
            INGEST_OUTPUT_TOPIC: topics.byTrace,
            INGEST_DLQ_TOPIC: `${topics.spans}.dlq`,
            INGEST_GROUP_ID: `${suffix}.ingest`,
            INGEST_TOPIC_PARTITIONS: '3',
            INGEST_BATCH_MAX_WAIT: '100ms',
          }),
        ),
      );
      await start(
        ClusteringModule.forRoot(
          clusteringEnv.parse({
            ...common,
            CLUSTERING_INPUT_TOPIC: topics.byTrace,
            CLUSTERING_EVENTS_TOPIC: topics.events,
            CLUSTERING_SINK_DLQ_TOPIC: `${topics.events}.dlq`,
            CLUSTERING_GROUP_ID: `${suffix}.clustering`,
            CLUSTERING_UPSTREAM_GROUP: `${suffix}.ingest`,
            CLUSTERING_SINK_GROUP_ID: `${suffix}.sink`,
            CLUSTERING_TOPIC_PARTITIONS: '3',
            // Two processes export a trace's spans independently; on a busy machine one can lag
            // the other by a second, and a trace closed too early splits into two behaviours.
            CLUSTERING_IDLE_GAP: '2s',
            CLUSTERING_WINDOW: '2s',
            CLUSTERING_ALLOWED_LATENESS: '2s',
            CLUSTERING_IDLE_ADVANCE_AFTER: '500ms',
            CLUSTERING_SAMPLE_SIZE: '50',
            // Three live sources take turns: a source quiet for 5 s stops holding event time
            // (and this test) back, instead of the default 30 s.
            CLUSTERING_SOURCE_IDLE: '5s',
          }),
        ),
      );
      await start(
        ModelingModule.forRoot(
          modelingEnv.parse({
            ...common,
            MODELING_EVENTS_TOPIC: topics.events,
            MODELING_OUTPUT_TOPIC: `${suffix}.model_events`,
            MODELING_GROUP_ID: `${suffix}.modeling`,
            MODELING_LEADER_GROUP: `${suffix}.modeling-leader`,
            MODELING_DEBOUNCE: '300ms',
          }),
        ),
      );
      await start(
        GeneratorModule.forRoot(
          generatorEnv.parse({
            ...common,
            KAFKA_BROKERS: '',
            GRAPHQL_AUTH: 'off',
            GENERATOR_SCHEDULE: 'off',
            GENERATOR_RUN_ON_START: 'false',
          }),
        ),
      );
      // The receiver as a service wires it: its own port, the Kafka intake onto otlp_spans.
      const kafkaConfig = kafkaEnv.parse({ KAFKA_BROKERS: common.KAFKA_BROKERS });
      receiver = await Test.createTestingModule({
        imports: [
          PlatformModule.forRoot('receiver'),
          OtlpReceiverModule.forRoot(
            receiverEnv.parse({ OTLP_HTTP_HOST: '127.0.0.1', OTLP_HTTP_PORT: '0' }),
            {
              useFactory: () =>
                KafkaOtlpIntake.fromConfig(
                  kafkaConfig,
                  kafkaIntakeEnv.parse({ OTLP_HTTP_KAFKA_TOPIC: topics.spans }),
                ),
            },
          ),
        ],
      }).compile();
      await receiver.init();
      otlpUrl = `http://127.0.0.1:${receiver.get(OtlpReceiverService).address()!.port}/v1/traces`;
      handle = await openStorage(storage.config);
    });
    await step('services started', async () => {
      handler = await startPotatoService({ role: 'potato-handler', otlpTracesUrl: otlpUrl });
      shop = await startShop();
    });
  });

  afterAll(async () => {
    if (figures.length > 0) console.log(`Show (issue 7), timings:\n  ${figures.join('\n  ')}`);
    await closeRunner();
    await shop?.stop();
    await handler?.stop();
    await receiver?.close();
    for (const app of apps.reverse()) await app.close();
    await handle?.close();
    storage?.cleanup();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  function startShop(
    faults: { dropDbWrite?: boolean; flipPotatoBranch?: boolean; leakTraceContext?: boolean } = {},
  ): Promise<RunningPotatoService> {
    return startPotatoService({
      role: 'shop',
      // The same address after a restart: recorded values (the host a client called) stay valid.
      ...(shop === undefined ? {} : { port: shop.port }),
      otlpTracesUrl: otlpUrl,
      potatoHandlerUrl: handler.url,
      ordersFile,
      faults,
    });
  }

  async function restartShop(faults: Parameters<typeof startShop>[0]): Promise<void> {
    await shop.stop();
    shop = await startShop(faults);
  }

  /** Production traffic: plain requests (no traceparent), as users send them. */
  async function traffic(orders: number, reads: number): Promise<void> {
    for (let i = 0; i < orders; i++) {
      const likes = i % 5 < 2; // the origin story's 40%
      const res = await fetch(`${shop.url}/orders`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          user: { id: 1000 + ((i * 7919) % 9000), likes_potatoes: likes },
          cart: { items: 1 + (i % 12) },
        }),
      });
      expect(res.status).toBe(201);
      const { id } = (await res.json()) as { id: number };
      if (healthyOrders.length < 100 && readsAllowed) healthyOrders.push(id);
    }
    for (let i = 0; i < reads; i++) {
      const id = healthyOrders[(i * 13) % healthyOrders.length];
      const res = await fetch(`${shop.url}/orders/${id}`);
      expect(res.status).toBe(200);
      await res.text();
    }
  }

  async function cli(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
    let stdout = '';
    let stderr = '';
    const sink = (append: (s: string) => void) =>
      new Writable({
        write(chunk: Buffer, _enc, done) {
          append(chunk.toString());
          done();
        },
      });
    const ctx: CliContext = {
      config: cliEnv.parse({
        CLICKHOUSE_DATA_PATH: storage.config.dataPath,
        CLICKHOUSE_DATABASE: storage.config.database,
        PATH: readProcessEnv().PATH,
      }),
      stdin: () => Readable.from([]),
      stdinIsTerminal: true,
      stdout: sink((s) => (stdout += s)),
      stderr: sink((s) => (stderr += s)),
      logger: new CliLogger(sink((s) => (stderr += s))),
      exitCode: 0,
    };
    const code = await runCli(['node', 't2t', 'test', ...args], ctx);
    return { code, stdout, stderr };
  }

  /** Spec ids of the `✗` lines of a `test run` or `test verify` report. */
  const failing = (report: string) =>
    [
      ...new Set([...report.matchAll(/^✗ .*?\[((?:bhv|rule|jrn)-[^\]]+)\]/gm)].map((m) => m[1])),
    ].sort();
  const kind = (id: string) => id.slice(0, id.indexOf('-'));
  const run = (...extra: string[]) =>
    cli(
      'run',
      join(work, 'generated'),
      '--target',
      shop.url,
      '--settle',
      '1s',
      '--poll',
      '100ms',
      ...extra,
    );

  it('generates tests from the service’s real traces through the whole pipeline; they pass against it', async () => {
    await step('healthy traffic (60 orders, 25 reads)', () => traffic(60, 25));
    const models = new ModelRepository(handle);
    const clusters = new ClusterRepository(handle);
    let seen = 'no model yet';
    await step('model with the potato rule', () =>
      eventually(
        async () => {
          const v = await models.latestVersion();
          const m = v ? (JSON.parse(v.model) as SystemModel) : undefined;
          // Counted from the clusters: a model version keeps the statistics it was built with
          // (versions change with structure only), so later windows do not show in it.
          const stats = await clusters.stats();
          const traces = (endpoint: string) =>
            stats
              .filter((c) => c.endpoint === `potato-shop|HTTP ${endpoint}`)
              .reduce((n, c) => n + c.traces, 0);
          if (m !== undefined) {
            seen = `v${v!.version}: rules [${m.rules.map((r) => `${r.condition} → ${r.effect}`).join('; ')}], clusters ${stats.map((c) => `${c.endpoint} ${c.fingerprint.slice(0, 6)} ×${c.traces}`).join(', ')}`;
          }
          // Every request of the traffic clustered, and the rule mined from them.
          return (
            m !== undefined &&
            m.rules.some((r) => r.effect.includes('potato-handler')) &&
            traces('POST /orders') >= 60 &&
            traces('GET /orders/{id}') >= 25
          );
        },
        'the potato shop model with its rule',
        90_000,
      ).catch((e: Error) => {
        throw new Error(`${e.message}; last model ${seen}`);
      }),
    );
    const generation = await step('generation', () =>
      apps[3].get(TestGenerationService).generate({ trigger: 'manual' }),
    );
    expect(generation.status).toBe('succeeded');
    const tests = await new TestRepository(handle).currentTests({
      limit: 100,
      verdict: 'verified',
    });
    specs = tests.map((t: StoredTest) => JSON.parse(t.spec) as TestSpec);
    figures.push(
      `generated: ${tests.map((t) => `${t.kind} ${t.endpoint.split('|')[1]}`).join(', ')} (${generation.testsRejected} rejected)`,
    );
    expect(tests.map((t) => t.kind).sort()).toEqual([
      'behaviour',
      'behaviour',
      'behaviour',
      'journey',
      'rule',
    ]);
    mkdirSync(join(work, 'generated'));
    for (const t of tests) {
      writeFileSync(join(work, 'generated', `${t.testId}.trace.spec.ts`), t.jestFile);
      // What `test run` reads: the spec as data (the emitted Jest file is code).
      writeFileSync(join(work, 'generated', `${t.testId}.json`), t.spec);
    }

    // The generated tests, run by the CLI against the healthy service.
    const junit = join(work, 'healthy.xml');
    const healthy = await step('test run, healthy', () => run('--junit', junit));
    figures.push(`test run, healthy:\n${healthy.stdout.replace(/^/gm, '    ')}`);
    expect(healthy.stderr).toBe('');
    expect(healthy.code).toBe(0);
    expect(healthy.stdout).toMatch(/6 run\(s\) of 5 spec\(s\): 6 passed, 0 failed, 0 error\(s\)/);
    expect(readFileSync(junit, 'utf8')).toMatch(/tests="6" failures="0" errors="0"/);

    // The same contract in Jest, as a hand-written file calls it (runSpec + expectTrace).
    configureRunner({
      traces: new ClickHouseTraceSource(new SpanRepository(handle)),
      timings: new StoredEndpointTimings(models),
      wait: { settleMs: 1_000, pollMs: 100 },
    });
    const rule = specs.find((s) => s.covers.rule !== undefined)!;
    for (const variant of [undefined, rule.variants![0].name]) {
      const live = await runSpec(rule, { baseUrl: shop.url, variant });
      expectTrace(live).toSatisfy(rule);
      expect(live.wait.plan.basis).toMatch(
        /^learned: p95 \d+ ms of stored potato-shop\|HTTP POST \/orders traces/,
      );
    }
  }, 180_000);

  it('the generated tests pass against a second deployment that differs only in its environment', async () => {
    // Staging: other ports, the potato handler reached by name instead of address, another
    // service version and deployment name, other database hosts and names; the same code and data.
    const environment = {
      serviceVersion: '2.0.0-rc.1',
      name: 'staging',
      dbHost: 'orders-db.staging.internal',
      dbName: 'shop_staging',
    };
    const stagingOrders = join(work, 'staging-orders.jsonl');
    writeFileSync(stagingOrders, readFileSync(ordersFile));
    const stagingHandler = await startPotatoService({
      role: 'potato-handler',
      otlpTracesUrl: otlpUrl,
      environment: {
        ...environment,
        dbHost: 'potatoes-db.staging.internal',
        dbName: 'potatoes_staging',
      },
    });
    const staging = await startPotatoService({
      role: 'shop',
      otlpTracesUrl: otlpUrl,
      potatoHandlerUrl: `http://localhost:${stagingHandler.port}`,
      ordersFile: stagingOrders,
      environment,
    });
    try {
      const since = new Date().toISOString();
      // Staging traffic, stored like production's.
      for (let i = 0; i < 10; i++) {
        const res = await fetch(`${staging.url}/orders`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({
            user: { id: 2000 + i, likes_potatoes: i % 2 === 0 },
            cart: { items: 1 + i },
          }),
        });
        expect(res.status).toBe(201);
        await res.text();
      }
      const live = await step('test run, staging', () =>
        cli(
          'run',
          join(work, 'generated'),
          '--target',
          staging.url,
          '--settle',
          '1s',
          '--poll',
          '100ms',
          '--junit',
          join(work, 'staging.xml'),
        ),
      );
      figures.push(`test run, staging:\n${live.stdout.replace(/^/gm, '    ')}`);
      expect(live.stdout).toMatch(/6 run\(s\) of 5 spec\(s\): 6 passed, 0 failed, 0 error\(s\)/);
      expect(live.code).toBe(0);
      // Staging's stored traffic judged by the same tests: nothing fails, nothing is unknown.
      const verify = await step('test verify, staging', () =>
        cli('verify', '--since', since, '--until', '0s'),
      );
      figures.push(`test verify, staging:\n${verify.stdout.replace(/^/gm, '    ')}`);
      expect(failing(verify.stdout)).toEqual([]);
      expect(verify.stdout).not.toMatch(/^! /m);
      expect(verify.code).toBe(0);
    } finally {
      await staging.stop();
      await stagingHandler.stop();
    }
  }, 180_000);

  async function faultRound(
    name: string,
    faults: Parameters<typeof startShop>[0],
    missing: RegExp,
  ): Promise<{ live: string[]; stored: string[]; report: string }> {
    await restartShop(faults);
    const since = new Date().toISOString();
    readsAllowed = false;
    // Production traffic under the fault (it also warms the restarted process up).
    await traffic(10, 5);
    const live = await step(`test run, ${name}`, () => run('--junit', join(work, `${name}.xml`)));
    figures.push(`test run, ${name}:\n${live.stdout.replace(/^/gm, '    ')}`);
    expect(live.code).toBe(1);
    const verify = await step(`test verify, ${name}`, () =>
      cli('verify', '--since', since, '--until', '0s', '--show', '1'),
    );
    figures.push(`test verify, ${name}:\n${verify.stdout.replace(/^/gm, '    ')}`);
    expect(verify.code).toBe(1);
    // Every failure names what went missing.
    for (const report of [live.stdout, verify.stdout]) {
      for (const block of report.split(/^(?=[✓✗!?-] )/m).filter((b) => b.startsWith('✗'))) {
        expect(block).toMatch(missing);
      }
    }
    return { live: failing(live.stdout), stored: failing(verify.stdout), report: live.stdout };
  }

  it('a code change that drops the database write: the matching tests fail naming the missing span, live and on stored traces', async () => {
    const { live, stored } = await faultRound(
      'DROP_DB_WRITE',
      { dropDbWrite: true },
      /db postgresql INSERT orders/,
    );
    // Both behaviours of POST /orders write the order, and so does the journey's first step.
    expect(live.map(kind)).toEqual(['bhv', 'bhv', 'jrn']);
    // Stored traces are single traces: the journey's write step is judged live only.
    expect(stored).toEqual(live.filter((id) => kind(id) !== 'jrn'));
  });

  it('a code change that flips the potato branch: the rule and the behaviours it decides fail, live and on stored traces', async () => {
    const { live, stored } = await faultRound(
      'FLIP_POTATO_BRANCH',
      { flipPotatoBranch: true },
      /potato-handler/,
    );
    // The journey's steps are about the write and the read, not the potatoes: it passes.
    expect(live.map(kind)).toEqual(['bhv', 'bhv', 'rule']);
    expect(stored).toEqual(live.filter((id) => kind(id) !== 'jrn'));
  });

  it('a trace that never completes, and one that never arrives, fail with a clear reason instead of hanging', async () => {
    await restartShop({ leakTraceContext: true });
    const order = specs.find(
      (s) => s.covers.behaviour !== undefined && !s.covers.journey && s.endpoint.includes('POST'),
    )!;
    writeFileSync(join(work, 'order.json'), JSON.stringify(order));
    let started = Date.now();
    const growing = await cli(
      'run',
      join(work, 'order.json'),
      '--target',
      shop.url,
      '--timeout',
      '6s',
      '--settle',
      '1s',
      '--no-junit',
    );
    figures.push(`leaked trace context: ${growing.stdout.split('\n')[1]?.trim()}`);
    expect(Date.now() - started).toBeLessThan(20_000);
    expect(growing.code).toBe(1);
    expect(growing.stdout).toMatch(
      /TraceWaitError: trace [0-9a-f]{32} \(potato-shop\|HTTP POST \/orders\) never completed: it was still growing after 6\.\d s/,
    );

    // An uninstrumented target answers, but no span ever arrives.
    const plain: Server = createServer((_req, res) => {
      res.writeHead(201, { 'content-type': 'application/json' });
      res.end('{"id":1}');
    });
    await new Promise<void>((r) => plain.listen(0, '127.0.0.1', r));
    try {
      started = Date.now();
      const silent = await cli(
        'run',
        join(work, 'order.json'),
        '--target',
        `http://127.0.0.1:${(plain.address() as AddressInfo).port}`,
        '--first-span-timeout',
        '3s',
        '--no-junit',
      );
      figures.push(`uninstrumented target: ${silent.stdout.split('\n')[1]?.trim()}`);
      expect(Date.now() - started).toBeLessThan(15_000);
      expect(silent.code).toBe(1);
      expect(silent.stdout).toMatch(/never arrived: no span of it was stored within 3\.\d s/);
    } finally {
      await new Promise((r) => plain.close(r));
    }
  });
});
