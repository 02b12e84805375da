/**
 * npm run faults [-- --only <row>[,<row>…]] [--seconds F] [--rate R] [--big-trace N]
 *
 * The fault suite (issue 15): each row runs the pipeline as separate processes against the real
 * broker (ingest → spans_by_trace → clustering workers → events topic, on fresh topics and groups,
 * one ingest worker with its own embedded ClickHouse directory), puts Collector-format load through
 * it (scripts/scale.ts's kind: OTLP protobuf requests of the libs/examples systems, many traces per
 * message), injects one fault and measures:
 *   - spans produced; stored = distinct (trace id, span id) in the ingest worker's spans table after
 *     the row; duplicated = rows − distinct (scripts/faults-count.ts reads the directory);
 *   - traces counted once / twice / never, from the events topic as scripts/scale.ts checks it
 *     (`members` events name each closed trace; window counts must add up to the traces);
 *   - time to recover: from the end of the fault (worker restarted, broker back, ClickHouse back,
 *     rebalance done, poison/burst/big trace sent) until every trace produced was closed on the
 *     events topic;
 *   - restarts: "orchestrator" = the restart that is part of the fault (a SIGKILLed worker is
 *     started again, as Kubernetes would); "by hand" = anything else the suite had to do to get
 *     the pipeline going again: always 0, nothing in this script restarts a stuck worker.
 * A row passes with 0 spans lost, 0 stored twice, every trace counted exactly once, window counts
 * adding up, no worker exiting by itself, and its own check (poison: one dead letter, the rest
 * stored). Prints the table, then one JSON line; exits 1 when a row fails, 2 on bad arguments.
 *
 * Rows: kill (a clustering worker), kill-ingest, kill-both (ingest and a clustering worker at
 * once), broker, clickhouse, rebalance, poison-proto, poison-json, poison-compressed, big-trace,
 * burst. --seconds scales the fault durations (1 = the named sizes: ClickHouse away
 * 30 s, a 30 s burst; default 0.3); --rate is the steady rate (spans/s, default 400; the burst is
 * 10×); --big-trace the spans of the one big trace (default 100,000).
 *
 * ClickHouse unavailable: the embedded engine lives inside the ingest process and cannot be
 * stopped apart from it, so that row runs ingest through scripts/faults-ingest-host.ts (the same
 * module with the tests' FlakySpanRepository, whose inserts fail as "connection refused" while
 * down, toggled by signals). The broker row needs a broker it may stop: it always starts one of its
 * own with deploy/kafka/kafka.sh (`stop`, then `start --keep`), even when KAFKA_BROKERS is set.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type GeneratedTrace, generateTraces, toOtlpRequests } from '@t2t/examples';
import { type Attributes, type Span, SpanKind, StatusCode } from '@t2t/domain';
import {
  type Compression,
  CONTENT_TYPES,
  createKafkaClient,
  type GroupConsumer,
  HEADERS,
  type MessagingAdmin,
  type MessagingClient,
} from '@t2t/messaging';
import { encodeTraceRequestProto } from '@t2t/otlp';
import { ClusterEventsTally, EXAMPLE_SYSTEMS, fmt, scrape, sleep } from './pipeline-processes';
import { startDevBroker, type DevBroker } from '../test/support/broker';
import { consumeUntil, retryBroker, uniqueTopic } from '../test/support/kafka';
import { type NodeProcess, repoRoot, spawnNode } from '../test/support/process';
import { makeResource, makeScope } from '../test/support/spans';
import { ArgsError, intFlag, readFlags, say, withBroker } from './scale';

// ---------------------------------------------------------------------------------------------
// Options

const ROWS = [
  'kill',
  'kill-ingest',
  'kill-both',
  'broker',
  'clickhouse',
  'rebalance',
  'poison-proto',
  'poison-json',
  'poison-compressed',
  'big-trace',
  'burst',
] as const;
type RowName = (typeof ROWS)[number];

interface FaultOptions {
  only: RowName[];
  factor: number;
  rate: number;
  bigTrace: number;
}

function parseArgs(argv: string[]): FaultOptions {
  const flags = readFlags(argv, ['only', 'seconds', 'rate', 'big-trace']);
  const only = (flags.get('only')?.split(',') ?? [...ROWS]).map((r) => r.trim());
  for (const r of only)
    if (!(ROWS as readonly string[]).includes(r))
      throw new ArgsError(`unknown row "${r}" (rows: ${ROWS.join(', ')})`);
  const factor = Number(flags.get('seconds') ?? '0.3');
  if (!Number.isFinite(factor) || factor < 0.05 || factor > 10)
    throw new ArgsError(
      `--seconds must be a factor from 0.05 to 10, got "${flags.get('seconds')}"`,
    );
  return {
    only: only as RowName[],
    factor,
    rate: intFlag(flags, 'rate', 400, 10, 20_000),
    bigTrace: intFlag(flags, 'big-trace', 100_000, 2, 1_000_000),
  };
}

// ---------------------------------------------------------------------------------------------
// Load: Collector-format messages (as scripts/scale.ts builds them)

interface Message {
  value: Buffer;
  spans: number;
  headers?: Record<string, string>;
  compression?: Compression;
}

const SYSTEMS = EXAMPLE_SYSTEMS.map(([, system]) => system);

/** `seconds` of traffic at `rate` spans/s whose event time starts at `startMs`. */
function steadyLoad(
  rate: number,
  seconds: number,
  seed: number,
  startMs: number,
): { messages: Message[]; traceIds: string[] } {
  const startNs = BigInt(Math.round(startMs)) * 1_000_000n;
  const traces: GeneratedTrace[] = [];
  SYSTEMS.forEach((system, k) => {
    const sample = generateTraces(system, { seed: seed * 101 + k + 7919, traces: 40 });
    const avgSpans = sample.reduce((n, t) => n + t.spans.length, 0) / 40;
    const requestsPerS = rate / SYSTEMS.length / avgSpans;
    traces.push(
      ...generateTraces(system, {
        seed: seed * 101 + k,
        traces: Math.max(1, Math.round(requestsPerS * seconds)),
        startNs,
        ratePerSecond: requestsPerS,
      }),
    );
  });
  const spansPerRequest = Math.min(2000, Math.max(50, Math.round(rate / 5)));
  const requests = toOtlpRequests(traces, { spansPerRequest, mixTraces: true });
  const ids = new Set<string>();
  for (const t of traces) for (const s of t.spans) ids.add(s.traceId.toLowerCase());
  return {
    messages: requests.map((r) => ({
      value: Buffer.from(encodeTraceRequestProto(r)),
      spans: r.length,
    })),
    traceIds: [...ids],
  };
}

