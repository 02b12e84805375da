/**
 * Clustering throughput and memory, measured in one run:
 *   1. in-process: trace records → decode → assemble → fingerprint → window aggregates (one
 *      partition pipeline, exactly what a worker does per partition)
 *   2. end to end: records already on a real Kafka topic → a clustering worker (in-process Nest
 *      app, role worker) → cluster events acknowledged by the broker, once on the direct path and
 *      once through the Nest transport, side by side, and the ratio of the two
 *   3. bytes of heap per open span (traces held open), and window-close latency (draining closed
 *      windows until their events are acknowledged)
 * The last line is one JSON object with the figures.
 *
 *   npm run bench:clustering                       (starts its own broker; needs --expose-gc, set by the script)
 *   T2T_BENCH_KAFKA_BROKERS=host:port npm run bench:clustering
 *   BENCH_TRACES=40000 npm run bench:clustering
 *   npm run bench:clustering -- --path direct|transport|both   (default both, side by side: the
 *     worker driving the consumer itself, and through the Nest transport's handler)
 *   BENCH_ROUNDS=3 npm run bench:clustering     (runs per path, order alternating; best counts)
 */
import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { Histogram } from 'prom-client';
import { PartitionPipeline, type PartitionPipelineOptions } from '@t2t/fingerprint';
import { createKafkaClient, type OutgoingMessage } from '@t2t/messaging';
import { MetricsRegistry } from '@t2t/platform';
import { decodeTraceRecord, encodeTraceRecord, type RecordSpan, type TraceRecord } from '@t2t/wire';
import { generateBenchTraces } from '../../../libs/fingerprint/bench/bench-traces.fixture';
import { startDevBroker } from '../../../test/support/broker';
import {
  type ConsumePath,
  parseConsumePaths,
  pathsInRound,
} from '../../../test/support/bench-paths';
import { clusteringEnv } from '../src/clustering.env';
import { ClusteringModule } from '../src/clustering.module';

const TRACES = Number(process.env.BENCH_TRACES ?? 40_000);
const PATHS = parseConsumePaths(process.argv.slice(2));
/** BENCH_ROUNDS (default 2): end-to-end runs per path, alternating their order. */
const ROUNDS = Math.max(1, Number(process.env.BENCH_ROUNDS ?? 2));
const T0 = 1_767_225_600_000_000_000n;

const pipelineOptions: PartitionPipelineOptions = {
  assembler: {
    idleGapMs: 10_000,
    maxTraceDurationMs: 300_000,
    maxOpenTraces: 200_000,
    maxSpansPerTrace: 2000,
    recentlyClosedCapacity: 200_000,
  },
  window: { windowMs: 60_000, allowedLatenessMs: 30_000 },
  descriptorCapacity: 10_000,
};

/** `n` traces cycling through 2,000 generated shapes, one starting every 2 ms of event time. */
function buildRecords(n: number): { records: Buffer[]; spans: number } {
  const shapes = generateBenchTraces(2000);
  const records: Buffer[] = [];
  let spans = 0;
  for (let i = 0; i < n; i++) {
    const shape = shapes[i % shapes.length];
    const traceId = (0x10000000 + i).toString(16).padStart(32, '0');
    const base = T0 + BigInt(i) * 2_000_000n;
    const idMap = new Map(
      shape.map((s, k) => [s.spanId, (i * 64 + k).toString(16).padStart(16, '0')]),
    );
    const out: RecordSpan[] = shape.map((s) => ({
      spanId: idMap.get(s.spanId)!,
      parentSpanId: s.parentSpanId === '' ? '' : (idMap.get(s.parentSpanId) ?? ''),
      name: s.name,
      kind: s.kind,
      serviceName: s.serviceName,
      startTimeUnixNano: base + BigInt(s.startUs) * 1000n,
      durationNano: s.durationUs * 1000,
      statusCode: s.error ? 2 : 0,
      statusMessage: '',
      attributes: s.attributes,
      events: [],
      links: [],
    }));
    spans += out.length;
    const record: TraceRecord = { traceId, spans: out };
    records.push(encodeTraceRecord(record));
  }
  return { records, spans };
}

function gc(): void {
  (global as { gc?: () => void }).gc?.();
}

