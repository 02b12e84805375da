import { createTopics, testKafka, uniqueTopic } from '@t2t/test-support';
import {
  type Chunk,
  type ChunkWriter,
  type MessagingClient,
  PartitionBatchConsumer,
  type PartitionBatchConsumerOptions,
  PermanentWriteError,
  type SourceRecord,
} from '@t2t/messaging';

const options = (
  topic: string,
  groupId: string,
  overrides: Partial<PartitionBatchConsumerOptions> = {},
): PartitionBatchConsumerOptions => ({
  groupId,
  topic,
  maxRows: 1000,
  maxBytes: 64 * 1024,
  maxWaitMs: 100,
  minBytes: 1,
  maxBytesPerPartition: 1024 * 1024,
  sessionTimeoutMs: 10_000,
  retryMinMs: 20,
  retryMaxMs: 100,
  permanentAttempts: 2,
  partitionsConsumedConcurrently: 1,
  fromBeginning: true,
  ...overrides,
});

/** Records what was made durable, keyed by token; can fail on demand. */
class RecordingWriter implements ChunkWriter<number> {
  readonly written = new Map<string, string[]>();
  readonly deadLettered: string[] = [];
  attempts = 0;
  failNext: Error | undefined;
  /** Called after a write is recorded; may throw to simulate "written, then the process died". */
  afterWrite?: (chunk: Chunk<number>) => void;

  prepare(record: SourceRecord): number {
    return Number(record.value!.toString());
  }
  weight(): { rows: number; bytes: number } {
    return { rows: 1, bytes: 10 };
  }
  async write(chunk: Chunk<number>): Promise<void> {
    this.attempts++;
    if (this.failNext) throw this.failNext;
    this.written.set(
      chunk.token,
      chunk.items.map((i) => i.record.offset),
    );
    this.afterWrite?.(chunk);
  }
  async deadLetter(chunk: Chunk<number>): Promise<void> {
    this.deadLettered.push(...chunk.items.map((i) => i.record.offset));
  }
  offsets(): string[] {
    return [...this.written.values()].flat();
  }
}

async function produce(kafka: MessagingClient, topic: string, n: number): Promise<void> {
  const p = kafka.producer();
  await p.connect();
  await p.send({ topic, messages: Array.from({ length: n }, (_, i) => ({ value: String(i) })) });
  await p.disconnect();
}

async function committed(
  kafka: MessagingClient,
  groupId: string,
  topic: string,
): Promise<{ offset: string; metadata: string | null }> {
  const admin = kafka.admin();
  await admin.connect();
  const [p0] = await admin.fetchOffsets(groupId, topic);
  await admin.disconnect();
  return { offset: p0.offset, metadata: p0.metadata };
}

