/**
 * npm run scale -- --ingest N --clustering N --rate SPANS_PER_S --seconds S
 *
 * Scale-out, measured against the real broker on this machine:
 *   - starts N ingest and N clustering worker processes (`node -r @swc-node/register
 *     apps/<app>/src/main.ts`, HTTP_PORT=0) on fresh topics and consumer groups; each ingest
 *     process has its own embedded ClickHouse data directory (one engine per process), so "stored"
 *     is summed over all of them from their /metrics;
 *   - produces Collector-format messages (OTLP protobuf ExportTraceServiceRequests, no key, no
 *     content-type: what the Collector's kafka exporter writes) at the given span rate, from the
 *     libs/examples systems mixed (checkout, bank, delivery, potato, railway), spans of many traces
 *     per message in end-time order as a batch processor sends them;
 *   - prints per second: produced, stored, clustered, consumer lag per group, partition
 *     assignment per worker; at the end totals and whether every trace was counted exactly once,
 *     read from the clustering events topic (see `checkExactlyOnce`).
 *
 * Broker: KAFKA_BROKERS when set, else one started with deploy/kafka/kafka.sh in a temp state
 * directory and stopped at the end. Exits 1 when the exactly-once check fails, 2 on bad arguments.
 *
 * Options: --partitions P (otlp_spans and spans_by_trace, default 6), --spans-per-message M
 * (default: what a Collector batch processor sends in 200 ms at the rate, 100..8192),
 * --drain-timeout S (default 90), --seed K (default 1).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readProcessEnv } from '@t2t/config';
import { type GeneratedTrace, generateTraces, toOtlpRequests } from '@t2t/examples';
import { createKafkaClient, type MessagingAdmin, type MessagingClient } from '@t2t/messaging';
import { encodeTraceRequestProto } from '@t2t/otlp';
import { ClusterEventsTally, EXAMPLE_SYSTEMS, fmt, scrape, sleep } from './pipeline-processes';
import { startDevBroker } from '../test/support/broker';
import { uniqueTopic } from '../test/support/kafka';
import { type NodeProcess, spawnNode } from '../test/support/process';

export const say = (line = '') => process.stdout.write(`${line}\n`);

export interface ScaleOptions {
  ingest: number;
  clustering: number;
  rate: number;
  seconds: number;
  partitions: number;
  spansPerMessage: number | undefined;
  drainTimeoutS: number;
  seed: number;
}

export interface ExactlyOnce {
  /** Distinct trace ids in the produced spans. */
  produced: number;
  /** Distinct trace ids in `members` events. */
  closed: number;
  missing: number;
  /** Trace ids that appear in more than one `members` entry. */
  closedTwice: number;
  unknown: number;
  /** Sum of window counts (last value per (partition, endpoint, fingerprint, window)) + late corrections. */
  windowTotal: number;
  ok: boolean;
}

export interface ScaleResult {
  options: ScaleOptions;
  producedSpans: number;
  producedTraces: number;
  producedMessages: number;
  /** Seconds the load generator took to send everything. */
  produceSeconds: number;
  storedSpans: number;
  clusteredSpans: number;
  tracesClosed: number;
  /** From the first message sent until every produced span was stored / clustered (undefined: never). */
  storedAfterS: number | undefined;
  clusteredAfterS: number | undefined;
  ingestSpansPerS: number | undefined;
  clusteringSpansPerS: number | undefined;
  /** CPU seconds the clustering workers used together (process_cpu_seconds_total). */
  clusteringCpuS: number;
  ingestCpuS: number;
  rebalances: number;
  exactlyOnce: ExactlyOnce;
}

// ---------------------------------------------------------------------------------------------
// Arguments

export class ArgsError extends Error {}

/** Reads `--name value` pairs; every flag must be one of `known`. */
export function readFlags(argv: string[], known: string[]): Map<string, string> {
  const flags = new Map<string, string>();
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (!a.startsWith('--')) throw new ArgsError(`unexpected argument "${a}"`);
    const name = a.slice(2);
    if (!known.includes(name))
      throw new ArgsError(
        `unknown option --${name} (known: ${known.map((k) => `--${k}`).join(', ')})`,
      );
    const v = argv[i + 1];
    if (v === undefined || v.startsWith('--')) throw new ArgsError(`--${name} needs a value`);
    flags.set(name, v);
    i++;
  }
  return flags;
}