function inProcess(records: Buffer[], spans: number): number {
  // Warm up on a separate pipeline, then measure a fresh one over every record.
  const warm = new PartitionPipeline(0, pipelineOptions);
  for (let i = 0; i < Math.min(2000, records.length); i++) {
    const r = decodeTraceRecord(records[i]);
    warm.add(i, r.traceId, r.spans);
  }
  const sut = new PartitionPipeline(0, pipelineOptions);
  const t0 = performance.now();
  for (let i = 0; i < records.length; i++) {
    const r = decodeTraceRecord(records[i]);
    sut.add(i, r.traceId, r.spans);
    if (i % 1000 === 999) sut.drain();
  }
  sut.advanceTo(T0 + 10n ** 15n);
  sut.drain();
  const ms = performance.now() - t0;
  const rate = Math.round((spans * 1000) / ms);
  console.log(
    `in-process decode+assemble+fingerprint+aggregate  ${rate.toLocaleString('en')} spans/s (${spans.toLocaleString('en')} spans in ${ms.toFixed(0)} ms)`,
  );
  return rate;
}

/** Heap bytes per span held open: records added with no event-time progress past the idle gap. */
function bytesPerOpenSpan(records: Buffer[]): { bytes: number; spans: number } {
  const sut = new PartitionPipeline(0, {
    ...pipelineOptions,
    assembler: { ...pipelineOptions.assembler, idleGapMs: 3_600_000 },
  });
  gc();
  gc();
  const before = process.memoryUsage().heapUsed;
  // Decode one record at a time: only the pipeline keeps anything.
  for (let i = 0; i < 10_000; i++) {
    const r = decodeTraceRecord(records[i]);
    sut.add(i, r.traceId, r.spans);
  }
  gc();
  gc();
  const after = process.memoryUsage().heapUsed;
  const open = sut.stats().assembler.openSpans;
  const bytes = Math.round((after - before) / open);
  console.log(
    `heap per open span                                 ${bytes} B (${open.toLocaleString('en')} spans open)`,
  );
  return { bytes, spans: open };
}

/** Upper bound of the bucket holding quantile q of a prom-client histogram. */
async function histogramQuantile(h: Histogram, q: number): Promise<number> {
  const buckets = (await h.get()).values
    .filter((v) => v.metricName?.endsWith('_bucket'))
    .map((v) => ({ le: v.labels.le === '+Inf' ? Infinity : Number(v.labels.le), n: v.value }))
    .sort((a, b) => a.le - b.le);
  const total = buckets[buckets.length - 1]?.n ?? 0;
  if (total === 0) return NaN;
  return buckets.find((b) => b.n >= q * total)!.le;
}

interface EndToEnd {
  rate: number;
  p50Ms: number;
  p99Ms: number;
}

/** One worker (in-process Nest app, role worker) over the whole topic as its own group. */
async function endToEnd(
  consume: ConsumePath,
  brokers: string,
  topic: string,
  group: string,
  spans: number,
): Promise<EndToEnd> {
  const config = clusteringEnv.parse({
    HTTP_PORT: '0',
    KAFKA_BROKERS: brokers,
    CLUSTERING_ROLE: 'worker',
    CLUSTERING_INPUT_TOPIC: topic,
    CLUSTERING_EVENTS_TOPIC: `${topic}.events`,
    CLUSTERING_GROUP_ID: `bench-clustering-${group}`,
    CLUSTERING_CREATE_TOPICS: 'false',
    // 80 s of event time: 10 s windows close while the stream runs; the tail closes 1 s after it.
    CLUSTERING_WINDOW: '10s',
    CLUSTERING_ALLOWED_LATENESS: '12s',
    CLUSTERING_IDLE_ADVANCE_AFTER: '1s',
  });
  const app = await NestFactory.createApplicationContext(
    ClusteringModule.forRoot(config, consume),
    { logger: ['error', 'warn'] },
  );
  try {
    const registry = app.get(MetricsRegistry).registry;
    const consumed = async () =>
      (await registry.getSingleMetric('t2t_clustering_spans_total')!.get()).values[0]?.value ?? 0;
    let first: { at: number; spans: number } | undefined;
    let lastReport = Date.now();
    for (;;) {
      const n = await consumed();
      const now = performance.now();
      if (n > 0 && !first) first = { at: now, spans: n };
      if (Date.now() - lastReport > 3000) {
        console.log(
          `  … ${consume}: ${n.toLocaleString('en')} / ${spans.toLocaleString('en')} spans consumed`,
        );
        lastReport = Date.now();
      }
      if (n >= spans) {
        const rate = Math.round(((spans - first!.spans) * 1000) / (now - first!.at));
        console.log(
          `end to end, ${consume} (broker → worker → cluster events)  ${rate.toLocaleString('en')} spans/s`,
        );
        // The last windows close when the idle partitions move event time on; wait for them.
        const events = async () =>
          (
            await registry.getSingleMetric('t2t_clustering_window_events_total')!.get()
          ).values.reduce((k, v) => k + v.value, 0);
        const before = await events();
        await new Promise((r) => setTimeout(r, 4000));
        console.log(
          `  ${consume}: cluster events published: ${before} during the stream, ${await events()} after the tail closed`,
        );
        const h = registry.getSingleMetric('t2t_clustering_window_emit_seconds') as Histogram;
        const p50Ms = (await histogramQuantile(h, 0.5)) * 1000;
        const p99Ms = (await histogramQuantile(h, 0.99)) * 1000;
        console.log(
          `  ${consume}: window-close latency (drain → events acknowledged) p50 ≤ ${p50Ms} ms, p99 ≤ ${p99Ms} ms`,
        );
        return { rate, p50Ms, p99Ms };
      }
      await new Promise((r) => setTimeout(r, 50));
    }
  } finally {
    await app.close();
  }
}