/** One trace of `n` spans: a root server span and n − 1 database calls under it. */
function bigTrace(n: number, startMs: number): { messages: Message[]; traceId: string } {
  const hex = (bytes: number) =>
    Array.from({ length: bytes }, () =>
      Math.floor(Math.random() * 256)
        .toString(16)
        .padStart(2, '0'),
    ).join('');
  const traceId = hex(16);
  const resource = makeResource('bulk-import');
  const scope = makeScope();
  const t0 = BigInt(Math.round(startMs)) * 1_000_000n;
  const a = (v: Record<string, Attributes[string]>) =>
    Object.assign(Object.create(null) as Attributes, v);
  const base = {
    traceId,
    traceState: '',
    flags: 1,
    droppedAttributesCount: 0,
    events: [],
    droppedEventsCount: 0,
    links: [],
    droppedLinksCount: 0,
    status: { code: StatusCode.Unset, message: '' },
    resource,
    scope,
  };
  const rootId = hex(8);
  const spans: Span[] = [
    {
      ...base,
      spanId: rootId,
      parentSpanId: '',
      name: 'POST /imports',
      kind: SpanKind.Server,
      startTimeUnixNano: t0,
      endTimeUnixNano: t0 + BigInt(n) * 10_000n + 1_000_000n,
      attributes: a({
        'http.request.method': 'POST',
        'http.route': '/imports',
        'http.response.status_code': 200n,
      }),
    },
  ];
  for (let i = 1; i < n; i++)
    spans.push({
      ...base,
      spanId: hex(8),
      parentSpanId: rootId,
      name: 'INSERT rows',
      kind: SpanKind.Client,
      startTimeUnixNano: t0 + BigInt(i) * 10_000n,
      endTimeUnixNano: t0 + BigInt(i) * 10_000n + 8_000n,
      attributes: a({ 'db.system': 'postgresql', 'db.operation.name': 'INSERT' }),
    });
  // Children end first, the root last: the order a batch processor sends them in.
  const ordered = [...spans.slice(1), spans[0]];
  const messages: Message[] = [];
  // ~120 B per span: 4,000 spans stay under the broker's 1 MiB record batch limit.
  for (let i = 0; i < ordered.length; i += 4000) {
    const part = ordered.slice(i, i + 4000);
    messages.push({ value: Buffer.from(encodeTraceRequestProto(part)), spans: part.length });
  }
  return { messages, traceId };
}

// ---------------------------------------------------------------------------------------------
// Workers

interface Worker {
  name: string;
  proc: NodeProcess;
  port: number | undefined;
  exited: boolean;
  /** Stopped or killed by the suite (not an exit of its own). */
  stoppedBySuite: boolean;
  metrics: string;
}

// ---------------------------------------------------------------------------------------------
// A pipeline: topics, one ingest worker, clustering workers, an events tally

