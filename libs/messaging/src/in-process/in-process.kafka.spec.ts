import { ensureTopics } from '../ensure-topics';
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
  it('hands up to partitionsConsumedConcurrently partitions over at the same time, each in order', async () => {
    const kafka = new InProcessKafka();
    await ensureTopics(kafka.admin(), [{ topic: 'c', partitions: 2 }]);
    await kafka.producer().send({
      topic: 'c',
      messages: [
        { value: 'a0', partition: 0 },
        { value: 'b0', partition: 1 },
        { value: 'a1', partition: 0 },
      ],
    });
    const started = new Set<number>();
    const seen: string[] = [];
    let releaseFirst!: () => void;
    const firstHeld = new Promise<void>((r) => (releaseFirst = r));
    const consumer = kafka.consumer({ groupId: 'c', sessionTimeoutMs: 6000 });
    await consumer.run({
      topic: 'c',
      fromBeginning: true,
      partitionsConsumedConcurrently: 2,
      eachBatch: async (batch) => {
        started.add(batch.partition);
        // Partition 0 is held until partition 1 has been handed over: only concurrent
        // delivery gets past this.
        if (batch.partition === 0) await firstHeld;
        for (const m of batch.messages) {
          seen.push(String(m.value));
          batch.resolveOffset(m.offset);
        }
      },
    });
    await until(() => started.has(1));
    releaseFirst();
    await until(() => seen.length === 3);
    expect(seen.filter((v) => v.startsWith('a'))).toEqual(['a0', 'a1']);
    await consumer.disconnect();
  });

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
    const consumer = kafka.consumer({ groupId: 'g', sessionTimeoutMs: 6000 });
    await consumer.run({
      topic: 't',
      fromBeginning: true,
      eachBatch: async (batch) => {
        for (const m of batch.messages) {
          seen.push({ p: batch.partition, key: m.key!.toString(), v: Number(m.value!.toString()) });
          batch.resolveOffset(m.offset);
        }
        await consumer.commit([
          {
            topic: 't',
            partition: batch.partition,
            offset: String(Number(batch.messages[batch.messages.length - 1].offset) + 1),
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
    const offsets = await admin.fetchOffsets('g', 't');
    expect(offsets.reduce((n, p) => n + Number(p.offset), 0)).toBe(100);
    expect(offsets.every((p) => p.metadata === 'm' || p.offset === '-1')).toBe(true);
  });

  it('keeps records a subscribed group has not read yet, however far another group has committed', async () => {
    const kafka = new InProcessKafka();
    await ensureTopics(kafka.admin(), [{ topic: 'events', partitions: 1 }]);
    /** A group that reads once `gate` opens, committing what it read. */
    const consume = async (groupId: string, into: string[], gate: Promise<void>) => {
      const consumer = kafka.consumer({ groupId, sessionTimeoutMs: 6000 });
      await consumer.run({
        topic: 'events',
        fromBeginning: true,
        eachBatch: async (batch) => {
          await gate;
          for (const m of batch.messages) {
            into.push(m.value!.toString());
            batch.resolveOffset(m.offset);
          }
          const last = batch.messages[batch.messages.length - 1].offset;
          await consumer.commit([
            { topic: 'events', partition: 0, offset: String(Number(last) + 1) },
          ]);
        },
      });
      return consumer;
    };
    const fast: string[] = [];
    const slow: string[] = [];
    let openSlow!: () => void;
    // Both groups subscribe before anything is produced; only the fast one reads at first.
    const a = await consume('fast', fast, Promise.resolve());
    const b = await consume('slow', slow, new Promise<void>((r) => (openSlow = r)));
    await kafka.producer().send({
      topic: 'events',
      messages: Array.from({ length: 50 }, (_, i) => ({ value: String(i) })),
    });
    await until(() => fast.length === 50);
    // Unread by the slow group: the topic's backlog is every record's value.
    const values = Array.from({ length: 50 }, (_, i) => String(i).length).reduce((a, n) => a + n);
    expect(kafka.backlogBytes('events')).toBe(values);
    expect(kafka.backlogBytes('no-such-topic')).toBe(0);
    // The fast group committed everything; the slow one reads now and still gets every record.
    openSlow();
    await until(() => slow.length === 50, 3000);
    expect(slow).toEqual(fast);
    // Read and committed by every group: nothing is held any more.
    await until(() => kafka.backlogBytes('events') === 0, 3000);
    await a.disconnect();
    await b.disconnect();
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
      kafka,
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
    const [p0] = await kafka.admin().fetchOffsets('g', 'in');
    expect(p0.offset).toBe('10');
  });

  it('elects its single member as leader, in generation 1', async () => {
    const kafka = new InProcessKafka();
    const elected: number[] = [];
    const election = new LeaderElection(kafka, {
      name: 'x',
      sessionTimeoutMs: 6000,
      onElected: (generation) => void elected.push(generation),
      onRevoked: () => undefined,
    });
    await election.start();
    await election.settled();
    expect(election.isLeader).toBe(true);
    expect(election.generation).toBe(1);
    expect(elected).toEqual([1]);
    await election.stop();
    expect(election.isLeader).toBe(false);
    expect(election.isLeading(1)).toBe(false);
  });

  it('keeps its leader while members join, and hands leadership on in the next generation', async () => {
    const kafka = new InProcessKafka();
    const log: string[] = [];
    const member = (id: string) =>
      new LeaderElection(kafka, {
        name: 'sticky',
        sessionTimeoutMs: 6000,
        onElected: (generation) => void log.push(`${id}+${generation}`),
        onRevoked: () => void log.push(`${id}-`),
      });
    const [a, b, c] = [member('a'), member('b'), member('c')];
    await a.start();
    await b.start();
    await c.start();
    expect([a.generation, b.isLeader, c.isLeader]).toEqual([1, false, false]);
    // Followers know the generation the leader leads in.
    expect([b.observedGeneration, c.observedGeneration]).toEqual([1, 1]);

    await a.stop();
    // The longest-standing member takes over; the generation moves on.
    expect([b.generation, c.isLeader]).toEqual([2, false]);
    const d = member('d');
    await d.start();
    expect([b.isLeading(2), d.isLeader]).toEqual([true, false]);
    await b.stop();
    await c.stop();
    await d.stop();
    expect(log).toEqual(['a+1', 'a-', 'b+2', 'b-', 'c+3', 'c-', 'd+4', 'd-']);
  });
});