async function main(): Promise<void> {
  Logger.overrideLogger(['error', 'warn']);
  if (!(global as { gc?: unknown }).gc)
    console.log('(run with --expose-gc for the memory figure: npm run bench:clustering does)');
  const { records, spans } = buildRecords(TRACES);
  console.log(
    `node ${process.version}; ${TRACES.toLocaleString('en')} traces, ${spans.toLocaleString('en')} spans (${(spans / TRACES).toFixed(1)} per trace)`,
  );
  const inProcessRate = inProcess(records, spans);
  const memory = bytesPerOpenSpan(records);

  const external = process.env.T2T_BENCH_KAFKA_BROKERS;
  const broker = external ? undefined : startDevBroker();
  const brokers = external ?? broker!.brokers;
  const suffix = Date.now().toString(36);
  const topic = `bench.spans_by_trace.${suffix}`;
  try {
    const kafka = createKafkaClient({ clientId: 'bench', brokers: [brokers], logs: 'silent' });
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics([
      { topic, partitions: 4 },
      { topic: `${topic}.dlq`, partitions: 1 },
      { topic: `${topic}.events`, partitions: 4 },
    ]);
    await admin.disconnect();
    const producer = kafka.producer();
    await producer.connect();
    for (let i = 0; i < records.length; i += 500) {
      const messages: OutgoingMessage[] = records
        .slice(i, i + 500)
        .map((value, k) => ({ key: (0x10000000 + i + k).toString(16).padStart(32, '0'), value }));
      await producer.send({ topic, messages, acks: -1 });
    }
    await producer.disconnect();
    console.log(`produced ${records.length.toLocaleString('en')} trace records to ${topic}`);

    // Each path reads the same topic as its own group; rounds alternate the order and the best
    // round of each path counts, so noise from the rest of the machine weighs less.
    const runs: Partial<Record<ConsumePath, EndToEnd>> = {};
    for (let round = 0; round < ROUNDS; round++) {
      for (const consume of pathsInRound(PATHS, round)) {
        const r = await endToEnd(consume, brokers, topic, `${suffix}-${consume}-${round}`, spans);
        if (!runs[consume] || r.rate > runs[consume].rate) runs[consume] = r;
      }
    }
    for (const consume of PATHS)
      console.log(
        `best of ${ROUNDS}, ${consume}: ${runs[consume]!.rate.toLocaleString('en')} spans/s`,
      );
    const product = runs.transport ?? runs.direct!;
    const ratio = product.rate / inProcessRate;
    console.log(`end-to-end / in-process ratio ${ratio.toFixed(3)}`);
    const pathRatio =
      runs.transport && runs.direct
        ? Number((runs.transport.rate / runs.direct.rate).toFixed(3))
        : undefined;
    if (pathRatio !== undefined) console.log(`transport / direct ratio ${pathRatio.toFixed(3)}`);
    console.log(
      JSON.stringify({
        inprocess_spans_per_s: inProcessRate,
        e2e_spans_per_s: product.rate,
        e2e_to_inprocess_ratio: Number(ratio.toFixed(3)),
        e2e_direct_spans_per_s: runs.direct?.rate,
        e2e_transport_spans_per_s: runs.transport?.rate,
        transport_to_direct_ratio: pathRatio,
        bytes_per_open_span: memory.bytes,
        window_emit_p50_ms: product.p50Ms,
        window_emit_p99_ms: product.p99Ms,
        spans_total: spans,
        traces_total: TRACES,
        rounds: ROUNDS,
      }),
    );
  } finally {
    broker?.stop();
  }
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
