import type { INestMicroservice } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { consumeUntil, createTopics, eventually, testKafka, uniqueTopic } from '@t2t/test-support';
import {
  HEADERS,
  KafkaBatchTransport,
  type KafkaBatchTransportOptions,
  type MessagingClient,
} from '@t2t/messaging';
import { type Call, handlersModule, type OnBatch } from './recording-handlers';

const decodeNumber = (r: { value: Buffer | null }) => {
  const n = Number(r.value?.toString());
  if (!Number.isFinite(n)) throw new Error(`not a number: ${r.value?.toString()}`);
  return n;
};

describe(`${KafkaBatchTransport.name} on Kafka`, () => {
  const kafka = testKafka('kafka-batch-test');
  let apps: INestMicroservice[] = [];

  afterEach(async () => {
    for (const app of apps) await app.close();
    apps = [];
  });

  async function topics(spec: Record<string, number>): Promise<void> {
    const all: Record<string, number> = {};
    for (const [t, n] of Object.entries(spec)) {
      all[t] = n;
      all[`${t}.dlq`] = 1;
    }
    await createTopics(kafka, all);
  }

  async function produce(topic: string, values: string[], partition = 0): Promise<void> {
    const p = kafka.producer();
    await p.connect();
    await p.send({
      topic,
      messages: values.map((value, i) => ({ value, partition, headers: { 'x-n': String(i) } })),
    });
    await p.disconnect();
  }

  async function start(
    groupId: string,
    handlers: Record<string, OnBatch>,
    calls: Call[],
    options: Partial<KafkaBatchTransportOptions> = {},
    client: MessagingClient = kafka,
  ): Promise<{ app: INestMicroservice; sut: KafkaBatchTransport }> {
    const sut = new KafkaBatchTransport(client, {
      groupId,
      decode: decodeNumber,
      maxWaitMs: 100,
      sessionTimeoutMs: 10_000,
      retryMinMs: 50,
      retryMaxMs: 200,
      ...options,
    });
    const app = await NestFactory.createMicroservice(
      handlersModule(handlers, calls, { heartbeat: true }),
      {
        strategy: sut,
        logger: false,
      },
    );
    apps.push(app);
    await app.listen();
    return { app, sut };
  }

  async function committed(groupId: string, topic: string): Promise<string[]> {
    const admin = kafka.admin();
    await admin.connect();
    try {
      return (await admin.fetchOffsets(groupId, topic)).map((o) => o.offset);
    } finally {
      await admin.disconnect();
    }
  }

  it('hands batches to an @EventPattern handler with their context and commits after it resolves', async () => {
    const t = uniqueTopic('kbt.ctx');
    const g = uniqueTopic('g');
    await topics({ [t]: 1 });
    await produce(t, ['1', '2', '3', '4', '5']);
    const calls: Call[] = [];
    const { sut } = await start(g, { [t]: () => undefined }, calls);

    await eventually(() => calls.flatMap((c) => c.values).length === 5, 'five records');
    expect(calls.flatMap((c) => c.values)).toEqual([1, 2, 3, 4, 5]);
    expect(calls.flatMap((c) => c.headers.map((h) => h['x-n']))).toEqual(['0', '1', '2', '3', '4']);
    for (const c of calls) {
      expect(c).toMatchObject({ topic: t, partition: 0 });
      expect(c.firstOffset).toBe(c.offsets[0]);
      expect(c.lastOffset).toBe(c.offsets[c.offsets.length - 1]);
    }
    await eventually(async () => (await committed(`${g}.${t}`, t))[0] === '5', 'offset 5');
    expect(sut.problem()).toBeUndefined();
  });

  it('gives a throwing handler the same records again and commits nothing past them', async () => {
    const t = uniqueTopic('kbt.retry');
    const g = uniqueTopic('g');
    await topics({ [t]: 1 });
    await produce(t, ['1', '2', '3']);
    const calls: Call[] = [];
    let failing = true;
    await start(
      g,
      {
        [t]: () => {
          if (failing) throw new Error('database down (simulated)');
        },
      },
      calls,
    );
    await eventually(() => calls.length >= 3, 'two retries');
    expect(await committed(`${g}.${t}`, t)).not.toContain('3');
    await produce(t, ['4']);
    failing = false;
    await eventually(() => calls.flatMap((c) => c.values).includes(4), 'the later record');
    const last = calls.findIndex((c) => c.offsets.includes('3'));
    expect(calls.slice(0, last).every((c) => c.offsets.join() === '0,1,2')).toBe(true);
    expect(calls[last].offsets).toEqual(['3']);
    await eventually(async () => (await committed(`${g}.${t}`, t))[0] === '4', 'offset 4');
  });

  it('dead-letters an undecodable record with the reason while later records of its partition are handled', async () => {
    const t = uniqueTopic('kbt.poison');
    const g = uniqueTopic('g');
    await topics({ [t]: 1 });
    await produce(t, ['1', 'garbage', '3']);
    const calls: Call[] = [];
    await start(g, { [t]: () => undefined }, calls);
    await eventually(() => calls.flatMap((c) => c.values).includes(3), 'the record after it');
    expect(calls.flatMap((c) => c.values)).toEqual([1, 3]);

    const dead = await consumeUntil(kafka, `${t}.dlq`, (r) => r.length >= 1);
    expect(dead).toHaveLength(1);
    expect(dead[0].value.toString()).toBe('garbage');
    expect(dead[0].headers).toMatchObject({
      [HEADERS.dlqReason]: 'not a number: garbage',
      [HEADERS.dlqSourceTopic]: t,
      [HEADERS.dlqSourcePartition]: '0',
      [HEADERS.dlqSourceOffset]: '1',
      'x-n': '1',
    });
    await eventually(async () => (await committed(`${g}.${t}`, t))[0] === '3', 'offset 3');
  });

  it('serves two topics with two handlers in one process', async () => {
    const a = uniqueTopic('kbt.a');
    const b = uniqueTopic('kbt.b');
    const g = uniqueTopic('g');
    await topics({ [a]: 1, [b]: 2 });
    await produce(a, ['1', '2']);
    await produce(b, ['10'], 0);
    await produce(b, ['20'], 1);
    const calls: Call[] = [];
    await start(g, { [a]: () => undefined, [b]: () => undefined }, calls);
    await eventually(() => calls.flatMap((c) => c.values).length === 4, 'four records');
    const of = (x: string) =>
      calls
        .filter((c) => c.topic === x)
        .flatMap((c) => c.values)
        .sort();
    expect(of(a)).toEqual([1, 2]);
    expect(of(b)).toEqual([10, 20]);
    await eventually(
      async () => (await committed(`${g}.${b}`, b)).sort().join() === '1,1',
      'both partitions of b committed',
    );
  });

  it('close() in the middle of a batch lets the handler finish and commits the batch in hand', async () => {
    const t = uniqueTopic('kbt.drain');
    const g = uniqueTopic('g');
    await topics({ [t]: 1 });
    await produce(t, ['1', '2', '3']);
    const calls: Call[] = [];
    let release!: () => void;
    const released = new Promise<void>((r) => (release = r));
    const { app } = await start(g, { [t]: () => released }, calls);
    await eventually(() => calls.length === 1, 'the batch in the handler');
    expect(calls[0].offsets).toEqual(['0', '1', '2']);

    const closed = app.close();
    await new Promise((r) => setImmediate(r));
    release();
    await closed;
    apps = [];
    // The batch in hand is committed: last offset + 1, without plan metadata.
    expect(await committed(`${g}.${t}`, t)).toEqual(['3']);

    await produce(t, ['4']);
    const next: Call[] = [];
    await start(g, { [t]: () => undefined }, next);
    await eventually(() => next.flatMap((c) => c.offsets).includes('3'), 'the next record');
    // The next member starts right after the drained batch: nothing handled twice, nothing skipped.
    expect(next.flatMap((c) => c.offsets)).toEqual(['3']);
    await eventually(async () => (await committed(`${g}.${t}`, t))[0] === '4', 'offset 4');
  });
});
