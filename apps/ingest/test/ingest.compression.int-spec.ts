import {
  type Compression,
  CONTENT_TYPES,
  HEADERS,
  type MessagingClient,
  overrideCompressionCodec,
  registerCompressionCodecs,
  snappyEncode,
} from '@t2t/messaging';
import { encodeTraceRequestJson, encodeTraceRequestProto } from '@t2t/otlp';
import { HealthRegistry, MetricsRegistry } from '@t2t/platform';
import { consumeUntil, eventually, testKafka, zstdCompressor } from '@t2t/test-support';
import { decodeTraceRecord } from '@t2t/wire';
import { collectorMessages, startIngest, storedRows } from './ingest.fixture';

/** Snappy in the xerial framing Java producers use: magic, versions, then length-prefixed blocks. */
function xerialSnappy(b: Buffer): Buffer {
  const header = Buffer.from([0x82, 0x53, 0x4e, 0x41, 0x50, 0x50, 0x59, 0, 0, 0, 0, 1, 0, 0, 0, 1]);
  const blocks: Buffer[] = [header];
  for (let i = 0; i < b.length; i += 32 * 1024) {
    const block = snappyEncode(b.subarray(i, i + 32 * 1024));
    const size = Buffer.alloc(4);
    size.writeUInt32BE(block.length);
    blocks.push(size, block);
  }
  return Buffer.concat(blocks);
}

type Codec = 'gzip' | 'snappy' | 'snappy (xerial)' | 'lz4' | 'zstd';

/**
 * Produces with a codec as a Collector would: one record batch per message. The record's
 * compression is what the producer's codec writes; for xerial snappy and zstd the test plugs in
 * its own compressor for the duration of the send (the product only reads those).
 */
async function produceWith(
  kafka: MessagingClient,
  topic: string,
  codec: Codec,
  messages: { value: Buffer; headers?: Record<string, string> }[],
): Promise<void> {
  const type = (
    {
      gzip: 'gzip',
      snappy: 'snappy',
      'snappy (xerial)': 'snappy',
      lz4: 'lz4',
      zstd: 'zstd',
    } as const
  )[codec] satisfies Compression;
  const restore =
    codec === 'snappy (xerial)' || codec === 'zstd'
      ? overrideCompressionCodec(type, {
          compress: codec === 'zstd' ? await zstdCompressor() : xerialSnappy,
        })
      : undefined;
  const p = kafka.producer();
  try {
    await p.connect();
    for (const m of messages) await p.send({ topic, messages: [m], acks: -1, compression: type });
  } finally {
    await p.disconnect();
    restore?.();
  }
}

