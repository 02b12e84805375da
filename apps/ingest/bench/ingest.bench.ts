/**
 * Ingest throughput, measured in one run:
 *   1. decode: OTLP protobuf requests → domain spans, in-process (libs/otlp)
 *   2. prepare: decode + validate + map to rows and trace records (what ingest does per message)
 *   3. end to end: requests already on a real Kafka topic → ingest (in-process Nest app) → rows
 *      acknowledged by the embedded ClickHouse engine, offsets committed; once on the direct path
 *      (PartitionBatchConsumer driving the writer) and once through the Nest transport's handler
 * and the ratios of (3) to (1) and of the transport to the direct path. The last line is one JSON object with the figures.
 *
 *   npm run bench:ingest                     (starts its own broker)
 *   T2T_BENCH_KAFKA_BROKERS=host:port npm run bench:ingest
 *   BENCH_MESSAGES=400 npm run bench:ingest  (500 spans per message)
 *   npm run bench:ingest -- --path direct|transport|both   (default both, side by side)
 *   npm run bench:ingest -- --path transport,direct        (both, transport first)
 *   BENCH_ROUNDS=3 npm run bench:ingest      (runs per path, order alternating; best counts)
 */
import 'reflect-metadata';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Logger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { type Span, SpanKind, StatusCode } from '@t2t/domain';
import { createKafkaClient } from '@t2t/messaging';
import { decodeTraceRequestProto, encodeTraceRequestProto } from '@t2t/otlp';
import { createClickHouse, storageEnv } from '@t2t/storage';
import { attrs, hexId, makeResource, makeScope, T0 } from '../../../test/support/spans';
import { startDevBroker } from '../../../test/support/broker';
import { parseConsumePaths, pathsInRound } from '../../../test/support/bench-paths';
import { ingestEnv } from '../src/ingest.env';
import { IngestModule } from '../src/ingest.module';
import type { IngestConsume } from '../src/ingest.service';
import { OtlpMessagePreparer } from '../src/pipeline/otlp-message.preparer';

const SPANS_PER_MESSAGE = 500;
const MESSAGES = Number(process.env.BENCH_MESSAGES ?? 600);
const DISTINCT_REQUESTS = 20;

const PATHS: IngestConsume[] = parseConsumePaths(process.argv.slice(2));
/** BENCH_ROUNDS (default 2): end-to-end runs per path, alternating their order. */
const ROUNDS = Math.max(1, Number(process.env.BENCH_ROUNDS ?? 2));

/** 500 spans: 50 traces of 10 spans over 4 services, 8 attributes each, like an instrumented HTTP service. */
function buildRequest(seed: number): Uint8Array {
  const resources = ['checkout', 'cart', 'payments', 'potato-handler'].map((s) =>
    makeResource(s, {
      'service.version': '1.4.2',
      'host.name': `node-${seed % 7}`,
      'telemetry.sdk.language': 'nodejs',
    }),
  );
  const scope = makeScope();
  const spans: Span[] = [];
  for (let t = 0; t < SPANS_PER_MESSAGE / 10; t++) {
    const traceId = hexId(16);
    const start = T0 + BigInt(seed * 1_000_000_000 + t * 1_000_000);
    let parent = '';
    for (let i = 0; i < 10; i++) {
      const spanId = hexId(8);
      spans.push({
        traceId,
        spanId,
        parentSpanId: parent,
        traceState: '',
        flags: 1,
        name: i === 0 ? 'GET /users/{id}' : i % 2 ? 'SELECT users' : 'POST /potatoes',
        kind: i === 0 ? SpanKind.Server : SpanKind.Client,
        startTimeUnixNano: start + BigInt(i * 100_000),
        endTimeUnixNano: start + BigInt(i * 100_000 + 80_000),
        attributes: attrs({
          'http.request.method': i % 2 ? 'GET' : 'POST',
          'http.route': '/users/{id}',
          'http.response.status_code': 200n,
          'url.full': `https://api.example.com/users/${seed * 1000 + t}?expand=orders`,
          'server.address': 'api.example.com',
          'db.system': 'postgresql',
          'db.statement': 'SELECT id, name, likes_potatoes FROM users WHERE id = $1',
          'user.likes_potatoes': t % 2 === 0,
        }),
        droppedAttributesCount: 0,
        events: [],
        droppedEventsCount: 0,
        links: [],
        droppedLinksCount: 0,
        status: { code: StatusCode.Unset, message: '' },
        resource: resources[i % resources.length],
        scope,
      });
      if (i < 3) parent = spanId;
    }
  }
  return encodeTraceRequestProto(spans);
}

