/**
 * npm run bench:test-quality — how well the generated tests catch regressions, measured through the
 * real pipeline as production runs it, for every example system:
 *
 *   1. the embedded product (all roles in one process, fresh data directory) learns from normal
 *      traffic sent over OTLP/HTTP in Collector-sized requests: ingest, clustering, modeling (rules
 *      measured over every stored trace), then one generation run (synthesis and verification);
 *   2. held-back traffic is sent the same way: normal requests, the same system recorded in another
 *      environment (hosts, ports, versions), and traces with one injected fault each (a missing
 *      database write, an extra call, an error status, a flipped branch), each faulty copy as a
 *      trace of its own;
 *   3. the stored tests judge every held-back trace as `t2t test verify` does (libs/runner's
 *      StoredTraceVerifier), and the verdicts are compared with what is known about each trace.
 *
 * Prints per system and fault kind: normal traces passing all applicable tests, normal traces
 * covered by a behaviour test, faults caught, false alarms; ends with one line of JSON.
 *
 * Options: --training <n> (3000), --held-back <n> (1000), --staging <n> (500), --faults <n per kind>
 * (200), --systems potato,checkout,bank,delivery,railway, --timeout <s per wait> (300).
 */
import 'reflect-metadata';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Logger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import {
  bankSystem,
  canInjectFault,
  checkoutSystem,
  deliverySystem,
  generateTraces,
  groundTruth,
  potatoSystem,
  railwaySystem,
  toOtlpRequests,
  type FaultKind,
  type GeneratedTrace,
  type SystemDefinition,
} from '@t2t/examples';
import { useInProcessTransport } from '@t2t/messaging';
import type { SystemModel } from '@t2t/model';
import { encodeTraceRequestProto } from '@t2t/otlp';
import { EntrySpanRepository, StoredTraceVerifier, type TraceJudgement } from '@t2t/runner';
import {
  CLICKHOUSE,
  type ClickHouseHandle,
  ClusterRepository,
  ModelRepository,
  SpanRepository,
  TestRepository,
} from '@t2t/storage';
import { TestGenerationService } from '../apps/generator/src/generation/test-generation.service';
import { allInOneEnv } from '../apps/server/src/all-in-one.env';
import { AllInOneModule } from '../apps/server/src/all-in-one.module';
import { covered, FAULTS, faultyCopy, passed } from '../test/quality/test-quality.fixture';

const SYSTEMS: Record<string, SystemDefinition> = {
  potato: potatoSystem,
  checkout: checkoutSystem,
  bank: bankSystem,
  delivery: deliverySystem,
  railway: railwaySystem,
};

interface Args {
  training: number;
  heldBack: number;
  staging: number;
  faults: number;
  systems: string[];
  timeoutS: number;
}

function parseArgs(argv: string[]): Args {
  const value = (name: string, fallback: string) => {
    const i = argv.indexOf(`--${name}`);
    return i >= 0 && argv[i + 1] ? argv[i + 1] : fallback;
  };
  const int = (name: string, fallback: number) => {
    const n = Number(value(name, String(fallback)));
    if (!Number.isInteger(n) || n < 1) {
      process.stderr.write(`bench:test-quality: --${name} must be a whole number ≥ 1\n`);
      process.exit(2);
    }
    return n;
  };
  const systems = value('systems', Object.keys(SYSTEMS).join(',')).split(',');
  const unknown = systems.filter((s) => SYSTEMS[s] === undefined);
  if (unknown.length > 0) {
    process.stderr.write(
      `bench:test-quality: unknown system(s) ${unknown.join(', ')}; known: ${Object.keys(SYSTEMS).join(', ')}\n`,
    );
    process.exit(2);
  }
  return {
    training: int('training', 3000),
    heldBack: int('held-back', 1000),
    staging: int('staging', 500),
    faults: int('faults', 200),
    systems,
    timeoutS: int('timeout', 300),
  };
}

const say = (line = '') => process.stdout.write(`${line}\n`);
const S = 1_000_000_000n;

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

interface Rate {
  hits: number;
  total: number;
}
const pct = (r: Rate) => (r.total === 0 ? 'n/a' : `${((100 * r.hits) / r.total).toFixed(1)}%`);
const ratio = (r: Rate) => (r.total === 0 ? 1 : r.hits / r.total);

interface SystemResult {
  system: string;
  tests: number;
  rejected: number;
  normal: { passing: Rate; covered: Rate };
  staging: { passing: Rate };
  faults: Record<FaultKind, Rate>;
  falseAlarms: number;
  examples: string[];
  seconds: { learn: number; judge: number };
}