interface PipelineOptions {
  partitions?: number;
  clustering?: number;
  /** Run ingest through scripts/faults-ingest-host.ts (ClickHouse fault hook). */
  ingestHost?: boolean;
}

class Pipeline {
  readonly kafka: MessagingClient;
  readonly admin: MessagingAdmin;
  readonly t: Record<
    'input' | 'output' | 'dlq' | 'events' | 'ingestGroup' | 'clusterGroup',
    string
  >;
  readonly partitions: number;
  readonly scratch = mkdtempSync(join(tmpdir(), 't2t-faults-'));
  readonly workers: Worker[] = [];
  ingest!: Worker;
  orchestratorRestarts = 0;
  readonly produced = new Set<string>();
  producedSpans = 0;
  paused = false;
  // Events tally
  private consumer: GroupConsumer | undefined;
  readonly tally = new ClusterEventsTally();
  private clusteringIndex = 0;

  constructor(
    readonly brokers: string,
    readonly o: PipelineOptions = {},
  ) {
    this.kafka = createKafkaClient({
      clientId: 'faults',
      brokers: brokers.split(','),
      logs: 'silent',
      retry: { retries: 10, initialRetryTimeMs: 100 },
    });
    this.admin = this.kafka.admin();
    this.partitions = o.partitions ?? 4;
    const base = uniqueTopic('faults.otlp_spans');
    this.t = {
      input: base,
      output: `${base}.by_trace`,
      dlq: `${base}.dlq`,
      events: `${base}.events`,
      ingestGroup: uniqueTopic('faults.ingest'),
      clusterGroup: uniqueTopic('faults.clustering'),
    };
  }

  private env(): Record<string, string> {
    return {
      KAFKA_BROKERS: this.brokers,
      LOG_LEVEL: 'log',
      HTTP_PORT: '0',
      HTTP_HOST: '127.0.0.1',
      INGEST_TOPIC: this.t.input,
      INGEST_OUTPUT_TOPIC: this.t.output,
      INGEST_DLQ_TOPIC: this.t.dlq,
      INGEST_GROUP_ID: this.t.ingestGroup,
      INGEST_TOPIC_PARTITIONS: String(this.partitions),
      INGEST_SESSION_TIMEOUT: '6s',
      INGEST_BATCH_MAX_WAIT: '200ms',
      INGEST_FETCH_MIN_BYTES: '1',
      INGEST_RETRY_MAX: '2s',
      CLUSTERING_ROLE: 'worker',
      CLUSTERING_INPUT_TOPIC: this.t.output,
      CLUSTERING_EVENTS_TOPIC: this.t.events,
      CLUSTERING_GROUP_ID: this.t.clusterGroup,
      CLUSTERING_UPSTREAM_GROUP: this.t.ingestGroup,
      CLUSTERING_SINK_GROUP_ID: `${this.t.clusterGroup}.sink`,
      CLUSTERING_SINK_DLQ_TOPIC: `${this.t.events}.dlq`,
      CLUSTERING_TOPIC_PARTITIONS: String(this.partitions),
      CLUSTERING_SESSION_TIMEOUT: '6s',
    };
  }

  private spawn(name: string, script: string, dataDir: string): Worker {
    const proc = spawnNode(['-r', '@swc-node/register', script], {
      ...this.env(),
      CLICKHOUSE_DATA_PATH: dataDir,
      KAFKA_CLIENT_ID: `faults-${name}`,
    });
    const w: Worker = {
      name,
      proc,
      port: undefined,
      exited: false,
      stoppedBySuite: false,
      metrics: '',
    };
    void proc.exited.then(() => (w.exited = true));
    this.workers.push(w);
    return w;
  }

  /** The ingest worker (again: the same data directory, as a restarted pod keeps its volume). */
  spawnIngest(): Worker {
    this.ingest = this.spawn(
      `ingest${this.workers.some((w) => w.name.startsWith('ingest')) ? "'" : ''}`,
      this.o.ingestHost ? 'scripts/faults-ingest-host.ts' : 'apps/ingest/src/main.ts',
      join(this.scratch, 'ingest'),
    );
    return this.ingest;
  }

  spawnClustering(): Worker {
    const i = ++this.clusteringIndex;
    return this.spawn(
      `clustering#${i}`,
      'apps/clustering/src/main.ts',
      join(this.scratch, `clustering-${i}`),
    );
  }

  clustering(): Worker[] {
    return this.workers.filter((w) => w.name.startsWith('clustering') && !w.exited);
  }

