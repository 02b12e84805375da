import type { EachBatchPayload } from 'kafkajs';
import { ensureTopics } from '../kafka.factory';
import { LeaderElection } from '../leader.election';
import { type Chunk, PartitionBatchConsumer } from '../partition-batch.consumer';
import { InProcessKafka } from './in-process.kafka';

const until = async (cond: () => boolean, ms = 5000) => {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 10));
  }
};

describe(InProcessKafka.name, () => {
  it('keeps keys on one partition, per-partition order, and committed offsets with metadata', async () => {
    const kafka = new InProcessKafka();
    const admin = kafka.admin();
    await ensureTopics(admin, [{ topic: 't', partitions: 4 }]);
    const producer = kafka.producer();
    await producer.send({
      topic: 't',
      messages: Array.from({ length: 100 }, (_, i) => ({ key: `k${i % 7}`, value: String(i) })),
    });
    const seen: { p: number; key: string; v: number }[] = [];
    const consumer = kafka.consumer({ groupId: 'g' });
    await consumer.subscribe({ topic: 't', fromBeginning: true });
    await consumer.run({
      eachBatch: async ({ batch, resolveOffset }: EachBatchPayload) => {
        for (const m of batch.messages) {
          seen.push({ p: batch.partition, key: m.key!.toString(), v: Number(m.value!.toString()) });
          resolveOffset(m.offset);
        }
        await consumer.commitOffsets([
          {
            topic: 't',
            partition: batch.partition,
            offset: String(Number(batch.lastOffset()) + 1),
            metadata: 'm',
          },
        ]);
      },
    });
    await until(() => seen.length === 100);
    await consumer.disconnect();
    const partitionsByKey = new Map<string, Set<number>>();
    for (const s of seen)
      partitionsByKey.set(s.key, (partitionsByKey.get(s.key) ?? new Set()).add(s.p));
    expect([...partitionsByKey.values()].every((p) => p.size === 1)).toBe(true);
    for (const key of partitionsByKey.keys()) {
      const values = seen.filter((s) => s.key === key).map((s) => s.v);
      expect(values).toEqual([...values].sort((a, b) => a - b));
    }
    const offsets = await admin.fetchOffsets({ groupId: 'g', topics: ['t'] });
    expect(offsets[0].partitions.reduce((n, p) => n + Number(p.offset), 0)).toBe(100);
    expect(offsets[0].partitions.every((p) => p.metadata === 'm' || p.offset === '-1')).toBe(true);
  });

  it('keeps records a subscribed group has not read yet, however far another group has committed', async () => {
    const kafka = new InProcessKafka();
    await ensureTopics(kafka.admin(), [{ topic: 'events', partitions: 1 }]);
    const consume = async (groupId: string, into: string[]) => {
      const consumer = kafka.consumer({ groupId });
      await consumer.subscribe({ topic: 'events', fromBeginning: true });
      return {
        consumer,
        start: () =>
          consumer.run({
            eachBatch: async ({ batch }: EachBatchPayload) => {
              for (const m of batch.messages) into.push(m.value!.toString());
              await consumer.commitOffsets([
                { topic: 'events', partition: 0, offset: String(Number(batch.lastOffset()) + 1) },
              ]);
            },
          }),
      };
    };
    const fast: string[] = [];
    const slow: string[] = [];
    // Both groups subscribe before anything is produced; only the fast one reads at first.
    const a = await consume('fast', fast);
    const b = await consume('slow', slow);
    await a.start();
    await kafka.producer().send({
      topic: 'events',
      messages: Array.from({ length: 50 }, (_, i) => ({ value: String(i) })),
    });
    await until(() => fast.length === 50);
    // The fast group committed everything; the slow one starts now and still gets every record.
    await b.start();
    await until(() => slow.length === 50, 3000);
    expect(slow).toEqual(fast);
    await a.consumer.disconnect();
    await b.consumer.disconnect();
  });

  it('runs the PartitionBatchConsumer unchanged: plans, commits and redelivery of unresolved records', async () => {
    const kafka = new InProcessKafka();
    await ensureTopics(kafka.admin(), [{ topic: 'in', partitions: 1 }]);
    await kafka.producer().send({
      topic: 'in',
      messages: Array.from({ length: 10 }, (_, i) => ({ value: String(i) })),
    });
    const written: string[][] = [];
    let failOnce = true;
    const sut = new PartitionBatchConsumer<number>(
      kafka.asKafka(),
      {
        prepare: (r) => Number(r.value!.toString()),
        weight: () => ({ rows: 1, bytes: 1 }),
        write: async (c: Chunk<number>) => {
          if (failOnce) {
            failOnce = false;
            throw new Error('transient');
          }
          written.push(c.items.map((i) => i.record.offset));
        },
        deadLetter: async () => undefined,
      },
      {
        groupId: 'g',
        topic: 'in',
        maxRows: 4,
        maxBytes: 1000,
        maxWaitMs: 50,
        minBytes: 1,
        maxBytesPerPartition: 10_000,
        sessionTimeoutMs: 6000,
        retryMinMs: 5,
        retryMaxMs: 10,
        permanentAttempts: 2,
        partitionsConsumedConcurrently: 1,
        fromBeginning: true,
      },
    );
    await sut.start();
    await until(() => written.flat().length === 10);
    await sut.stop();
    expect(written.flat()).toEqual(Array.from({ length: 10 }, (_, i) => String(i)));
    expect(written.every((c) => c.length <= 4)).toBe(true);
    const [t] = await kafka.admin().fetchOffsets({ groupId: 'g', topics: ['in'] });
    expect(t.partitions[0].offset).toBe('10');
  });

  it('elects its single member as leader', async () => {
    const kafka = new InProcessKafka();
    let elected = 0;
    const election = new LeaderElection(kafka.asKafka(), {
      name: 'x',
      sessionTimeoutMs: 6000,
      onElected: () => void elected++,
      onRevoked: () => undefined,
    });
    await election.start();
    await election.settled();
    expect(election.isLeader).toBe(true);
    expect(elected).toBe(1);
    await election.stop();
    expect(election.isLeader).toBe(false);
  });
});