/** What a collector does: POST OTLP protobuf requests of ~500 spans to /v1/traces. */
async function send(traces: GeneratedTrace[], url: string): Promise<number> {
  let spans = 0;
  for (const batch of toOtlpRequests(traces, { spansPerRequest: 500, mixTraces: true })) {
    for (let attempt = 0; ; attempt++) {
      const res = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/x-protobuf' },
        body: encodeTraceRequestProto(batch),
      });
      if (res.ok) {
        await res.arrayBuffer();
        break;
      }
      if ((res.status !== 503 && res.status !== 429) || attempt > 100) {
        throw new Error(`the OTLP receiver answered ${res.status}: ${await res.text()}`);
      }
      await new Promise((r) => setTimeout(r, 500));
    }
    spans += batch.length;
  }
  return spans;
}

async function waitFor(
  what: string,
  timeoutS: number,
  check: () => Promise<string | true>,
): Promise<void> {
  const started = Date.now();
  let last = '';
  for (;;) {
    const state = await check();
    if (state === true) return;
    if (state !== last) say(`    … ${state}`);
    last = state;
    if (Date.now() - started > timeoutS * 1000) {
      throw new Error(`timed out after ${timeoutS}s waiting for ${what} (${state})`);
    }
    await new Promise((r) => setTimeout(r, 1000));
  }
}

