import { checkoutSystem, generateTraces } from '@t2t/examples';
import {
  type Chunk,
  HEADERS,
  type MessageProducer,
  type OutgoingMessage,
  type SourceRecord,
} from '@t2t/messaging';
import { encodeTraceRequestJson } from '@t2t/otlp';
import { MetricsRegistry } from '@t2t/platform';
import type { SpanRepository } from '@t2t/storage';
import { IngestMetrics } from './ingest.metrics';
import { IngestChunkWriter } from './ingest.writer';
import { OtlpMessagePreparer, type PreparedMessage } from './pipeline/otlp-message.preparer';

const T0 = BigInt(Date.parse('2026-11-30T00:00:00Z')) * 1_000_000n;

function writerWith(sent: OutgoingMessage[]): IngestChunkWriter {
  const producer = {
    send: async ({ messages }: { messages: OutgoingMessage[] }) => {
      sent.push(...messages);
      return [];
    },
  } as unknown as MessageProducer;
  const spans = { insert: async () => undefined } as unknown as SpanRepository;
  return new IngestChunkWriter(
    new OtlpMessagePreparer({
      defaultEncoding: 'otlp_json',
      maxMessageBytes: 8 * 1024 * 1024,
      maxFutureSkewMs: 3_600_000,
    }),
    spans,
    producer,
    new IngestMetrics(new MetricsRegistry('test')),
    {
      outputTopic: 'traces',
      dlqTopic: 'dlq',
      dlqMaxValueBytes: 1024 * 1024,
      crashAfterWrite: false,
    },
  );
}

function chunkOf(
  writer: IngestChunkWriter,
  bodies: string[],
  first: number,
): Chunk<PreparedMessage> {
  const items = bodies.map((body, i) => {
    const record: SourceRecord = {
      topic: 'otlp_spans',
      partition: 4,
      offset: String(first + i),
      key: null,
      value: Buffer.from(body),
      headers: {},
      timestamp: '0',
    };
    return { record, prepared: writer.prepare(record) };
  });
  return {
    topic: 'otlp_spans',
    partition: 4,
    firstOffset: String(first),
    lastOffset: String(first + bodies.length - 1),
    token: `t/${first}`,
    items,
    topicPartitions: 12,
  };
}

const header = (m: OutgoingMessage, name: string) => String(m.headers![name]);
const startOf = (m: OutgoingMessage, starts: Map<string, bigint>) => starts.get(String(m.key))!;

describe(IngestChunkWriter.name, () => {
  it('re-keys a chunk in trace-start order, each record stamped with how far its source has got', async () => {
    // A Collector-sized batch mixes traces out of time order: newest first within each chunk.
    const traces = generateTraces(checkoutSystem, { seed: 7, traces: 40, startNs: T0 });
    const starts = new Map(
      traces.map((t) => [
        t.traceId,
        t.spans.reduce(
          (m, s) => (s.startTimeUnixNano < m ? s.startTimeUnixNano : m),
          t.spans[0].startTimeUnixNano,
        ),
      ]),
    );
    const byStart = [...traces].sort((a, b) =>
      starts.get(a.traceId)! < starts.get(b.traceId)! ? -1 : 1,
    );
    const half = Math.floor(traces.length / 2);
    const sent: OutgoingMessage[] = [];
    const writer = writerWith(sent);
    // The records come back as the chunk's output, produced with its commit.
    for (const [k, part] of [byStart.slice(0, half), byStart.slice(half)].entries()) {
      const output = await writer.write(
        chunkOf(writer, [encodeTraceRequestJson([...part].reverse().flatMap((t) => t.spans))], k),
      );
      for (const request of output.produce) sent.push(...request.messages);
    }

    const rekeyed = sent.filter((m) => m.key !== undefined && m.key !== null);
    expect(rekeyed).toHaveLength(traces.length);
    // Within a chunk, in start order; every stamp is at most the start of each record after it
    // from the same chunk, and never goes back.
    const first = rekeyed.slice(0, half);
    for (let i = 1; i < first.length; i++)
      expect(startOf(first[i], starts)).toBeGreaterThanOrEqual(startOf(first[i - 1], starts));
    let previous = 0n;
    for (const [i, m] of rekeyed.entries()) {
      const stamp = BigInt(header(m, HEADERS.sourceTime));
      expect(stamp).toBeGreaterThanOrEqual(previous);
      previous = stamp;
      const chunkEnd = i < half ? half : rekeyed.length;
      for (const later of rekeyed.slice(i + 1, chunkEnd))
        expect(stamp).toBeLessThanOrEqual(startOf(later, starts));
      expect(header(m, HEADERS.source)).toBe('otlp_spans/4');
      expect(header(m, HEADERS.sourcePartitions)).toBe('12');
    }
  });
});
