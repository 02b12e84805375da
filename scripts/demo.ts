/**
 * The product end to end, on a fresh data directory, in one process:
 *
 *   npm run demo                     starts trace2test embedded (ClickHouse in-process, no Kafka);
 *                                    runs the potato shop as two real services traced by the
 *                                    OpenTelemetry Node SDK under generated traffic, and sends the
 *                                    synthetic checkout system's traces, all over OTLP/HTTP; waits
 *                                    for the model, generates tests, prints what it learned, writes
 *                                    the tests and a picture of the model, runs the shop's tests
 *                                    against it (healthy, then with a dropped database write), and
 *                                    keeps the GraphQL API up
 *   npm run demo -- --exit           the same, then stops (used by the demo's own test)
 *
 * Options: --data <dir> (default ./data/demo, wiped first), --out <dir> (default ./demo-output),
 * --requests <n> of the checkout system (default 1500), --orders <n> sent to the live potato shop
 * (default 120; a third as many reads), --timeout <seconds> (default 180).
 * Set KAFKA_BROKERS to run the same stages over Kafka instead of the in-process transport.
 */
import 'reflect-metadata';
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join, resolve } from 'node:path';
import { Logger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { readProcessEnv } from '@t2t/config';
import {
  checkoutSystem,
  generateTraces,
  groundTruth,
  type SystemDefinition,
  toOtlpRequests,
} from '@t2t/examples';
import { useInProcessTransport } from '@t2t/messaging';
import { formatOutcome, formatSuiteSummary, suiteExecutions } from '@t2t/runner';
import { renderMermaid, type SystemModel } from '@t2t/model';
import { encodeTraceRequestProto } from '@t2t/otlp';
import {
  CLICKHOUSE,
  type ClickHouseHandle,
  ClusterRepository,
  ModelRepository,
  TestRepository,
} from '@t2t/storage';
import type { TestSpec } from '@t2t/testgen';
import { TestGenerationService } from '../apps/generator/src/generation/test-generation.service';
import { splitTracetestFiles } from '../apps/generator/src/graphql/tests/tracetest-files.parser';
import { allInOneEnv } from '../apps/server/src/all-in-one.env';
import { AllInOneModule } from '../apps/server/src/all-in-one.module';
import { type LiveShop, liveTraffic, runLiveTests, startLiveShop } from './demo.live';

interface Args {
  exit: boolean;
  data: string;
  out: string;
  requests: number;
  orders: number;
  timeoutS: number;
}

/** The live potato shop's entry endpoints, as the model keys them. */
const LIVE_ENDPOINTS = ['potato-shop|HTTP POST /orders', 'potato-shop|HTTP GET /orders/{id}'];

function parseArgs(argv: string[]): Args {
  const value = (name: string, fallback: string) => {
    const i = argv.indexOf(`--${name}`);
    return i >= 0 && argv[i + 1] ? argv[i + 1] : fallback;
  };
  return {
    exit: argv.includes('--exit'),
    data: resolve(value('data', 'data/demo')),
    out: resolve(value('out', 'demo-output')),
    requests: count('requests', value('requests', '1500')),
    orders: count('orders', value('orders', '120')),
    timeoutS: count('timeout', value('timeout', '180')),
  };
}

class UsageError extends Error {}

function count(name: string, text: string): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1)
    throw new UsageError(`--${name} must be a whole number of at least 1, got "${text}"`);
  return n;
}

const say = (line = '') => process.stdout.write(`${line}\n`);

async function freePort(preferred: number): Promise<number> {
  const tryPort = (port: number) =>
    new Promise<number>((ok, fail) => {
      const s = createServer();
      s.once('error', fail);
      s.listen(port, '0.0.0.0', () => {
        const p = (s.address() as import('node:net').AddressInfo).port;
        s.close(() => ok(p));
      });
    });
  try {
    return await tryPort(preferred);
  } catch {
    return tryPort(0);
  }
}