describe('ingest reads every Kafka compression codec (real broker, embedded ClickHouse)', () => {
  const kafka = testKafka('ingest-codecs');
  beforeAll(() => registerCompressionCodecs());

  it('stores every span of proto and JSON Collector messages compressed with gzip, snappy (raw and xerial), lz4 and zstd', async () => {
    const ingest = await startIngest();
    try {
      const codecs: Codec[] = ['gzip', 'snappy', 'snappy (xerial)', 'lz4', 'zstd'];
      const expected = new Set<string>();
      for (const codec of codecs) {
        const { messages, all } = collectorMessages();
        for (const s of all) expected.add(`${s.traceId}/${s.spanId}`);
        await produceWith(
          kafka,
          ingest.topics.input,
          codec,
          messages.map((spans, i) =>
            i % 2 === 0
              ? { value: Buffer.from(encodeTraceRequestProto(spans)) }
              : {
                  value: Buffer.from(encodeTraceRequestJson(spans)),
                  headers: { [HEADERS.contentType]: CONTENT_TYPES.otlpJson },
                },
          ),
        );
      }
      await eventually(
        async () => (await storedRows(ingest.ch)).length >= expected.size,
        'every span of every codec stored',
      );
      const rows = await storedRows(ingest.ch);
      expect(new Set(rows.map((r) => `${r.TraceId}/${r.SpanId}`))).toEqual(expected);
      expect(rows).toHaveLength(expected.size);
      expect((await ingest.app.get(HealthRegistry).report()).status).toBe('ok');
    } finally {
      await ingest.close();
    }
  });

  it('takes every Collector kafka exporter setting: encoding × compression × partition_traces_by_id', async () => {
    const codecs: Codec[] = ['gzip', 'snappy', 'snappy (xerial)', 'lz4', 'zstd'];
    const table: string[] = [];
    for (const encoding of ['otlp_proto', 'otlp_json'] as const) {
      // The exporter sets no content-type header: ingest is told the encoding, as the receiver is.
      const ingest = await startIngest({ INGEST_ENCODING: encoding });
      try {
        const encode = (spans: Parameters<typeof encodeTraceRequestProto>[0]) =>
          Buffer.from(
            encoding === 'otlp_proto'
              ? encodeTraceRequestProto(spans)
              : encodeTraceRequestJson(spans),
          );
        let expected = 0;
        const ids = new Set<string>();
        for (const codec of codecs) {
          for (const byTrace of [false, true]) {
            const { messages, all } = collectorMessages();
            for (const span of all) ids.add(`${span.traceId}/${span.spanId}`);
            // partition_traces_by_id: one message per trace, keyed by its id; otherwise batches.
            const records = byTrace
              ? [...new Set(all.map((x) => x.traceId))].map((traceId) => ({
                  key: traceId,
                  value: encode(all.filter((x) => x.traceId === traceId)),
                }))
              : messages.map((spans) => ({ value: encode(spans) }));
            await produceWith(kafka, ingest.topics.input, codec, records);
            expected += all.length;
            await eventually(
              async () => (await storedRows(ingest.ch)).length >= expected,
              `${encoding} ${codec} ${byTrace ? 'by trace id' : 'batched'} stored`,
            );
            const rows = await storedRows(ingest.ch);
            const rekeyed = await consumeUntil(
              kafka,
              ingest.topics.output,
              (rs) =>
                rs.reduce((n, r) => n + decodeTraceRecord(r.value).spans.length, 0) >= expected,
            );
            const metrics = await ingest.app.get(MetricsRegistry).text();
            const dead = [
              ...metrics.matchAll(
                /^t2t_ingest_messages_total\{outcome="dead_letter"[^}]*\} (\d+)$/gm,
              ),
            ].reduce((n, m) => n + Number(m[1]), 0);
            table.push(
              `${encoding.padEnd(10)} ${codec.padEnd(15)} ${(byTrace ? 'true' : 'false').padEnd(22)} ${String(rows.length).padStart(6)} stored ${String(rekeyed.reduce((n, r) => n + decodeTraceRecord(r.value).spans.length, 0)).padStart(6)} re-keyed ${dead} dead letters`,
            );
            expect(rows).toHaveLength(expected);
            expect(new Set(rows.map((r) => `${r.TraceId}/${r.SpanId}`))).toEqual(ids);
            expect(dead).toBe(0);
          }
        }
      } finally {
        await ingest.close();
      }
    }
    console.log(
      `Collector kafka exporter settings (cumulative per encoding)\n${'encoding'.padEnd(10)} ${'compression'.padEnd(15)} partition_traces_by_id\n${table.join('\n')}`,
    );
  });

  it('turns not ready, instead of idling while healthy, while a record batch cannot be decompressed, and recovers', async () => {
    const ingest = await startIngest();
    const zstd = await zstdCompressor();
    let restore: (() => void) | undefined;
    try {
      const health = ingest.app.get(HealthRegistry);
      await eventually(async () => (await health.report()).status === 'ok', 'ingest ready');
      // The client before this product's codecs: a zstd batch (valid, the broker checks) that the
      // consumer cannot read.
      restore = overrideCompressionCodec('zstd', {
        compress: zstd,
        decompress: () => {
          throw new Error('ZSTD compression not implemented');
        },
      });
      const { all } = collectorMessages();
      const p = kafka.producer();
      try {
        await p.connect();
        await p.send({
          topic: ingest.topics.input,
          messages: [{ value: Buffer.from(encodeTraceRequestProto(all)) }],
          compression: 'zstd',
          acks: -1,
        });
      } finally {
        await p.disconnect();
      }
      await eventually(async () => {
        const report = await health.report();
        return (
          report.status === 'unavailable' &&
          /consumer of .* crashed: ZSTD compression not implemented/.test(
            report.checks['kafka-consumer']?.error ?? '',
          )
        );
      }, 'ingest reports the crashed consumer as not ready');

      // Readable again: the consumer restarts, stores the spans and is ready.
      restore();
      await eventually(
        async () => (await storedRows(ingest.ch)).length >= all.length,
        'the spans stored after the consumer recovered',
      );
      await eventually(async () => (await health.report()).status === 'ok', 'ready again');
    } finally {
      restore?.();
      await ingest.close();
    }
  });
});