  async start(): Promise<void> {
    await retryBroker('connecting', () => this.admin.connect());
    await retryBroker('creating topics', () =>
      this.admin.createTopics([
        { topic: this.t.input, partitions: this.partitions },
        { topic: this.t.output, partitions: this.partitions },
        { topic: this.t.dlq, partitions: 1 },
        { topic: this.t.events, partitions: 3 },
      ]),
    );
    this.spawnIngest();
    for (let i = 0; i < (this.o.clustering ?? 1); i++) this.spawnClustering();
    await this.startTally();
    await this.waitReady();
  }

  /** Until every live worker serves HTTP and each group's assignments cover every partition once. */
  async waitReady(timeoutMs = 120_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const live = this.workers.filter((w) => !w.exited);
      for (const w of live) {
        if (w.port !== undefined) continue;
        const m = /listening on http:\/\/127\.0\.0\.1:(\d+)/.exec(w.proc.output());
        if (m) w.port = Number(m[1]);
      }
      const covered = (ws: Worker[], topic: string) => {
        const all = ws.flatMap((w) => this.assignment(w, topic) ?? []);
        return all.length === this.partitions && new Set(all).size === this.partitions;
      };
      if (
        live.every((w) => w.port !== undefined) &&
        covered([this.ingest], this.t.input) &&
        covered(this.clustering(), this.t.output)
      )
        return;
      this.checkAlive();
      if (Date.now() > deadline)
        throw new Error(
          `workers not ready within ${timeoutMs / 1000} s:\n${live.map((w) => `--- ${w.name}\n${w.proc.output().slice(-1500)}`).join('\n')}`,
        );
      await sleep(200);
    }
  }

  assignment(w: Worker, topic: string): number[] | undefined {
    const out = w.proc.output();
    if (w.name.startsWith('clustering')) {
      const last = [...out.matchAll(/assigned partitions \[([\d, ]*)\] of (\S+)/g)]
        .filter((m) => m[2] === topic)
        .at(-1);
      if (!last) return undefined;
      return last[1] ? last[1].split(',').map((s) => Number(s.trim())) : [];
    }
    const last = [...out.matchAll(/joined group \S+: assigned (\{.*\})/g)].at(-1);
    if (!last) return undefined;
    return (JSON.parse(last[1]) as Record<string, number[]>)[topic] ?? [];
  }

  /** A worker that exited without the suite stopping it fails the row. */
  checkAlive(): void {
    const dead = this.workers.find((w) => w.exited && !w.stoppedBySuite);
    if (dead)
      throw new Error(
        `${dead.name} exited by itself:\n${dead.proc.output().split('\n').slice(-8).join('\n')}`,
      );
  }

  async kill(w: Worker, signal: NodeJS.Signals): Promise<void> {
    w.stoppedBySuite = true;
    w.proc.child.kill(signal);
    await Promise.race([w.proc.exited, sleep(30_000)]);
    if (!w.exited) w.proc.child.kill('SIGKILL');
    await w.proc.exited;
  }

  private async startTally(): Promise<void> {
    this.consumer = this.kafka.consumer({
      groupId: uniqueTopic('faults.tally'),
      sessionTimeoutMs: 30_000,
      maxWaitMs: 200,
    });
    await this.consumer.run({
      topic: this.t.events,
      fromBeginning: true,
      eachBatch: async (batch) => {
        for (const m of batch.messages) {
          this.tally.add(m.value);
          batch.resolveOffset(m.offset);
        }
      },
    });
  }

  allClosed(): boolean {
    if (this.produced.size === 0) return false;
    for (const id of this.produced) if (!this.tally.seen.has(id)) return false;
    return true;
  }

  /** Sends the messages at `rate` spans/s (as fast as possible without), waiting while paused. */
  async send(messages: Message[], rate?: number): Promise<void> {
    const producer = this.kafka.producer({ retry: { retries: 10, initialRetryTimeMs: 100 } });
    await retryBroker('connecting the producer', () => producer.connect());
    try {
      const t0 = Date.now();
      let before = 0;
      for (const m of messages) {
        if (rate !== undefined) {
          const wait = t0 + (before / rate) * 1000 - Date.now();
          if (wait > 0) await sleep(wait);
        }
        while (this.paused) await sleep(50);
        // A send the broker refuses for a while (restarting) is sent again: the Collector's
        // sending queue does the same.
        await retryBroker(
          'producing',
          () =>
            producer.send({
              topic: this.t.input,
              messages: [{ value: m.value, headers: m.headers }],
              compression: m.compression,
              acks: -1,
            }),
          120_000,
        );
        before += m.spans;
        this.producedSpans += m.spans;
      }
    } finally {
      await producer.disconnect().catch(() => undefined);
    }
  }

  expect(traceIds: Iterable<string>): void {
    for (const id of traceIds) this.produced.add(id.toLowerCase());
  }

  /** Until every produced trace is closed on the events topic; the time that happened (or undefined). */
  async waitClosed(timeoutMs: number): Promise<number | undefined> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (this.allClosed()) return Date.now();
      this.checkAlive();
      await sleep(250);
    }
    return undefined;
  }

  /**
   * Dead letters the ingest workers wrote (their `t2t_ingest_dead_letters_total`, summed). The DLQ
   * topic's offsets cannot tell: ingest writes dead letters in Kafka transactions, and each one's
   * commit marker takes an offset of its own.
   */
  async deadLettersWritten(): Promise<number> {
    const ingest = this.workers.filter((w) => w.name.startsWith('ingest'));
    await Promise.all(ingest.map(scrape));
    let n = 0;
    for (const w of ingest) {
      for (const m of w.metrics.matchAll(/^t2t_ingest_dead_letters_total(?:\{[^}]*\})? (\d+)$/gm))
        n += Number(m[1]);
    }
    return n;
  }

  /** Lets late events land, reads the events topic to its end, stops everything and counts. */
  async finish(): Promise<{
    stored: number;
    rows: number;
    once: number;
    twice: number;
    never: number;
    unknown: number;
    windowTotal: number;
    republished: number;
    late: number;
  }> {
    // Windows of quiet partitions are published CLUSTERING_IDLE_ADVANCE_AFTER (5 s) after their
    // last record; a trace counted twice would show up by then too.
    await sleep(7000);
    this.checkAlive();
    const marks = await retryBroker('reading event offsets', () =>
      this.admin.fetchTopicOffsets(this.t.events),
    );
    const expected = marks.reduce((n, m) => n + Number(m.high) - Number(m.low), 0);
    const deadline = Date.now() + 30_000;
    while (this.tally.read < expected && Date.now() < deadline) await sleep(200);
    await Promise.all(this.workers.map(scrape));
    for (const w of this.workers) if (!w.exited) await this.kill(w, 'SIGTERM');
    await this.consumer?.disconnect().catch(() => undefined);
    const out = execFileSync(
      process.execPath,
      ['-r', '@swc-node/register', 'scripts/faults-count.ts', join(this.scratch, 'ingest')],
      { cwd: repoRoot, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] },
    );
    const counts = JSON.parse(out.trim().split('\n').at(-1) ?? '{}') as {
      rows: number;
      spans: number;
    };
    let once = 0;
    let twice = 0;
    let never = 0;
    let unknown = 0;
    let republished = 0;
    let lateAndCounted = 0;
    for (const id of this.produced) {
      const n = this.tally.behaviours.get(id)?.size ?? 0;
      if (n === 0) never++;
      else if (n === 1) once++;
      else twice++;
      if ((this.tally.seen.get(id) ?? 0) > 1) republished++;
      if (this.tally.late.has(id)) lateAndCounted++;
    }
    for (const id of this.tally.seen.keys()) if (!this.produced.has(id)) unknown++;
    return {
      stored: counts.spans,
      rows: counts.rows,
      once,
      twice,
      never,
      unknown,
      republished,
      late: lateAndCounted,
      windowTotal: this.tally.windowTotal(),
    };
  }

  async close(): Promise<void> {
    for (const w of this.workers) if (!w.exited) w.proc.child.kill('SIGKILL');
    await this.consumer?.disconnect().catch(() => undefined);
    await this.admin
      .deleteTopics([this.t.input, this.t.output, this.t.dlq, this.t.events])
      .catch(() => undefined);
    await this.admin.disconnect().catch(() => undefined);
    rmSync(this.scratch, { recursive: true, force: true });
  }
}

