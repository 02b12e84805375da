import { testBrokers, uniqueTopic } from '@t2t/test-support';
import { createKafka, ensureTopics, kafkaEnv, KafkaConfigError } from '@t2t/messaging';

describe('Kafka wiring against the real broker', () => {
  const config = kafkaEnv.parse({
    KAFKA_BROKERS: testBrokers().join(','),
    KAFKA_CLIENT_ID: 'messaging-test',
  });
  const kafka = createKafka(config);
  const admin = kafka.admin();

  beforeAll(() => admin.connect());
  afterAll(() => admin.disconnect());

  it('produces keyed records and consumes them in a group, every key on one partition', async () => {
    const topic = uniqueTopic('roundtrip');
    await ensureTopics(admin, [{ topic, partitions: 4 }]);
    const producer = kafka.producer();
    await producer.connect();
    const sent = Array.from({ length: 500 }, (_, i) => ({
      key: `trace-${i % 37}`,
      value: Buffer.from(JSON.stringify({ i })),
      headers: { 'content-type': 'application/json' },
    }));
    await producer.send({ topic, messages: sent, compression: 'gzip', acks: -1 });
    await producer.disconnect();

    const consumer = kafka.consumer({ groupId: uniqueTopic('group'), sessionTimeoutMs: 30_000 });
    const received: { key: string; i: number; partition: number; header: string }[] = [];
    await new Promise<void>((resolve, reject) => {
      consumer
        .run({
          topic,
          fromBeginning: true,
          eachBatch: async (batch) => {
            for (const m of batch.messages) {
              received.push({
                key: m.key!.toString(),
                i: (JSON.parse(m.value!.toString()) as { i: number }).i,
                partition: batch.partition,
                header: String(m.headers?.['content-type']),
              });
              batch.resolveOffset(m.offset);
            }
            if (received.length >= sent.length) resolve();
          },
        })
        .catch(reject);
    });
    await consumer.disconnect();

    expect(received.map((r) => r.i).sort((a, b) => a - b)).toEqual(sent.map((_, i) => i));
    expect(new Set(received.map((r) => r.header))).toEqual(new Set(['application/json']));
    const partitionsByKey = new Map<string, Set<number>>();
    for (const r of received)
      partitionsByKey.set(r.key, (partitionsByKey.get(r.key) ?? new Set()).add(r.partition));
    expect([...partitionsByKey.values()].every((p) => p.size === 1)).toBe(true);
    expect(new Set(received.map((r) => r.partition)).size).toBeGreaterThan(1);
  });

  it('creates missing topics once, even when replicas ask at the same time', async () => {
    const topic = uniqueTopic('ensure');
    const admins = [kafka.admin(), kafka.admin(), kafka.admin()];
    await Promise.all(admins.map((a) => a.connect()));
    const results = await Promise.all(
      admins.map((a) =>
        ensureTopics(a, [{ topic, partitions: 3, configs: { 'retention.ms': '3600000' } }]),
      ),
    );
    await Promise.all(admins.map((a) => a.disconnect()));
    expect(results.every((r) => r.short.length === 0)).toBe(true);
    const meta = await admin.fetchTopicMetadata([topic]);
    expect(meta[0].partitions).toHaveLength(3);

    // Asked for more partitions than exist: reported, not changed.
    const again = await ensureTopics(admin, [{ topic, partitions: 6 }]);
    expect(again).toEqual({ created: [], short: [`${topic} (3 < 6)`] });
  });

  it('says what is missing when the brokers or SASL credentials are not configured', () => {
    expect(() => createKafka(kafkaEnv.parse({}))).toThrow(KafkaConfigError);
    // Credentials are checked when the options are parsed, at start-up.
    expect(() =>
      kafkaEnv.parse({ KAFKA_BROKERS: 'a:9092', KAFKA_SASL_MECHANISM: 'plain' }),
    ).toThrow(
      'KAFKA_SASL_USERNAME: is required with KAFKA_SASL_MECHANISM=plain\n  - KAFKA_SASL_PASSWORD: is required with KAFKA_SASL_MECHANISM=plain (or KAFKA_SASL_PASSWORD_FILE)',
    );
  });
});