function rate(label: string, spans: number, ms: number): number {
  const r = Math.round((spans * 1000) / ms);
  console.log(
    `${label.padEnd(34)} ${r.toLocaleString('en')} spans/s  (${spans.toLocaleString('en')} spans in ${ms.toFixed(0)} ms)`,
  );
  return r;
}

function inProcess(
  requests: Uint8Array[],
  seconds: number,
  run: (r: Uint8Array) => unknown,
): { spans: number; ms: number } {
  for (let i = 0; i < 20; i++) run(requests[i % requests.length]); // warm-up
  let spans = 0;
  const t0 = performance.now();
  let i = 0;
  while (performance.now() - t0 < seconds * 1000) {
    run(requests[i++ % requests.length]);
    spans += SPANS_PER_MESSAGE;
  }
  return { spans, ms: performance.now() - t0 };
}

async function main(): Promise<void> {
  Logger.overrideLogger(['error', 'warn']);
  console.log(`node ${process.version}; ${MESSAGES} messages × ${SPANS_PER_MESSAGE} spans`);
  const requests = Array.from({ length: DISTINCT_REQUESTS }, (_, i) => buildRequest(i));
  console.log(
    `request size ${(requests[0].length / SPANS_PER_MESSAGE).toFixed(0)} B/span protobuf`,
  );

  const decode = inProcess(requests, 3, (r) => decodeTraceRequestProto(r));
  const decodeRate = rate('decode (in-process)', decode.spans, decode.ms);
  const preparer = new OtlpMessagePreparer({
    defaultEncoding: 'otlp_proto',
    maxMessageBytes: 64 << 20,
    maxFutureSkewMs: 3_600_000,
    now: () => 1_767_225_600_000,
  });
  const prep = inProcess(requests, 3, (r) =>
    preparer.prepare({
      topic: 't',
      partition: 0,
      offset: '0',
      key: null,
      value: Buffer.from(r.buffer, r.byteOffset, r.byteLength),
      headers: {},
      timestamp: '0',
    }),
  );
  const prepareRate = rate('decode+validate+map (in-process)', prep.spans, prep.ms);

  const external = process.env.T2T_BENCH_KAFKA_BROKERS;
  const broker = external ? undefined : startDevBroker();
  const brokers = external ?? broker!.brokers;
  const suffix = Date.now().toString(36);
  const topic = `bench.otlp_spans.${suffix}`;
  try {
    const kafka = createKafkaClient({ clientId: 'bench', brokers: [brokers], logs: 'silent' });
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics([
      { topic, partitions: 4, configs: { 'max.message.bytes': String(8 << 20) } },
    ]);
    await admin.disconnect();
    const producer = kafka.producer();
    await producer.connect();
    for (let i = 0; i < MESSAGES; i += 20) {
      const batch = Array.from({ length: Math.min(20, MESSAGES - i) }, (_, j) => ({
        value: Buffer.from(requests[(i + j) % requests.length]),
      }));
      await producer.send({ topic, messages: batch, acks: -1 });
    }
    await producer.disconnect();
    const total = MESSAGES * SPANS_PER_MESSAGE;
    console.log(`produced ${MESSAGES} messages (${total.toLocaleString('en')} spans) to ${topic}`);

    // Each path reads the same topic as its own group into its own ClickHouse data directory.
    // Rounds alternate the order (whichever path runs second gets a warmer process and page
    // cache); each path's best round counts, so noise from the rest of the machine weighs less.
    const rates: Partial<Record<IngestConsume, number>> = {};
    for (let round = 0; round < ROUNDS; round++) {
      const order = pathsInRound(PATHS, round);
      for (const consume of order) {
        const r = await endToEnd(consume, brokers, topic, `${suffix}-${consume}-${round}`, total);
        rates[consume] = Math.max(rates[consume] ?? 0, r);
      }
    }
    for (const consume of PATHS)
      console.log(`best of ${ROUNDS}, ${consume}: ${rates[consume]!.toLocaleString('en')} spans/s`);
    const e2eRate = rates.transport ?? rates.direct!;
    const ratio = e2eRate / decodeRate;
    console.log(`end-to-end / decode ratio ${ratio.toFixed(3)}`);
    const pathRatio =
      rates.transport !== undefined && rates.direct !== undefined
        ? Number((rates.transport / rates.direct).toFixed(3))
        : undefined;
    if (pathRatio !== undefined) console.log(`transport / direct ratio ${pathRatio.toFixed(3)}`);
    console.log(
      JSON.stringify({
        decode_spans_per_s: decodeRate,
        prepare_spans_per_s: prepareRate,
        e2e_spans_per_s: e2eRate,
        e2e_to_decode_ratio: Number(ratio.toFixed(3)),
        e2e_direct_spans_per_s: rates.direct,
        e2e_transport_spans_per_s: rates.transport,
        transport_to_direct_ratio: pathRatio,
        spans_total: total,
        messages_total: MESSAGES,
        spans_per_message: SPANS_PER_MESSAGE,
        rounds: ROUNDS,
        rss_bytes: process.memoryUsage().rss,
      }),
    );
  } finally {
    broker?.stop();
  }
}