// ---------------------------------------------------------------------------------------------
// Rows

interface RowResult {
  row: string;
  fault: string;
  producedSpans: number;
  storedSpans: number;
  duplicatedSpans: number;
  tracesProduced: number;
  once: number;
  twice: number;
  never: number;
  recoverS: number | undefined;
  orchestratorRestarts: number;
  restartsByHand: number;
  ok: boolean;
  notes: string[];
}

interface Scenario {
  fault: string;
  pipeline: PipelineOptions;
  /** Drives load and the fault; returns when the fault ended (ms) and checks of its own. */
  run(p: Pipeline): Promise<{ faultEndedAt: number; checks?: [string, boolean][] }>;
}

function scenarios(o: FaultOptions): Record<RowName, Scenario> {
  const f = o.factor;
  const now = () => Date.now();
  const steady = (p: Pipeline, seconds: number, seed: number) => {
    const load = steadyLoad(o.rate, seconds, seed, now());
    p.expect(load.traceIds);
    return p.send(load.messages, o.rate);
  };
  const poison = (
    kind: string,
    message: Message,
    reason: RegExp,
    seed: number,
  ): Scenario['run'] => {
    return async (p) => {
      const first = steadyLoad(o.rate, 3, seed, now());
      p.expect(first.traceIds);
      await p.send(first.messages, o.rate);
      await p.send([message]);
      const at = now();
      const rest = steadyLoad(o.rate, 3, seed + 1, now());
      p.expect(rest.traceIds);
      await p.send(rest.messages, o.rate);
      const dead = await consumeUntil(p.kafka, p.t.dlq, (rs) => rs.length >= 1, 30_000);
      const count = await p.deadLettersWritten();
      // Every dead letter written is on the topic, with its reason.
      const all =
        count > dead.length
          ? await consumeUntil(p.kafka, p.t.dlq, (rs) => rs.length >= count, 30_000)
          : dead;
      const reasons = all.map((r) => r.headers[HEADERS.dlqReason]).join(', ');
      return {
        faultEndedAt: at,
        checks: [
          [
            `${kind} poison dead-lettered once (${count} dead letter(s), reason ${reasons || 'none'})`,
            count === 1 && reason.test(reasons),
          ],
        ],
      };
    };
  };
  const garbage = Buffer.from([0x0a, 0xff, 0xff, 0xff, 0x0f, 0x12, 0x34]);
  return {
    kill: {
      fault: 'clustering worker SIGKILLed mid-window, started again',
      pipeline: { clustering: 2 },
      run: async (p) => {
        // Traces close 10 s (event time) after their last span: from ~12 s on, members and windows
        // have been published, and the window (60 s) is still open.
        const load = steady(p, Math.max(20, 30 * f), 11);
        await sleep(12_000);
        await p.kill(p.clustering()[0], 'SIGKILL');
        await sleep(1000);
        p.spawnClustering();
        p.orchestratorRestarts++;
        await p.waitReady();
        const at = now();
        await load;
        return { faultEndedAt: at };
      },
    },
    'kill-ingest': {
      fault: 'ingest worker SIGKILLed mid-stream, started again on its data',
      pipeline: { clustering: 2 },
      run: async (p) => {
        const load = steady(p, Math.max(20, 30 * f), 12);
        await sleep(12_000);
        await p.kill(p.ingest, 'SIGKILL');
        await sleep(1000);
        p.spawnIngest();
        p.orchestratorRestarts++;
        await p.waitReady();
        const at = now();
        await load;
        return { faultEndedAt: at };
      },
    },
    'kill-both': {
      fault: 'ingest and a clustering worker SIGKILLed together, both started again',
      pipeline: { clustering: 2 },
      run: async (p) => {
        const load = steady(p, Math.max(20, 30 * f), 13);
        await sleep(12_000);
        await Promise.all([p.kill(p.clustering()[0], 'SIGKILL'), p.kill(p.ingest, 'SIGKILL')]);
        await sleep(1000);
        p.spawnClustering();
        p.spawnIngest();
        p.orchestratorRestarts += 2;
        await p.waitReady();
        const at = now();
        await load;
        return { faultEndedAt: at };
      },
    },
    broker: {
      fault: `broker stopped ${Math.round(20 * f)} s and started again (kafka.sh stop / start --keep)`,
      pipeline: {},
      run: async () => {
        throw new Error('run through runBrokerRow');
      },
    },
    clickhouse: {
      fault: `ClickHouse unavailable ${Math.round(30 * f)} s, then back (ingest insert fault hook)`,
      pipeline: { ingestHost: true },
      run: async (p) => {
        const load = steady(p, 30 * f + 8, 21);
        await sleep(3000);
        p.ingest.proc.child.kill('SIGUSR2');
        await sleep(30_000 * f);
        p.ingest.proc.child.kill('SIGHUP');
        const at = now();
        await load;
        const text = p.ingest.proc.output();
        const failed = /ClickHouse back \(simulated\) after (\d+) failed inserts/.exec(text);
        return {
          faultEndedAt: at,
          checks: [
            [`inserts failed while down (${failed?.[1] ?? 0})`, Number(failed?.[1] ?? 0) > 0],
          ],
        };
      },
    },
    rebalance: {
      fault: 'clustering worker added, then one stopped, while windows are open',
      pipeline: { clustering: 2 },
      run: async (p) => {
        const load = steady(p, Math.max(12, 30 * f), 31);
        await sleep(3000);
        p.spawnClustering();
        await p.waitReady();
        await sleep(2000);
        const leaving = p.clustering()[0];
        await p.kill(leaving, 'SIGTERM');
        await p.waitReady();
        const at = now();
        await load;
        return { faultEndedAt: at };
      },
    },
    'poison-proto': {
      fault: 'poison message, protobuf decoder (no content-type)',
      pipeline: {},
      run: poison('protobuf', { value: garbage, spans: 0 }, /undecodable/, 41),
    },
    'poison-json': {
      fault: 'poison message, JSON decoder (content-type application/json)',
      pipeline: {},
      run: poison(
        'JSON',
        {
          value: Buffer.from('{"resourceSpans":[{"scopeSpans":[{"spans":[{"traceId":'),
          spans: 0,
          headers: { [HEADERS.contentType]: CONTENT_TYPES.otlpJson },
        },
        /undecodable/,
        51,
      ),
    },
    'poison-compressed': {
      fault: 'poison message in a gzip record batch',
      pipeline: {},
      run: poison('gzip', { value: garbage, spans: 0, compression: 'gzip' }, /undecodable/, 61),
    },
    'big-trace': {
      fault: `one trace of ${fmt(o.bigTrace)} spans amid steady load`,
      pipeline: {},
      run: async (p) => {
        const load = steady(p, 8, 71);
        await sleep(2000);
        const big = bigTrace(o.bigTrace, now());
        p.expect([big.traceId]);
        await p.send(big.messages);
        const at = now();
        await load;
        return { faultEndedAt: at };
      },
    },
    burst: {
      fault: `burst of 10× the steady rate (${fmt(o.rate * 10)} spans/s) for ${Math.round(30 * f)} s`,
      pipeline: { clustering: 2 },
      run: async (p) => {
        await steady(p, 4, 81);
        const burst = steadyLoad(o.rate * 10, 30 * f, 82, now());
        p.expect(burst.traceIds);
        await p.send(burst.messages, o.rate * 10);
        const at = now();
        await steady(p, 4, 83);
        return { faultEndedAt: at };
      },
    },
  };
}