export function intFlag(
  flags: Map<string, string>,
  name: string,
  fallback: number | undefined,
  min: number,
  max: number,
): number {
  const raw = flags.get(name);
  if (raw === undefined) {
    if (fallback === undefined) throw new ArgsError(`--${name} is required`);
    return fallback;
  }
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min || n > max)
    throw new ArgsError(`--${name} must be a whole number from ${min} to ${max}, got "${raw}"`);
  return n;
}

export function parseScaleArgs(argv: string[]): ScaleOptions {
  const flags = readFlags(argv, [
    'ingest',
    'clustering',
    'rate',
    'seconds',
    'partitions',
    'spans-per-message',
    'drain-timeout',
    'seed',
  ]);
  const partitions = intFlag(flags, 'partitions', 6, 1, 64);
  const o: ScaleOptions = {
    ingest: intFlag(flags, 'ingest', undefined, 1, 16),
    clustering: intFlag(flags, 'clustering', undefined, 1, 16),
    rate: intFlag(flags, 'rate', undefined, 1, 1_000_000),
    seconds: intFlag(flags, 'seconds', undefined, 1, 3600),
    partitions,
    spansPerMessage: flags.has('spans-per-message')
      ? intFlag(flags, 'spans-per-message', undefined, 1, 100_000)
      : undefined,
    drainTimeoutS: intFlag(flags, 'drain-timeout', 90, 5, 3600),
    seed: intFlag(flags, 'seed', 1, 0, 2 ** 31),
  };
  checkWorkers(o);
  return o;
}

export function checkWorkers(o: ScaleOptions): void {
  for (const [name, n] of [
    ['ingest', o.ingest],
    ['clustering', o.clustering],
  ] as const)
    if (n > o.partitions)
      throw new ArgsError(
        `--${name} ${n} is more workers than partitions (${o.partitions}): the extra ones would idle; raise --partitions`,
      );
  if (o.rate * o.seconds > 5_000_000)
    throw new ArgsError(
      `--rate × --seconds = ${fmt(o.rate * o.seconds)} spans; the load is generated up front, keep it at most 5,000,000`,
    );
}

// ---------------------------------------------------------------------------------------------
// Broker

/** Runs `fn` against KAFKA_BROKERS, or a dev broker started (and stopped) for it. */
export async function withBroker<T>(fn: (brokers: string) => Promise<T>): Promise<T> {
  const given = readProcessEnv().KAFKA_BROKERS;
  if (given) {
    say(`broker: ${given} (KAFKA_BROKERS)`);
    return fn(given);
  }
  say('broker: starting one with deploy/kafka/kafka.sh (temp state dir)…');
  const broker = startDevBroker();
  say(`broker: ${broker.brokers} (started in ${(broker.startedMs / 1000).toFixed(1)} s)`);
  const stop = () => {
    try {
      broker.stop();
    } catch (e) {
      process.stderr.write(`could not stop the broker: ${(e as Error).message}\n`);
    }
  };
  process.once('SIGINT', () => {
    stop();
    process.exit(130);
  });
  try {
    return await fn(broker.brokers);
  } finally {
    stop();
  }
}

// ---------------------------------------------------------------------------------------------
// Load

interface Load {
  messages: { value: Buffer; spans: number }[];
  spans: number;
  traceIds: Set<string>;
  spansPerMessage: number;
}

const SYSTEMS = EXAMPLE_SYSTEMS;

/**
 * Traces of every example system, each an equal share of the span rate, timed from now at that
 * rate (event time moves like wall time), packed like a Collector batch processor sends them.
 */
function buildLoad(o: ScaleOptions): Load {
  const startNs = BigInt(Date.now()) * 1_000_000n;
  const traces: GeneratedTrace[] = [];
  const perSystem = o.rate / SYSTEMS.length;
  SYSTEMS.forEach(([, system], k) => {
    const seed = o.seed * 101 + k;
    const sample = generateTraces(system, { seed: seed + 7919, traces: 40 });
    const avgSpans = sample.reduce((n, t) => n + t.spans.length, 0) / 40;
    // Requests per second (a request may add linked traces; the sample's average includes them).
    const requestsPerS = perSystem / avgSpans;
    const requests = Math.max(1, Math.round(requestsPerS * o.seconds));
    traces.push(
      ...generateTraces(system, { seed, traces: requests, startNs, ratePerSecond: requestsPerS }),
    );
  });
  // The Collector's batch processor: send_batch_size 8192, timeout 200 ms.
  const spansPerMessage =
    o.spansPerMessage ?? Math.min(8192, Math.max(100, Math.round(o.rate / 5)));
  const requests = toOtlpRequests(traces, { spansPerRequest: spansPerMessage, mixTraces: true });
  const traceIds = new Set<string>();
  let spans = 0;
  for (const t of traces)
    for (const s of t.spans) {
      traceIds.add(s.traceId.toLowerCase());
      spans++;
    }
  return {
    messages: requests.map((r) => ({
      value: Buffer.from(encodeTraceRequestProto(r)),
      spans: r.length,
    })),
    spans,
    traceIds,
    spansPerMessage,
  };
}