/** Ingest of the whole topic on one path, from the first stored chunk to the last span: spans/s. */
async function endToEnd(
  consume: IngestConsume,
  brokers: string,
  topic: string,
  suffix: string,
  total: number,
): Promise<number> {
  const data = mkdtempSync(join(tmpdir(), 't2t-bench-ingest-'));
  try {
    const config = ingestEnv.parse({
      HTTP_PORT: '0',
      CLICKHOUSE_DATA_PATH: data,
      KAFKA_BROKERS: brokers,
      INGEST_TOPIC: topic,
      INGEST_OUTPUT_TOPIC: `bench.spans_by_trace.${suffix}`,
      INGEST_DLQ_TOPIC: `${topic}.dlq`,
      INGEST_GROUP_ID: `bench-ingest-${suffix}`,
      INGEST_TOPIC_PARTITIONS: '4',
    });
    // A second client on the same data directory watches the table from before the app starts, so
    // the first stored row is seen when it lands (the app's own start-up is not part of the rate).
    const watcher = await createClickHouse(storageEnv.parse({ CLICKHOUSE_DATA_PATH: data }));
    const count = async () => {
      try {
        const rs = await watcher.client.query({
          query: 'SELECT count() AS n FROM trace2test.spans',
          format: 'JSONEachRow',
        });
        return Number((await rs.json<{ n: string }>())[0].n);
      } catch {
        return 0; // not migrated yet
      }
    };
    let first: { at: number; rows: number } | undefined;
    let last = 0;
    const t0 = performance.now();
    const watching = (async () => {
      let lastReport = Date.now();
      for (;;) {
        const n = await count();
        const now = performance.now();
        if (n > 0 && !first) first = { at: now, rows: n };
        if (Date.now() - lastReport > 3000) {
          console.log(
            `  … ${consume}: ${n.toLocaleString('en')} / ${total.toLocaleString('en')} spans stored`,
          );
          lastReport = Date.now();
        }
        if (n >= total) {
          last = now;
          return;
        }
        await new Promise((r) => setTimeout(r, 20));
      }
    })();
    const app = await NestFactory.createApplicationContext(IngestModule.forRoot(config, consume), {
      logger: ['error', 'warn'],
    });
    await watching;
    await app.close();
    await watcher.close();
    console.log(
      `${consume}: start-up until the first stored chunk: ${(first!.at - t0).toFixed(0)} ms (first chunk ${first!.rows} spans)`,
    );
    return rate(
      `end to end, ${consume} (broker → ClickHouse)`,
      total - first!.rows,
      last - first!.at,
    );
  } finally {
    rmSync(data, { recursive: true, force: true });
  }
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