async function until(
  cond: () => boolean | Promise<boolean>,
  what: string,
  ms = 30_000,
): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe(PartitionBatchConsumer.name, () => {
  const kafka = testKafka('pbc-test');

  it('writes every record once, in chunks bounded by rows, and commits after each chunk', async () => {
    const topic = uniqueTopic('pbc.rows');
    const groupId = uniqueTopic('g');
    await createTopics(kafka, { [topic]: 1 });
    await produce(kafka, topic, 25);
    const writer = new RecordingWriter();
    const sut = new PartitionBatchConsumer(kafka, writer, options(topic, groupId, { maxRows: 10 }));
    await sut.start();
    await until(() => writer.offsets().length === 25, '25 records');
    await sut.stop();
    expect(writer.offsets()).toEqual(Array.from({ length: 25 }, (_, i) => String(i)));
    expect([...writer.written.values()].every((c) => c.length <= 10)).toBe(true);
    expect(await committed(kafka, groupId, topic)).toEqual({ offset: '25', metadata: null });
  });

  it('lets the event loop go between records whose preparation is long, within one chunk', async () => {
    const topic = uniqueTopic('pbc.slices');
    const groupId = uniqueTopic('g');
    await createTopics(kafka, { [topic]: 1 });
    await produce(kafka, topic, 4);
    /** What ran, in order: each record's preparation, and callbacks that waited for the loop. */
    const ran: string[] = [];
    const writer = new RecordingWriter();
    writer.prepare = (record: SourceRecord) => {
      // Longer than a slice (20 ms) by the clock, however busy the machine: every record ends one.
      const until = performance.now() + 30;
      while (performance.now() < until);
      ran.push(`prepare ${record.offset}`);
      // Runs only once the event loop is let go.
      setImmediate(() => ran.push(`waited after ${record.offset}`));
      return Number(record.value!.toString());
    };
    const sut = new PartitionBatchConsumer(kafka, writer, options(topic, groupId, { maxRows: 10 }));
    await sut.start();
    await until(() => writer.offsets().length === 4, '4 records');
    await sut.stop();
    // One chunk, and between two preparations what waited for the loop ran.
    expect(writer.written.size).toBe(1);
    for (const offset of ['0', '1', '2']) {
      expect(ran.indexOf(`waited after ${offset}`)).toBeGreaterThan(-1);
      expect(ran.indexOf(`waited after ${offset}`)).toBeLessThan(
        ran.indexOf(`prepare ${Number(offset) + 1}`),
      );
    }
  });

  it('holds back while writes fail and commits nothing past unwritten data, then resumes by itself', async () => {
    const topic = uniqueTopic('pbc.outage');
    const groupId = uniqueTopic('g');
    await createTopics(kafka, { [topic]: 1 });
    await produce(kafka, topic, 5);
    const writer = new RecordingWriter();
    writer.failNext = new Error('ClickHouse unavailable (simulated)');
    const sut = new PartitionBatchConsumer(kafka, writer, options(topic, groupId));
    await sut.start();
    await until(() => writer.attempts >= 3, 'retries');
    const during = await committed(kafka, groupId, topic);
    // The chunk's plan is recorded on the unchanged offset 0; nothing beyond it.
    expect(during.offset).toBe('0');
    expect(JSON.parse(during.metadata!)).toEqual({ v: 1, first: '0', last: '4' });
    expect(writer.written.size).toBe(0);
    writer.failNext = undefined;
    await until(() => writer.offsets().length === 5, 'recovery');
    await sut.stop();
    expect(await committed(kafka, groupId, topic)).toEqual({ offset: '5', metadata: null });
  });

  it('after dying between write and commit, the next owner replays exactly the same chunk (same token)', async () => {
    const topic = uniqueTopic('pbc.replay');
    const groupId = uniqueTopic('g');
    await createTopics(kafka, { [topic]: 1 });
    await produce(kafka, topic, 12);

    // First owner: writes its first chunk (0..11), then "dies" before committing it.
    const first = new RecordingWriter();
    let stopping: Promise<void> | undefined;
    const a = new PartitionBatchConsumer(kafka, first, options(topic, groupId, { maxRows: 100 }));
    first.afterWrite = () => {
      // The write landed but its acknowledgement never arrives, and the member goes away.
      stopping ??= a.stop();
      throw new Error('process died after the write (simulated)');
    };
    await a.start();
    await until(() => stopping !== undefined, 'first write');
    await stopping;
    const [tokenA] = [...first.written.keys()];
    expect(first.written.get(tokenA)).toHaveLength(12);
    expect((await committed(kafka, groupId, topic)).offset).toBe('0');

    // Second owner with a much smaller chunk bound: its own cutting would differ, but the plan wins.
    const second = new RecordingWriter();
    const b = new PartitionBatchConsumer(kafka, second, options(topic, groupId, { maxRows: 5 }));
    await b.start();
    await until(() => second.offsets().length >= 12, 'replay');
    await b.stop();
    expect([...second.written.keys()][0]).toBe(tokenA);
    expect(second.written.get(tokenA)).toEqual(first.written.get(tokenA));
    expect(await committed(kafka, groupId, topic)).toEqual({ offset: '12', metadata: null });
  });

  it('stop() in the middle of a write lets it finish and commits the chunk before leaving', async () => {
    const topic = uniqueTopic('pbc.drain');
    const groupId = uniqueTopic('g');
    await createTopics(kafka, { [topic]: 1 });
    await produce(kafka, topic, 5);
    const writer = new RecordingWriter();
    let writing!: () => void;
    const inWrite = new Promise<void>((r) => (writing = r));
    let release!: () => void;
    const released = new Promise<void>((r) => (release = r));
    const write = writer.write.bind(writer);
    writer.write = async (chunk) => {
      writing();
      await released;
      await write(chunk);
    };
    const sut = new PartitionBatchConsumer(kafka, writer, options(topic, groupId));
    await sut.start();
    await inWrite;

    const stopped = sut.stop();
    await new Promise((r) => setImmediate(r));
    release();
    await stopped;
    expect(writer.offsets()).toEqual(['0', '1', '2', '3', '4']);
    // The chunk in hand is committed: its last offset + 1, its plan cleared.
    expect(await committed(kafka, groupId, topic)).toEqual({ offset: '5', metadata: null });

    // The next member starts after the drained chunk: nothing written twice.
    await produce(kafka, topic, 1);
    const next = new RecordingWriter();
    const b = new PartitionBatchConsumer(kafka, next, options(topic, groupId));
    await b.start();
    await until(() => next.offsets().length >= 1, 'the next record');
    await b.stop();
    expect(next.offsets()).toEqual(['5']);
    expect(await committed(kafka, groupId, topic)).toEqual({ offset: '6', metadata: null });
  });

  it('dead-letters a chunk the writer refuses permanently and moves on', async () => {
    const topic = uniqueTopic('pbc.refused');
    const groupId = uniqueTopic('g');
    await createTopics(kafka, { [topic]: 1 });
    await produce(kafka, topic, 3);
    const writer = new RecordingWriter();
    writer.failNext = new PermanentWriteError('rows refused');
    const sut = new PartitionBatchConsumer(kafka, writer, options(topic, groupId));
    await sut.start();
    await until(() => writer.deadLettered.length === 3, 'dead letters');
    await until(async () => (await committed(kafka, groupId, topic)).offset === '3', 'commit');
    await sut.stop();
    expect(writer.attempts).toBe(2);
    expect(writer.deadLettered).toEqual(['0', '1', '2']);
  });
});