/** What a collector or SDK does: POST OTLP protobuf requests to /v1/traces. */
async function sendSystem(
  system: SystemDefinition,
  seed: number,
  requests: number,
  otlpUrl: string,
): Promise<number> {
  const traces = generateTraces(system, {
    seed,
    traces: requests,
    startNs: BigInt(Date.now() - 30_000) * 1_000_000n,
    ratePerSecond: 200,
  });
  let spans = 0;
  for (const batch of toOtlpRequests(traces, { spansPerRequest: 500, mixTraces: true })) {
    for (let attempt = 0; ; attempt++) {
      const res = await fetch(otlpUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/x-protobuf' },
        body: encodeTraceRequestProto(batch),
      });
      if (res.ok) break;
      if (res.status !== 503 || attempt > 20)
        throw new Error(`OTLP receiver answered ${res.status}: ${await res.text()}`);
      await new Promise((r) => setTimeout(r, 500));
    }
    spans += batch.length;
  }
  return spans;
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const env = readProcessEnv();
  Logger.overrideLogger(['error', 'warn']);
  say('trace2test demo: traces in, tests out');
  say(`  data directory ${args.data} (fresh), output ${args.out}`);
  rmSync(args.data, { recursive: true, force: true });
  rmSync(args.out, { recursive: true, force: true });
  mkdirSync(join(args.out, 'tests'), { recursive: true });

  const httpPort = await freePort(Number(env.HTTP_PORT ?? 4000));
  const otlpPort = await freePort(Number(env.OTLP_HTTP_PORT ?? 4318));
  const otlpGrpcPort = await freePort(Number(env.OTLP_GRPC_PORT ?? 4317));
  const apiKey = env.GRAPHQL_API_KEYS?.split(',')[0] ?? `demo-${randomBytes(12).toString('hex')}`;
  const config = allInOneEnv.parse({
    // Windows and waits sized for a demo that finishes in seconds, not minutes.
    CLUSTERING_IDLE_GAP: '2s',
    CLUSTERING_WINDOW: '10s',
    CLUSTERING_ALLOWED_LATENESS: '4s',
    CLUSTERING_IDLE_ADVANCE_AFTER: '1s',
    CLUSTERING_SAMPLE_SIZE: '50',
    CLUSTERING_TOPIC_PARTITIONS: '4',
    // One spans partition: the demo sends seconds of synthetic event time per second of wall time
    // right at start-up, before clustering has heard from every source partition (its event-time
    // alignment needs that), so with several, some traces were split (24 of 874 of one endpoint).
    INGEST_TOPIC_PARTITIONS: '1',
    INGEST_BATCH_MAX_WAIT: '200ms',
    MODELING_DEBOUNCE: '1s',
    GENERATOR_SCHEDULE: 'off',
    ...env,
    CLICKHOUSE_DATA_PATH: args.data,
    HTTP_PORT: String(httpPort),
    OTLP_HTTP_PORT: String(otlpPort),
    OTLP_GRPC_PORT: String(otlpGrpcPort),
    GRAPHQL_API_KEYS: apiKey,
  });
  if (!config.kafka.brokers) useInProcessTransport();
  say(
    `  transport: ${config.kafka.brokers ? `Kafka at ${config.kafka.brokers.join(',')}` : 'in-process (set KAFKA_BROKERS to use Kafka)'}`,
  );

  const app = await NestFactory.create(AllInOneModule.forRoot(config), {
    logger: ['error', 'warn'],
  });
  app.enableShutdownHooks();
  await app.listen(httpPort, config.platform.httpHost);
  const ch = app.get<ClickHouseHandle>(CLICKHOUSE);
  const models = app.get(ModelRepository);
  const clusters = app.get(ClusterRepository);
  say(
    `  started: OTLP/HTTP on :${otlpPort}/v1/traces, OTLP/gRPC on :${otlpGrpcPort}, GraphQL on :${httpPort}/graphql, web UI on :${httpPort}/`,
  );

  const systems = [{ system: checkoutSystem, seed: 2 }];
  const started = Date.now();
  let sent = 0;
  const otlpUrl = `http://127.0.0.1:${otlpPort}/v1/traces`;
  // The synthetic traces are stamped from 30 s ago: sent first, so that every partition sees
  // event time go forward (the live shop's traces are stamped now).
  for (const { system, seed } of systems) {
    const n = await sendSystem(system, seed, args.requests, otlpUrl);
    sent += n;
    say(
      `  sent ${n.toLocaleString('en')} spans of the ${system.name} system (${args.requests} requests) over OTLP/HTTP`,
    );
  }
  say('  starting the potato shop: two Node services traced by the OpenTelemetry Node SDK …');
  const shop: LiveShop = await startLiveShop(otlpUrl);
  const reads = Math.ceil(args.orders / 3);
  await liveTraffic(shop.url, args.orders, reads);
  say(
    `  potato shop at ${shop.url}: ${args.orders} orders and ${reads} reads served, its spans exported to ${otlpUrl}`,
  );

  // Wait until the model covers every entry endpoint the example systems have, with progress.
  const expected = new Set([
    ...LIVE_ENDPOINTS,
    ...systems.flatMap(({ system }) =>
      groundTruth(system)
        .endpoints.filter((e) => e.entry)
        .map((e) => e.key),
    ),
  ]);
  const count = async (sql: string) =>
    Number(
      (
        await (
          await ch.client.query({
            query: sql,
            query_params: { db: ch.database },
            format: 'JSONEachRow',
          })
        ).json<{ n: string }>()
      )[0]?.n ?? 0,
    );
  let model: SystemModel | undefined;
  let version = 0;
  let lastLine = '';
  for (;;) {
    const latest = await models.latestVersion();
    model = latest ? (JSON.parse(latest.model) as SystemModel) : undefined;
    version = latest?.version ?? 0;
    const stored = await count('SELECT count() AS n FROM {db:Identifier}.spans');
    const traces = (await clusters.stats()).reduce((n, s) => n + s.traces, 0);
    const covered = model
      ? model.endpoints.filter((e) => e.entry && expected.has(e.key)).length
      : 0;
    const line = `  … ${stored.toLocaleString('en')}/${sent.toLocaleString('en')} spans stored, ${traces.toLocaleString('en')} traces clustered, model v${version}: ${covered}/${expected.size} entry endpoints`;
    if (line !== lastLine) say(line);
    lastLine = line;
    if (covered === expected.size && stored >= sent) {
      // Let the last windows and rebuilds settle: done when neither the model nor the number of
      // clustered traces changed for a while.
      await new Promise((r) => setTimeout(r, 4000));
      const again = await models.latestVersion();
      const tracesAgain = (await clusters.stats()).reduce((n, s) => n + s.traces, 0);
      if (again?.version === version && tracesAgain === traces) break;
      continue;
    }
    if (Date.now() - started > args.timeoutS * 1000) {
      say(`  timed out after ${args.timeoutS}s; showing what the model has so far`);
      break;
    }
    await new Promise((r) => setTimeout(r, 1000));
  }
  if (!model)
    throw new Error('no model was built: no traces reached clustering (see the errors above)');

  say('');
  say(
    'Generating tests from the model (deterministic generator; set LLM_PROVIDER for the LLM path) …',
  );
  const run = await app.get(TestGenerationService).generate({
    trigger: 'manual',
    endpoints: model.endpoints.filter((e) => e.entry).map((e) => e.key),
  });
  const tests = await app.get(TestRepository).currentTests({ limit: 10_000 });
  for (const t of tests) {
    writeFileSync(join(args.out, 'tests', `${t.testId}.trace.spec.ts`), t.jestFile);
    // The same test as data: what `t2t test run <tests dir>` runs (the Jest file is code).
    writeFileSync(
      join(args.out, 'tests', `${t.testId}.json`),
      `${JSON.stringify(JSON.parse(t.spec), null, 2)}\n`,
    );
    // One file per Tracetest test (the spec's own, each variant, each journey step), as
    // `tracetest run test -f <file>` reads them.
    for (const f of splitTracetestFiles(t.tracetestYaml, t.testId))
      writeFileSync(join(args.out, 'tests', f.fileName), f.content);
  }
  writeFileSync(join(args.out, 'model.mmd'), renderMermaid(model));
  writeFileSync(
    join(args.out, 'model.md'),
    `# trace2test model v${version}\n\n\`\`\`mermaid\n${renderMermaid(model)}\`\`\`\n`,
  );
  writeFileSync(join(args.out, 'model.json'), `${JSON.stringify(model, null, 2)}\n`);

  const stats = new Map((await clusters.stats()).map((s) => [s.fingerprint, s]));
  say('');
  say(`What trace2test learned (model v${version}):`);
  say(`Services (${model.services.length}): ${model.services.map((s) => s.name).join(', ')}`);
  say(
    `Endpoints (${model.endpoints.filter((e) => e.entry).length} entry points of ${model.endpoints.length}):`,
  );
  for (const e of model.endpoints.filter((x) => x.entry)) {
    say(
      `  ${e.key}  — ${e.traces.toLocaleString('en')} traces, ${e.behaviours.length} behaviour(s)`,
    );
    for (const b of model.behaviours.filter((x) => x.endpoint === e.key)) {
      const s = stats.get(b.fingerprint);
      say(
        `    behaviour ${b.fingerprint.slice(0, 8)}: ${s?.traces ?? b.traces} traces (${(b.share * 100).toFixed(1)}%), errors ${(b.errorRate * 100).toFixed(1)}%, p50 ${(b.p50Us / 1000).toFixed(1)} ms`,
      );
    }
  }
  say(
    `Entities (${model.entities.length}): ${model.entities.map((e) => `${e.kind} ${e.name}`).join(', ')}`,
  );
  say(`Edges: ${model.edges.length}`);
  say(`Branch rules (${model.rules.length}):`);
  for (const r of model.rules)
    say(
      `  ${r.endpoint}: ${r.effect} only if ${r.condition} (support ${r.support}, confidence ${r.confidence.toFixed(3)})`,
    );
  say(
    `Tests: ${run.testsKept} kept, ${run.testsRejected} rejected by verification (generation ${run.status})`,
  );
  for (const t of tests.slice(0, 12)) say(`  [${t.verdict}] ${t.name}`);
  if (tests.length > 12) say(`  … and ${tests.length - 12} more`);
  say(
    `Files: ${tests.length} Jest files, specs (JSON) and Tracetest YAMLs in ${join(args.out, 'tests')}, the model drawn in ${join(args.out, 'model.md')} (Mermaid)`,
  );
  await testTheLiveShop(ch, tests, shop, app.get(TestRepository));
  await shop.stop();

  say('');
  say(`Web UI: http://localhost:${httpPort}/  (sign in with the API key below)`);
  say(`GraphQL API: http://localhost:${httpPort}/graphql  (API key: ${apiKey})`);
  say(
    `  curl -s http://localhost:${httpPort}/graphql -H 'content-type: application/json' -H 'authorization: Bearer ${apiKey}' \\\n` +
      `    -d '{"query":"{ modelVersion { version rules(first: 10) { edges { node { endpoint condition effect support } } } } }"}'`,
  );

  if (args.exit) {
    await app.close();
    say('demo finished');
    return;
  }
  say('Running; press Ctrl-C to stop.');
}