async function measure(name: string, args: Args): Promise<SystemResult> {
  const system = SYSTEMS[name];
  const dir = mkdtempSync(join(tmpdir(), `t2t-quality-${name}-`));
  const httpPort = await freePort();
  const otlpPort = await freePort();
  const config = allInOneEnv.parse({
    CLUSTERING_IDLE_GAP: '2s',
    CLUSTERING_WINDOW: '10s',
    CLUSTERING_ALLOWED_LATENESS: '4s',
    CLUSTERING_IDLE_ADVANCE_AFTER: '1s',
    INGEST_TOPIC_PARTITIONS: '1',
    INGEST_BATCH_MAX_WAIT: '200ms',
    MODELING_DEBOUNCE: '1s',
    // The tests are learnt once, from the training traffic: nothing regenerates them while the
    // held-back (and faulty) traffic arrives.
    GENERATOR_SCHEDULE: 'off',
    GENERATOR_ON_MODEL_VERSION: 'false',
    GRAPHQL_AUTH: 'off',
    CLICKHOUSE_DATA_PATH: dir,
    HTTP_PORT: String(httpPort),
    OTLP_HTTP_PORT: String(otlpPort),
    // Traffic goes over OTLP/HTTP; a free port keeps the default 4317 out of the way.
    OTLP_GRPC_PORT: '0',
  });
  useInProcessTransport();
  const app = await NestFactory.create(AllInOneModule.forRoot(config), {
    logger: ['error', 'warn'],
  });
  await app.listen(httpPort, '127.0.0.1');
  const url = `http://127.0.0.1:${otlpPort}/v1/traces`;
  const ch = app.get<ClickHouseHandle>(CLICKHOUSE);
  const count = async (sql: string, params: Record<string, unknown> = {}) =>
    Number(
      (
        await (
          await ch.client.query({
            query: sql,
            query_params: { db: ch.database, ...params },
            format: 'JSONEachRow',
          })
        ).json<{ n: string }>()
      )[0]?.n ?? 0,
    );
  try {
    const t0 = Date.now();
    // Event time: training first, the held-back traffic an hour and more later.
    const base = BigInt(Date.now() - 6 * 3600 * 1000) * 1_000_000n;
    const training = generateTraces(system, { seed: 101, traces: args.training, startNs: base });
    const seen = new Set(training.map((t) => `${t.apiEndpoint}\u0000${t.behaviour}`));
    say(`  ${name}: learning from ${training.length} traces …`);
    const trainingSpans = await send(training, url);
    // The APIs traces serve (behind a gateway, the API, not the gateway's catch-all route).
    const entries = new Set(groundTruth(system).behaviours.map((b) => b.apiEndpoint));
    const models = app.get(ModelRepository);
    const clusters = app.get(ClusterRepository);
    let model: SystemModel | undefined;
    let stable = { version: -1, traces: -1, since: 0 };
    await waitFor('a settled model', args.timeoutS, async () => {
      const stored = await count('SELECT count() AS n FROM {db:Identifier}.spans');
      const traces = (await clusters.stats()).reduce((n, s) => n + s.traces, 0);
      const latest = await models.latestVersion();
      model = latest ? (JSON.parse(latest.model) as SystemModel) : undefined;
      const coveredEntries = model?.endpoints.filter((e) => e.entry && entries.has(e.key)).length;
      const state = `${stored}/${trainingSpans} spans stored, ${traces} traces clustered, model v${latest?.version ?? 0} with ${coveredEntries ?? 0}/${entries.size} entry endpoints`;
      if (stored < trainingSpans || coveredEntries !== entries.size) return state;
      if (stable.version !== latest!.version || stable.traces !== traces) {
        stable = { version: latest!.version, traces, since: Date.now() };
        return state;
      }
      // Settled: neither the model nor the clustered traces changed for 5 s.
      return Date.now() - stable.since >= 5000 ? true : state;
    });
    const run = await app.get(TestGenerationService).generate({
      trigger: 'manual',
      endpoints: [...entries],
    });
    const learnS = (Date.now() - t0) / 1000;
    say(
      `    generated ${run.testsKept} tests (${run.testsRejected} rejected) in ${learnS.toFixed(0)} s`,
    );

    // Held-back traffic: normal, another environment, faults (each faulty copy its own trace).
    const t1 = Date.now();
    const heldStart = base + 3600n * S;
    const held = generateTraces(system, { seed: 202, traces: args.heldBack, startNs: heldStart });
    const staging = generateTraces(system, {
      seed: 303,
      traces: args.staging,
      startNs: heldStart + 1800n * S,
      environment: {
        name: 'staging',
        hostSuffix: '.staging.svc.cluster.local',
        portOffset: 1000,
        versionSuffix: '-rc1',
        namespace: 'staging',
      },
    });
    const pool = generateTraces(system, {
      seed: 404,
      traces: Math.max(args.heldBack, 4 * args.faults),
      startNs: heldStart + 3600n * S,
    });
    const faulty: { trace: GeneratedTrace; kind: FaultKind }[] = [];
    for (const kind of FAULTS) {
      let n = 0;
      for (const t of pool) {
        if (n >= args.faults) break;
        if (!canInjectFault(t, kind)) continue;
        faulty.push({ trace: faultyCopy(t, kind), kind });
        n++;
      }
    }
    const label = new Map<
      string,
      { kind: 'normal' | 'staging' | FaultKind; trace: GeneratedTrace }
    >();
    for (const t of held) label.set(t.traceId, { kind: 'normal', trace: t });
    for (const t of staging) label.set(t.traceId, { kind: 'staging', trace: t });
    for (const f of faulty) label.set(f.trace.traceId, { kind: f.kind, trace: f.trace });
    const all = [...held, ...staging, ...faulty.map((f) => f.trace)];
    say(
      `  ${name}: judging ${held.length} held-back, ${staging.length} staging and ${faulty.length} faulty traces …`,
    );
    const sent = await send(all, url);
    const fromNs = heldStart - S;
    const toNs = heldStart + 3n * 3600n * S;
    await waitFor('held-back traffic stored', args.timeoutS, async () => {
      const stored = await count(
        'SELECT count() AS n FROM {db:Identifier}.spans WHERE Timestamp >= fromUnixTimestamp64Nano(toInt64({from:String}))',
        { from: (fromNs - 60n * S).toString() },
      );
      return stored >= sent ? true : `${stored}/${sent} spans stored`;
    });
    // Verification reads which behaviour each trace is from clustering, as it does in production
    // (where traffic was clustered long before anyone verifies it).
    await waitFor('held-back traffic clustered', args.timeoutS, async () => {
      const traces = await count('SELECT uniqExact(TraceId) AS n FROM {db:Identifier}.spans');
      const clustered = await count(
        'SELECT uniqExact(trace_id) AS n FROM {db:Identifier}.trace_behaviours',
      );
      return clustered >= traces ? true : `${clustered}/${traces} traces clustered`;
    });

    const tests = app.get(TestRepository);
    const verifier = new StoredTraceVerifier({
      spans: app.get(SpanRepository),
      roots: new EntrySpanRepository(ch),
      tests,
    });
    const { specs } = await verifier.storedSpecs();
    const latest = await models.latestVersion();
    const known = new Map<string, Set<string>>();
    for (const b of (JSON.parse(latest!.model) as SystemModel).behaviours) {
      known.set(b.endpoint, (known.get(b.endpoint) ?? new Set()).add(b.fingerprint));
    }
    const result = await verifier.verify(specs, {
      fromNs,
      toNs,
      maxTracesPerEndpoint: 1_000_000,
      knownBehaviours: known,
      keepJudgements: true,
    });
    const out: SystemResult = {
      system: name,
      tests: specs.length,
      rejected: run.testsRejected,
      normal: { passing: { hits: 0, total: 0 }, covered: { hits: 0, total: 0 } },
      staging: { passing: { hits: 0, total: 0 } },
      faults: Object.fromEntries(FAULTS.map((f) => [f, { hits: 0, total: 0 }])) as Record<
        FaultKind,
        Rate
      >,
      falseAlarms: 0,
      examples: [],
      seconds: { learn: learnS, judge: (Date.now() - t1) / 1000 },
    };
    const judged = new Map<string, TraceJudgement>(
      (result.judgements ?? []).map((j) => [j.traceId, j]),
    );
    for (const [traceId, { kind, trace }] of label) {
      const j = judged.get(traceId);
      if (kind === 'normal' || kind === 'staging') {
        // Behaviours training never showed (rare ones) are not the tests' to know.
        if (!seen.has(`${trace.apiEndpoint}\u0000${trace.behaviour}`)) continue;
        const ok = j !== undefined && passed(j);
        const rates = kind === 'normal' ? out.normal : out.staging;
        rates.passing.total++;
        if (ok) rates.passing.hits++;
        else {
          out.falseAlarms++;
          if (out.examples.length < 5) {
            out.examples.push(
              `false alarm (${kind}): ${trace.endpoint} ${trace.behaviour} trace ${traceId}` +
                (j === undefined ? ' (not judged)' : ` [${j.findings.join(',')}]`),
            );
          }
        }
        if (kind === 'normal') {
          out.normal.covered.total++;
          if (j !== undefined && covered(j)) out.normal.covered.hits++;
        }
      } else {
        const r = out.faults[kind];
        r.total++;
        if (j !== undefined && !passed(j)) r.hits++;
        else if (out.examples.length < 10) {
          out.examples.push(
            `missed ${kind}: ${trace.endpoint} ${trace.behaviour} trace ${traceId}`,
          );
        }
      }
    }
    return out;
  } finally {
    await app.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  Logger.overrideLogger(['error', 'warn']);
  say(
    `bench:test-quality: learn from ${args.training} requests per system through the embedded product, then judge ${args.heldBack} held-back, ${args.staging} staging and up to ${args.faults} faulty traces per kind as test verify does`,
  );
  const results: SystemResult[] = [];
  for (const name of args.systems) results.push(await measure(name, args));
  say('');
  say(
    '| system | tests | normal passing | normal covered | staging passing | drop-db-write | extra-call | error-status | flip-branch | false alarms |',
  );
  say('| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |');
  for (const r of results) {
    say(
      `| ${r.system} | ${r.tests} (${r.rejected} rejected) | ${pct(r.normal.passing)} (${r.normal.passing.total}) | ${pct(r.normal.covered)} | ${pct(r.staging.passing)} (${r.staging.passing.total}) | ${FAULTS.map((f) => `${pct(r.faults[f])} (${r.faults[f].total})`).join(' | ')} | ${r.falseAlarms} |`,
    );
  }
  for (const r of results) for (const e of r.examples) say(`  ${r.system}: ${e}`);
  const worst = (pick: (r: SystemResult) => number) => Math.min(...results.map(pick));
  say(
    JSON.stringify({
      bench: 'test-quality',
      systems: results.map((r) => ({
        system: r.system,
        tests: r.tests,
        normal_passing_ratio: ratio(r.normal.passing),
        normal_covered_ratio: ratio(r.normal.covered),
        staging_passing_ratio: ratio(r.staging.passing),
        ...Object.fromEntries(
          FAULTS.map((f) => [`${f.replace(/-/g, '_')}_caught_ratio`, ratio(r.faults[f])]),
        ),
        false_alarms: r.falseAlarms,
        learn_s: Number(r.seconds.learn.toFixed(1)),
        judge_s: Number(r.seconds.judge.toFixed(1)),
      })),
      min_normal_passing_ratio: worst((r) => ratio(r.normal.passing)),
      min_fault_caught_ratio: worst((r) => Math.min(...FAULTS.map((f) => ratio(r.faults[f])))),
      false_alarms: results.reduce((n, r) => n + r.falseAlarms, 0),
    }),
  );
}

main().catch((e: unknown) => {
  process.stderr.write(`bench:test-quality failed: ${(e as Error).stack ?? String(e)}\n`);
  process.exit(1);
});
