import { createKafkaClient } from '@t2t/messaging';
import { encodeTraceRequestProto } from '@t2t/otlp';
import { MetricsRegistry } from '@t2t/platform';
import { consumeUntil, type DevBroker, eventually, startDevBroker } from '@t2t/test-support';
import { decodeTraceRecord } from '@t2t/wire';
import { collectorMessages, type Ingest, produce, startIngest, storedRows } from './ingest.fixture';

/**
 * The broker goes away while ingest has a chunk in flight: its spans are written to ClickHouse,
 * then the re-keyed records cannot be produced and the offsets cannot be committed. Ingest must
 * keep running, commit nothing it has not fully handed on, and finish by itself when the broker is
 * back, with every span stored once and re-keyed. A broker of its own (deploy/kafka/kafka.sh),
 * stopped and started again with its data: the shared one must stay up for the other tests.
 */
/** The spans (trace/span ids) the re-keyed records on spans_by_trace hold. */
function rekeyed(records: { value: Buffer }[]): Set<string> {
  return new Set(
    records.flatMap((r) => {
      const rec = decodeTraceRecord(r.value);
      return rec.spans.map((s) => `${rec.traceId}/${s.spanId}`);
    }),
  );
}

describe('ingest through a broker outage (real broker, embedded ClickHouse)', () => {
  let broker: DevBroker;
  let ingest: Ingest | undefined;

  beforeAll(() => {
    broker = startDevBroker();
  });
  afterAll(async () => {
    await ingest?.close();
    broker?.stop();
  });

  it('commits nothing while the re-keyed records cannot be produced, though the spans are in ClickHouse', async () => {
    const kafka = createKafkaClient({
      clientId: 'outage-test',
      brokers: [broker.brokers],
      logs: 'silent',
    });
    // One client-side retry, so a produce to a missing topic fails within a second, not a minute.
    ingest = await startIngest({ KAFKA_BROKERS: broker.brokers, KAFKA_RETRIES: '1' });
    const { ch, topics, groupId, app } = ingest;
    const failedWrites = async () =>
      Number(
        /^t2t_ingest_write_failures_total\{kind="unavailable",service="ingest"\} (\d+)$/m.exec(
          await app.get(MetricsRegistry).text(),
        )?.[1] ?? 0,
      );
    const admin = kafka.admin();
    await admin.connect();
    try {
      // spans_by_trace disappears (topics are not auto-created): every produce to it fails.
      await admin.deleteTopics([topics.output]);
      const { messages, all } = collectorMessages();
      await produce(
        kafka,
        topics.input,
        messages.map((m) => ({ value: Buffer.from(encodeTraceRequestProto(m)) })),
      );
      // A chunk reaches ClickHouse, but its re-keyed records cannot be produced: the write fails
      // and is retried (nothing more is fetched meanwhile).
      await eventually(async () => (await storedRows(ch)).length > 0, 'a chunk written');
      await eventually(async () => (await failedWrites()) >= 2, 'two failed write attempts');
      const committed = async () => {
        const partitions = await admin.fetchOffsets(groupId, topics.input);
        return partitions.reduce((n, p) => n + Math.max(0, Number(p.offset)), 0);
      };
      expect(await committed()).toBe(0);

      await admin.createTopics([{ topic: topics.output, partitions: 3 }]);
      await eventually(
        async () => (await committed()) === messages.length,
        'every message committed once the topic is back',
        90_000,
      );
      expect(await storedRows(ch)).toHaveLength(all.length);
      const records = await consumeUntil(
        kafka,
        topics.output,
        (rs) => rekeyed(rs).size >= all.length,
      );
      expect(rekeyed(records)).toEqual(new Set(all.map((s) => `${s.traceId}/${s.spanId}`)));
    } finally {
      await admin.disconnect();
      await ingest.close();
      ingest = undefined;
    }
  });

  it('holds the chunk it could not hand on, and completes it once the broker is back: every span stored once and re-keyed', async () => {
    const kafka = createKafkaClient({
      clientId: 'outage-test',
      brokers: [broker.brokers],
      logs: 'silent',
    });
    ingest = await startIngest({ KAFKA_BROKERS: broker.brokers });
    const { spans, ch, topics } = ingest;
    let release!: () => void;
    spans.hold = new Promise<void>((r) => (release = r));
    const { messages, all } = collectorMessages();
    await produce(
      kafka,
      topics.input,
      messages.map((m) => ({ value: Buffer.from(encodeTraceRequestProto(m)) })),
    );
    await eventually(() => spans.held >= 1, 'a chunk being written');

    // The broker goes away with the write in flight; then the write reaches ClickHouse.
    broker.halt();
    spans.hold = undefined;
    release();
    await eventually(async () => (await storedRows(ch)).length > 0, 'the write landing');
    // Re-keying and committing fail for a while; ingest keeps retrying instead of crashing.
    await new Promise((r) => setTimeout(r, 3_000));

    broker.resume();
    const admin = kafka.admin();
    await admin.connect();
    try {
      await eventually(
        async () => {
          const partitions = await admin.fetchOffsets(ingest!.groupId, topics.input);
          return (
            partitions.reduce((n, p) => n + Math.max(0, Number(p.offset)), 0) === messages.length
          );
        },
        'every message committed after the broker came back',
        90_000,
      );
    } finally {
      await admin.disconnect();
    }

    // Stored once: a chunk written again after the outage carries the same deduplication token.
    const rows = await storedRows(ch);
    expect(rows).toHaveLength(all.length);
    expect(new Set(rows.map((r) => `${r.TraceId}/${r.SpanId}`)).size).toBe(all.length);

    // Nothing was committed past records that never reached spans_by_trace.
    const records = await consumeUntil(
      kafka,
      topics.output,
      (rs) => rekeyed(rs).size >= all.length,
    );
    expect(rekeyed(records)).toEqual(new Set(all.map((s) => `${s.traceId}/${s.spanId}`)));
  });
});