/**
 * The runner's turn: the potato shop's verified tests against the live shop, healthy (they pass),
 * then after a "code change" that drops the orders INSERT (the tests that assert it fail, naming
 * the missing span). Both runs are recorded as `t2t test run` records them, so the API and the
 * web UI show them.
 */
async function testTheLiveShop(
  ch: ClickHouseHandle,
  tests: readonly { endpoint: string; verdict: string; spec: string }[],
  shop: LiveShop,
  repository: TestRepository,
): Promise<void> {
  const specs = tests
    .filter((t) => t.verdict === 'verified' && LIVE_ENDPOINTS.includes(t.endpoint))
    .map((t) => JSON.parse(t.spec) as TestSpec);
  if (specs.length === 0) {
    say('No verified tests of the potato shop to run against it.');
    return;
  }
  const show = async (r: Awaited<ReturnType<typeof runLiveTests>>) => {
    for (const o of r.outcomes) say(`  ${briefOutcome(formatOutcome(o))}`);
    say(`  ${formatSuiteSummary(r)}`);
    await repository.saveExecutions(suiteExecutions(r, randomUUID(), shop.url));
  };
  say('');
  say(`Running the potato shop's ${specs.length} generated tests against it at ${shop.url} …`);
  await show(await runLiveTests(ch, specs, shop.url));
  say('');
  say(
    'A code change drops the orders INSERT (DROP_DB_WRITE=1); restarting the shop and running again …',
  );
  await shop.restart({ dropDbWrite: true });
  await show(await runLiveTests(ch, specs, shop.url));
  say('  (`t2t test run <tests dir> --target <url>` does the same from the written files)');
}

/**
 * A run's console report cut for the demo: its first line, and of a failure only the first failed
 * assertion (what was expected, what was found) with a count of the others.
 */
function briefOutcome(report: string): string {
  const lines = report.split('\n');
  const failed = lines.flatMap((l, i) => (/^\s*✗ /.test(l) && i > 0 ? [i] : []));
  if (failed.length === 0) return lines[0];
  const first = failed[0];
  const detail = lines
    .slice(first, first + 3)
    .map((l) => `    ${l.trim()}`)
    .join('\n');
  const more = failed.length > 1 ? `\n    … and ${failed.length - 1} more failed assertion(s)` : '';
  return `${lines[0]}\n${detail}${more}`;
}

main().catch((e: unknown) => {
  if (e instanceof UsageError) {
    process.stderr.write(`demo: ${e.message}\n`);
    process.exit(2);
  }
  process.stderr.write(`demo failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
  process.exit(1);
});