async function runRow(
  row: RowName,
  s: Scenario,
  brokers: string,
  broker?: DevBroker,
  o?: FaultOptions,
): Promise<RowResult> {
  const p = new Pipeline(brokers, s.pipeline);
  const notes: string[] = [];
  const result: RowResult = {
    row,
    fault: s.fault,
    producedSpans: 0,
    storedSpans: 0,
    duplicatedSpans: 0,
    tracesProduced: 0,
    once: 0,
    twice: 0,
    never: 0,
    recoverS: undefined,
    orchestratorRestarts: 0,
    restartsByHand: 0,
    ok: false,
    notes,
  };
  const t0 = Date.now();
  say(`── ${row}: ${s.fault}`);
  try {
    await p.start();
    say(`   workers ready in ${((Date.now() - t0) / 1000).toFixed(1)} s; running the fault`);
    const r = broker && o ? await brokerFault(p, broker, o) : await s.run(p);
    const closedAt = await p.waitClosed(120_000);
    result.recoverS = closedAt === undefined ? undefined : (closedAt - r.faultEndedAt) / 1000;
    const c = await p.finish();
    Object.assign(result, {
      producedSpans: p.producedSpans,
      storedSpans: c.stored,
      duplicatedSpans: c.rows - c.stored,
      tracesProduced: p.produced.size,
      once: c.once,
      twice: c.twice,
      never: c.never,
      orchestratorRestarts: p.orchestratorRestarts,
    });
    const checks: [string, boolean][] = [
      [`${fmt(p.producedSpans - c.stored)} spans lost`, c.stored === p.producedSpans],
      [`${fmt(c.rows - c.stored)} spans stored twice`, c.rows === c.stored],
      [`${c.never} traces never counted`, c.never === 0],
      [`${c.twice} traces counted twice`, c.twice === 0],
      [`${c.unknown} unknown traces`, c.unknown === 0],
      [
        `window counts ${fmt(c.windowTotal)} ≠ ${fmt(p.produced.size)} traces`,
        c.windowTotal === p.produced.size,
      ],
      ...(r.checks ?? []),
    ];
    for (const [what, ok] of checks) if (!ok) notes.push(what);
    for (const [what, ok] of r.checks ?? []) if (ok) notes.push(what);
    if (c.republished > 0)
      notes.push(
        `${c.republished} traces' members published again by a replay, under the same behaviour (one row each in trace_behaviours)`,
      );
    if (c.late > 0) notes.push(`${c.late} traces counted as late corrections`);
    for (const [id, b] of [...p.tally.behaviours].filter(([, b]) => b.size > 1).slice(0, 3))
      notes.push(`trace ${id} stored under ${b.size} behaviours: ${[...b].join(' / ')}`);
    result.ok = checks.every(([, ok]) => ok) && closedAt !== undefined;
    if (closedAt === undefined) notes.push('not every trace closed within 120 s');
  } catch (e) {
    notes.push(`error: ${(e as Error).message.split('\n').slice(0, 8).join(' | ')}`);
    result.producedSpans = p.producedSpans;
    result.tracesProduced = p.produced.size;
  } finally {
    await p.close();
  }
  say(
    `   ${result.ok ? 'PASS' : 'FAIL'} in ${((Date.now() - t0) / 1000).toFixed(0)} s${notes.length ? `: ${notes.join('; ')}` : ''}`,
  );
  return result;
}