class LoadGenerator {
  producedSpans = 0;
  producedMessages = 0;
  startedAt = 0;
  finishedAt = 0;
  done = false;

  constructor(
    private readonly kafka: MessagingClient,
    private readonly topic: string,
    private readonly load: Load,
    private readonly rate: number,
  ) {}

  /** Sends each message when the span count before it is due at the rate; late ones go together. */
  async run(): Promise<void> {
    const producer = this.kafka.producer({ retry: { retries: 10, initialRetryTimeMs: 100 } });
    await producer.connect();
    try {
      this.startedAt = Date.now();
      let i = 0;
      let before = 0;
      const msgs = this.load.messages;
      while (i < msgs.length) {
        const dueAt = this.startedAt + (before / this.rate) * 1000;
        const wait = dueAt - Date.now();
        if (wait > 0) await sleep(wait);
        const batch: Buffer[] = [];
        let spans = 0;
        const now = Date.now();
        while (
          i < msgs.length &&
          this.startedAt + (before / this.rate) * 1000 <= now + 1 &&
          batch.length < 64
        ) {
          batch.push(msgs[i].value);
          spans += msgs[i].spans;
          before += msgs[i].spans;
          i++;
        }
        await producer.send({ topic: this.topic, messages: batch.map((value) => ({ value })) });
        this.producedSpans += spans;
        this.producedMessages += batch.length;
      }
      this.finishedAt = Date.now();
      this.done = true;
    } finally {
      await producer.disconnect();
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Workers

interface Worker {
  app: 'ingest' | 'clustering';
  index: number;
  proc: NodeProcess;
  port: number | undefined;
  dataDir: string;
  exited: boolean;
  metrics: string;
}

function spawnWorker(
  app: Worker['app'],
  index: number,
  env: Record<string, string>,
  scratch: string,
): Worker {
  const dataDir = join(scratch, `${app}-${index}`);
  const proc = spawnNode(['-r', '@swc-node/register', `apps/${app}/src/main.ts`], {
    ...env,
    HTTP_PORT: '0',
    HTTP_HOST: '127.0.0.1',
    CLICKHOUSE_DATA_PATH: dataDir,
    KAFKA_CLIENT_ID: `scale-${app}-${index}`,
  });
  const w: Worker = { app, index, proc, port: undefined, dataDir, exited: false, metrics: '' };
  void proc.exited.then(() => (w.exited = true));
  return w;
}

const name = (w: Worker) => `${w.app}#${w.index}`;

/** The partitions the worker owns according to its latest assignment log line. */
function assignment(w: Worker, topic: string): number[] | undefined {
  const out = w.proc.output();
  if (w.app === 'clustering') {
    const all = [...out.matchAll(/assigned partitions \[([\d, ]*)\] of (\S+)/g)].filter(
      (m) => m[2] === topic,
    );
    const last = all.at(-1);
    if (!last) return undefined;
    return last[1] ? last[1].split(',').map((s) => Number(s.trim())) : [];
  }
  const last = [...out.matchAll(/joined group \S+: assigned (\{.*\})/g)].at(-1);
  if (!last) return undefined;
  const parsed = JSON.parse(last[1]) as Record<string, number[]>;
  return parsed[topic] ?? [];
}

function assignmentCount(w: Worker): number {
  const re = w.app === 'clustering' ? /assigned partitions \[/g : /joined group \S+: assigned \{/g;
  return [...w.proc.output().matchAll(re)].length;
}

// ---------------------------------------------------------------------------------------------
// Metrics (Prometheus text)

/** Sum of a metric's samples whose labels include every `want` pair. */
export function metricSum(text: string, metric: string, want: Record<string, string> = {}): number {
  let sum = 0;
  for (const s of metricSamples(text, metric)) {
    if (Object.entries(want).every(([k, v]) => s.labels[k] === v)) sum += s.value;
  }
  return sum;
}

export function metricSamples(
  text: string,
  metric: string,
): { labels: Record<string, string>; value: number }[] {
  const out: { labels: Record<string, string>; value: number }[] = [];
  for (const line of text.split('\n')) {
    if (!line.startsWith(metric)) continue;
    const m = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})?\s+(\S+)/.exec(line);
    if (!m || m[1] !== metric) continue;
    const labels: Record<string, string> = {};
    for (const l of (m[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)) labels[l[1]] = l[2];
    out.push({ labels, value: Number(m[3]) });
  }
  return out;
}

/** Lag of a group from the broker: high watermark minus committed offset, summed over partitions. */
async function committedLag(admin: MessagingAdmin, group: string, topic: string): Promise<number> {
  const [committed, marks] = await Promise.all([
    admin.fetchOffsets(group, topic),
    admin.fetchTopicOffsets(topic),
  ]);
  const at = new Map(committed.map((c) => [c.partition, BigInt(c.offset)]));
  let lag = 0n;
  for (const m of marks) {
    const c = at.get(m.partition) ?? -1n;
    lag += BigInt(m.high) - (c < 0n ? BigInt(m.low) : c);
  }
  return Number(lag);
}

// ---------------------------------------------------------------------------------------------
// Exactly once

/** Reads the clustering events topic to its end and checks every produced trace closed once. */
async function checkExactlyOnce(
  kafka: MessagingClient,
  topic: string,
  produced: Set<string>,
): Promise<ExactlyOnce> {
  const admin = kafka.admin();
  await admin.connect();
  const marks = await admin.fetchTopicOffsets(topic);
  await admin.disconnect();
  const expected = marks.reduce((n, m) => n + Number(m.high) - Number(m.low), 0);
  const tally = new ClusterEventsTally();
  const { seen } = tally;
  if (expected > 0) {
    const consumer = kafka.consumer({
      groupId: uniqueTopic('scale-check'),
      sessionTimeoutMs: 30_000,
    });
    let resolveDone!: () => void;
    const done = new Promise<void>((r) => (resolveDone = r));
    await consumer.run({
      topic,
      fromBeginning: true,
      eachBatch: async (batch) => {
        for (const m of batch.messages) {
          tally.add(m.value);
          batch.resolveOffset(m.offset);
        }
        if (tally.read >= expected) resolveDone();
      },
    });
    await Promise.race([done, sleep(60_000)]);
    await consumer.disconnect();
  }
  let missing = 0;
  for (const id of produced) if (!seen.has(id)) missing++;
  let closedTwice = 0;
  let unknown = 0;
  for (const [id, n] of seen) {
    if (n > 1) closedTwice++;
    if (!produced.has(id)) unknown++;
  }
  const windowTotal = tally.windowTotal();
  return {
    produced: produced.size,
    closed: seen.size,
    missing,
    closedTwice,
    unknown,
    windowTotal,
    ok: missing === 0 && closedTwice === 0 && unknown === 0 && windowTotal === produced.size,
  };
}

// ---------------------------------------------------------------------------------------------
// The run

export async function runScale(o: ScaleOptions, brokers: string): Promise<ScaleResult> {
  const kafka = createKafkaClient({
    clientId: 'scale',
    brokers: brokers.split(','),
    logs: 'silent',
    retry: { retries: 10, initialRetryTimeMs: 100 },
  });
  const base = uniqueTopic('scale.otlp_spans');
  const t = {
    input: base,
    output: `${base}.by_trace`,
    dlq: `${base}.dlq`,
    events: `${base}.events`,
    ingestGroup: uniqueTopic('scale.ingest'),
    clusteringGroup: uniqueTopic('scale.clustering'),
  };
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics([
    { topic: t.input, partitions: o.partitions },
    { topic: t.output, partitions: o.partitions },
    { topic: t.dlq, partitions: 1 },
    { topic: t.events, partitions: 3 },
  ]);

  say(
    `scale: ${o.ingest} ingest + ${o.clustering} clustering workers, ${fmt(o.rate)} spans/s for ${o.seconds} s, ${o.partitions} partitions`,
  );
  say(`topics ${t.input} → ${t.output} → ${t.events}`);
  const g0 = Date.now();
  const load = buildLoad(o);
  say(
    `load: ${fmt(load.spans)} spans, ${fmt(load.traceIds.size)} traces of ${SYSTEMS.map(([n]) => n).join(', ')}, ` +
      `${fmt(load.messages.length)} messages of ≤ ${fmt(load.spansPerMessage)} spans (OTLP protobuf, ` +
      `avg ${fmt(load.messages.reduce((n, m) => n + m.value.length, 0) / load.messages.length)} B), generated in ${((Date.now() - g0) / 1000).toFixed(1)} s`,
  );

  const scratch = mkdtempSync(join(tmpdir(), 't2t-scale-'));
  const env = {
    KAFKA_BROKERS: brokers,
    LOG_LEVEL: 'log',
    INGEST_TOPIC: t.input,
    INGEST_OUTPUT_TOPIC: t.output,
    INGEST_DLQ_TOPIC: t.dlq,
    INGEST_GROUP_ID: t.ingestGroup,
    INGEST_TOPIC_PARTITIONS: String(o.partitions),
    CLUSTERING_ROLE: 'worker',
    CLUSTERING_INPUT_TOPIC: t.output,
    CLUSTERING_EVENTS_TOPIC: t.events,
    CLUSTERING_GROUP_ID: t.clusteringGroup,
    CLUSTERING_UPSTREAM_GROUP: t.ingestGroup,
    CLUSTERING_SINK_GROUP_ID: uniqueTopic('scale.sink'),
    CLUSTERING_SINK_DLQ_TOPIC: `${t.events}.dlq`,
    CLUSTERING_TOPIC_PARTITIONS: String(o.partitions),
  };
  const workers: Worker[] = [];
  for (let i = 1; i <= o.ingest; i++) workers.push(spawnWorker('ingest', i, env, scratch));
  for (let i = 1; i <= o.clustering; i++) workers.push(spawnWorker('clustering', i, env, scratch));
  const topicOf = (w: Worker) => (w.app === 'ingest' ? t.input : t.output);

  try {
    await waitForWorkers(workers, topicOf, o.partitions);
    const rebalancesBefore = workers.reduce((n, w) => n + assignmentCount(w), 0);
    say(`workers ready: ${workers.map((w) => `${name(w)} :${w.port}`).join(', ')}`);
    say(
      'per second: spans produced, stored (Σ t2t_ingest_spans_total{outcome="stored"}), clustered (Σ t2t_clustering_spans_total) ' +
        "and traces closed (Σ t2t_clustering_traces_closed_total); lag = the workers' consumer_lag gauges of the partitions they own " +
        '(committed: high watermark − committed offset from the broker; clustering commits only past closed windows, so it trails by design); ' +
        '[partitions] each worker owns (its latest assignment log line)',
    );
    say('');

    const gen = new LoadGenerator(kafka, t.input, load, o.rate);
    const totals = () => {
      const sum = (app: Worker['app'], metric: string, want?: Record<string, string>) =>
        workers
          .filter((w) => w.app === app)
          .reduce((n, w) => n + metricSum(w.metrics, metric, want), 0);
      return {
        produced: gen.producedSpans,
        stored: sum('ingest', 't2t_ingest_spans_total', { outcome: 'stored' }),
        clustered: sum('clustering', 't2t_clustering_spans_total'),
        closed: sum('clustering', 't2t_clustering_traces_closed_total'),
        ingestCpu: sum('ingest', 'process_cpu_seconds_total'),
        clusteringCpu: sum('clustering', 'process_cpu_seconds_total'),
      };
    };
    // CPU from here on: start-up (compiling the TypeScript, connecting, migrations) is not load.
    await Promise.all(workers.map(scrape));
    const cpuAtStart = totals();
    const sending = gen.run();
    let sendError: Error | undefined;
    sending.catch((e: unknown) => {
      sendError = e instanceof Error ? e : new Error(String(e));
    });

    let storedAt: number | undefined;
    let clusteredAt: number | undefined;
    let last = { produced: 0, stored: 0, clustered: 0, closed: 0 };
    let tick = 0;
    let drainDeadline = Infinity;
    for (;;) {
      await sleep(250);
      if (sendError) throw sendError;
      await Promise.all(workers.map(scrape));
      const now = Date.now();
      const c = totals();
      if (gen.done && storedAt === undefined && c.stored >= load.spans) storedAt = now;
      if (gen.done && clusteredAt === undefined && c.clustered >= load.spans) clusteredAt = now;
      if (gen.done && drainDeadline === Infinity) drainDeadline = now + o.drainTimeoutS * 1000;
      const settled = clusteredAt !== undefined && c.closed >= load.traceIds.size;
      const second = Math.floor((now - gen.startedAt) / 1000);
      if (second > tick || settled || now > drainDeadline) {
        tick = Math.max(second, tick + 1);
        const [ingestLag, clusteringLag] = await Promise.all([
          committedLag(admin, t.ingestGroup, t.input),
          committedLag(admin, t.clusteringGroup, t.output),
        ]);
        const fetchLag = (app: Worker['app']) =>
          workers
            .filter((w) => w.app === app)
            .reduce((n, w) => {
              const owned = new Set((assignment(w, topicOf(w)) ?? []).map(String));
              return (
                n +
                metricSamples(w.metrics, `t2t_${app}_consumer_lag`)
                  .filter((s) => owned.has(s.labels.partition))
                  .reduce((m, s) => m + s.value, 0)
              );
            }, 0);
        const owned = workers
          .map((w) => {
            const a = assignment(w, topicOf(w));
            return `${name(w)}${w.exited ? '(exited)' : ''} [${a?.join(',') ?? '?'}]`;
          })
          .join(' ');
        say(
          `${String(tick).padStart(3)}s produced ${fmt(c.produced)} (+${fmt(c.produced - last.produced)}) ` +
            `stored ${fmt(c.stored)} (+${fmt(c.stored - last.stored)}) ` +
            `clustered ${fmt(c.clustered)} (+${fmt(c.clustered - last.clustered)}) spans, ${fmt(c.closed)} traces | ` +
            `lag ingest ${fmt(fetchLag('ingest'))} msgs (committed ${fmt(ingestLag)}), ` +
            `clustering ${fmt(fetchLag('clustering'))} recs (committed ${fmt(clusteringLag)}) | ${owned}`,
        );
        last = c;
      }
      if (settled || now > drainDeadline) break;
      const dead = workers.filter((w) => w.exited);
      if (dead.length > 0)
        throw new Error(
          `${dead.map(name).join(', ')} exited:\n${dead.map((w) => w.proc.output().slice(-3000)).join('\n')}`,
        );
    }
    await sending;
    // Windows of quiet partitions are published CLUSTERING_IDLE_ADVANCE_AFTER (5 s) after their
    // last record; let them land before reading the events topic.
    await sleep(7000);
    await Promise.all(workers.map(scrape));
    const c = totals();
    const rebalances = workers.reduce((n, w) => n + assignmentCount(w), 0) - rebalancesBefore;
    const exactlyOnce = await checkExactlyOnce(kafka, t.events, load.traceIds);
    const after = (at: number | undefined) =>
      at === undefined ? undefined : (at - gen.startedAt) / 1000;
    const storedAfterS = after(storedAt);
    const clusteredAfterS = after(clusteredAt);
    return {
      options: o,
      producedSpans: gen.producedSpans,
      producedTraces: load.traceIds.size,
      producedMessages: gen.producedMessages,
      produceSeconds: (gen.finishedAt - gen.startedAt) / 1000,
      storedSpans: c.stored,
      clusteredSpans: c.clustered,
      tracesClosed: c.closed,
      storedAfterS,
      clusteredAfterS,
      ingestSpansPerS: storedAfterS && load.spans / storedAfterS,
      clusteringSpansPerS: clusteredAfterS && load.spans / clusteredAfterS,
      clusteringCpuS: c.clusteringCpu - cpuAtStart.clusteringCpu,
      ingestCpuS: c.ingestCpu - cpuAtStart.ingestCpu,
      rebalances,
      exactlyOnce,
    };
  } finally {
    await stopWorkers(workers);
    await admin.deleteTopics([t.input, t.output, t.dlq, t.events]).catch(() => undefined);
    await admin.disconnect();
    rmSync(scratch, { recursive: true, force: true });
  }
}

/** Until every worker serves HTTP and the groups' assignments cover every partition once. */
async function waitForWorkers(
  workers: Worker[],
  topicOf: (w: Worker) => string,
  partitions: number,
): Promise<void> {
  const deadline = Date.now() + 120_000;
  for (;;) {
    for (const w of workers) {
      if (w.port !== undefined) continue;
      const m = /listening on http:\/\/127\.0\.0\.1:(\d+)/.exec(w.proc.output());
      if (m) w.port = Number(m[1]);
    }
    const ready = (['ingest', 'clustering'] as const).every((app) => {
      const mine = workers.filter((w) => w.app === app);
      const owned = mine.map((w) => assignment(w, topicOf(w)));
      if (mine.some((w) => w.port === undefined) || owned.some((a) => a === undefined))
        return false;
      const all = owned.flatMap((a) => a ?? []);
      return all.length === partitions && new Set(all).size === partitions;
    });
    if (ready) return;
    const dead = workers.find((w) => w.exited);
    if (dead) throw new Error(`${name(dead)} exited during start-up:\n${dead.proc.output()}`);
    if (Date.now() > deadline)
      throw new Error(
        `workers not ready within 120 s:\n${workers.map((w) => `--- ${name(w)}\n${w.proc.output().slice(-2000)}`).join('\n')}`,
      );
    await sleep(200);
  }
}

async function stopWorkers(workers: Worker[]): Promise<void> {
  for (const w of workers) if (!w.exited) w.proc.child.kill('SIGTERM');
  await Promise.race([Promise.all(workers.map((w) => w.proc.exited)), sleep(20_000)]);
  for (const w of workers) if (!w.exited) w.proc.child.kill('SIGKILL');
}

export function printSummary(r: ScaleResult): void {
  const s = (v: number | undefined) => (v === undefined ? 'never' : `${v.toFixed(1)} s`);
  const rate = (v: number | undefined) => (v === undefined ? 'n/a' : `${fmt(v)} spans/s`);
  const e = r.exactlyOnce;
  say('');
  say('totals');
  say(
    `  produced  ${fmt(r.producedSpans)} spans, ${fmt(r.producedTraces)} traces, ${fmt(r.producedMessages)} messages in ${r.produceSeconds.toFixed(1)} s (${fmt(r.producedSpans / r.produceSeconds)} spans/s)`,
  );
  say(
    `  stored    ${fmt(r.storedSpans)} spans (all ${r.options.ingest} ingest workers), all stored after ${s(r.storedAfterS)}: ${rate(r.ingestSpansPerS)}; ingest CPU ${r.ingestCpuS.toFixed(1)} s`,
  );
  say(
    `  clustered ${fmt(r.clusteredSpans)} spans, ${fmt(r.tracesClosed)} traces closed (sum of workers' counters), all clustered after ${s(r.clusteredAfterS)}: ${rate(r.clusteringSpansPerS)}; clustering CPU ${r.clusteringCpuS.toFixed(1)} s`,
  );
  say(`  rebalances after start: ${r.rebalances}`);
  say(
    `exactly once (events topic): ${fmt(e.closed)} of ${fmt(e.produced)} produced traces closed, ${e.missing} missing, ` +
      `${e.closedTwice} closed twice, ${e.unknown} unknown; window counts + late corrections = ${fmt(e.windowTotal)} → ${e.ok ? 'OK' : 'FAILED'}`,
  );
}

async function main(): Promise<void> {
  let o: ScaleOptions;
  try {
    o = parseScaleArgs(process.argv.slice(2));
  } catch (e) {
    if (!(e instanceof ArgsError)) throw e;
    process.stderr.write(
      `scale: ${e.message}\nusage: npm run scale -- --ingest N --clustering N --rate SPANS_PER_S --seconds S [--partitions P] [--spans-per-message M] [--drain-timeout S] [--seed K]\n`,
    );
    process.exit(2);
  }
  const r = await withBroker((brokers) => runScale(o, brokers));
  printSummary(r);
  say(
    JSON.stringify({
      ingest_workers: o.ingest,
      clustering_workers: o.clustering,
      rate: o.rate,
      seconds: o.seconds,
      produced_spans: r.producedSpans,
      produced_traces: r.producedTraces,
      stored_spans: r.storedSpans,
      clustered_spans: r.clusteredSpans,
      traces_closed: r.tracesClosed,
      ingest_spans_per_s: r.ingestSpansPerS && Math.round(r.ingestSpansPerS),
      clustering_spans_per_s: r.clusteringSpansPerS && Math.round(r.clusteringSpansPerS),
      exactly_once: r.exactlyOnce.ok,
    }),
  );
  process.exit(r.exactlyOnce.ok ? 0 : 1);
}

if (require.main === module) {
  main().catch((e) => {
    process.stderr.write(`scale: ${(e as Error).stack ?? String(e)}\n`);
    process.exit(1);
  });
}