/** The broker row: producing pauses (the Collector buffers), the broker stops, then comes back. */
async function brokerFault(
  p: Pipeline,
  broker: DevBroker,
  o: FaultOptions,
): Promise<{ faultEndedAt: number; checks: [string, boolean][] }> {
  const load = steadyLoad(o.rate, Math.max(10, 30 * o.factor), 91, Date.now());
  p.expect(load.traceIds);
  const sending = p.send(load.messages, o.rate);
  await sleep(4000);
  p.paused = true;
  await sleep(300);
  broker.halt();
  const down = Date.now();
  await sleep(20_000 * o.factor);
  broker.resume();
  const at = Date.now();
  p.paused = false;
  await sending;
  return {
    faultEndedAt: at,
    checks: [[`broker down ${((at - down) / 1000).toFixed(0)} s`, true]],
  };
}

// ---------------------------------------------------------------------------------------------
// Table

function printTable(rows: RowResult[]): void {
  const head = [
    'row',
    'spans produced',
    'stored',
    'duplicated',
    'traces',
    'once',
    'twice',
    'never',
    'recover (s)',
    'orchestrator restarts',
    'restarts by hand',
    'verdict',
  ];
  const body = rows.map((r) => [
    r.row,
    fmt(r.producedSpans),
    fmt(r.storedSpans),
    fmt(r.duplicatedSpans),
    fmt(r.tracesProduced),
    fmt(r.once),
    fmt(r.twice),
    fmt(r.never),
    r.recoverS === undefined ? 'never' : r.recoverS.toFixed(1),
    String(r.orchestratorRestarts),
    String(r.restartsByHand),
    r.ok ? 'PASS' : 'FAIL',
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i].length)));
  const line = (cells: string[]) =>
    `| ${cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join(' | ')} |`;
  say('');
  say(line(head));
  say(
    `|${widths.map((w, i) => (i === 0 ? ':' : '-').padEnd(w + 1, '-') + (i === 0 ? '-' : ':')).join('|')}|`,
  );
  for (const b of body) say(line(b));
  say('');
  for (const r of rows)
    say(`${r.row}: ${r.fault}${r.notes.length ? ` — ${r.notes.join('; ')}` : ''}`);
}

async function main(): Promise<void> {
  let o: FaultOptions;
  try {
    o = parseArgs(process.argv.slice(2));
  } catch (e) {
    if (!(e instanceof ArgsError)) throw e;
    process.stderr.write(
      `faults: ${e.message}\nusage: npm run faults -- [--only ${ROWS.join('|')}[,…]] [--seconds FACTOR] [--rate SPANS_PER_S] [--big-trace SPANS]\n`,
    );
    process.exit(2);
  }
  const all = scenarios(o);
  const results: RowResult[] = [];
  const shared = o.only.filter((r) => r !== 'broker');
  if (shared.length > 0)
    await withBroker(async (brokers) => {
      for (const row of shared) results.push(await runRow(row, all[row], brokers));
    });
  if (o.only.includes('broker')) {
    say('broker row: starting a broker of its own with deploy/kafka/kafka.sh…');
    const broker = startDevBroker();
    try {
      results.push(await runRow('broker', all.broker, broker.brokers, broker, o));
    } finally {
      try {
        broker.stop();
      } catch (e) {
        process.stderr.write(`could not stop the broker: ${(e as Error).message}\n`);
      }
    }
  }
  results.sort((a, b) => ROWS.indexOf(a.row as RowName) - ROWS.indexOf(b.row as RowName));
  printTable(results);
  const failed = results.filter((r) => !r.ok);
  say(
    failed.length === 0
      ? `all ${results.length} rows: 0 lost, 0 double-counted`
      : `FAILED: ${failed.map((r) => r.row).join(', ')}`,
  );
  say(
    JSON.stringify({
      factor: o.factor,
      rate: o.rate,
      rows: results.map((r) => ({
        row: r.row,
        produced_spans: r.producedSpans,
        stored_spans: r.storedSpans,
        duplicated_spans: r.duplicatedSpans,
        traces: r.tracesProduced,
        once: r.once,
        twice: r.twice,
        never: r.never,
        recover_s: r.recoverS === undefined ? null : Number(r.recoverS.toFixed(1)),
        orchestrator_restarts: r.orchestratorRestarts,
        restarts_by_hand: r.restartsByHand,
        ok: r.ok,
      })),
      ok: failed.length === 0,
    }),
  );
  process.exit(failed.length === 0 ? 0 : 1);
}

if (require.main === module) {
  main().catch((e) => {
    process.stderr.write(`faults: ${(e as Error).stack ?? String(e)}\n`);
    process.exit(1);
  });
}
