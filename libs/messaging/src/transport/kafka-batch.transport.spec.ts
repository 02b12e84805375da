import type { INestMicroservice } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { RpcException } from '@nestjs/microservices';
import { HEADERS } from '../headers';
import { InProcessKafka } from '../in-process/in-process.kafka';
import { PermanentWriteError } from '../partition-batch.consumer';
import type { GroupConsumer, MessagingClient } from '../port/messaging.port';
import { KafkaBatchTransport, type KafkaBatchTransportOptions } from './kafka-batch.transport';
import { type Call, handlersModule, type OnBatch } from '../../test/recording-handlers';

async function until(cond: () => boolean | Promise<boolean>, what: string): Promise<void> {
  const deadline = Date.now() + 20_000;
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

const decodeNumber = (r: { value: Buffer | null }) => {
  const n = Number(r.value?.toString());
  if (!Number.isFinite(n)) throw new Error(`not a number: ${r.value?.toString()}`);
  return n;
};

describe(KafkaBatchTransport.name, () => {
  let kafka: InProcessKafka;
  let apps: INestMicroservice[];

  beforeEach(() => {
    kafka = new InProcessKafka();
    apps = [];
  });
  afterEach(async () => {
    for (const app of apps) await app.close();
  });

  function topic(name: string, partitions = 1): string {
    kafka.broker.createTopic(name, partitions);
    kafka.broker.createTopic(`${name}.dlq`, 1);
    return name;
  }

  const produce = (t: string, values: string[], partition = 0) =>
    kafka.broker.append(
      t,
      values.map((value, i) => ({ value, partition, headers: { 'x-n': String(i) } })),
    );

  async function start(
    handlers: Record<string, OnBatch>,
    calls: Call[],
    options: Partial<KafkaBatchTransportOptions> = {},
    client: MessagingClient = kafka,
  ): Promise<{ app: INestMicroservice; sut: KafkaBatchTransport }> {
    const sut = new KafkaBatchTransport(client, {
      groupId: 'g',
      decode: decodeNumber,
      maxWaitMs: 20,
      retryMinMs: 10,
      retryMaxMs: 50,
      ...options,
    });
    const app = await NestFactory.createMicroservice(handlersModule(handlers, calls), {
      strategy: sut,
      logger: false,
    });
    apps.push(app);
    await app.listen();
    return { app, sut };
  }

  const committed = async (t: string, group = `g.${t}`) =>
    (await kafka.admin().fetchOffsets(group, t)).map((o) => o.offset);

  it('hands batches to the @EventPattern handler with their topic, partition, offsets and headers, then commits', async () => {
    const t = topic('orders');
    produce(t, ['1', '2', '3', '4', '5']);
    const calls: Call[] = [];
    await start({ [t]: () => undefined }, calls);

    await until(() => calls.flatMap((c) => c.values).length === 5, 'five records');
    expect(calls.flatMap((c) => c.values)).toEqual([1, 2, 3, 4, 5]);
    for (const c of calls) {
      expect(c).toMatchObject({ topic: t, partition: 0, isContext: true });
      expect(c.firstOffset).toBe(c.offsets[0]);
      expect(c.lastOffset).toBe(c.offsets[c.offsets.length - 1]);
    }
    expect(calls.flatMap((c) => c.headers.map((h) => h['x-n']))).toEqual(['0', '1', '2', '3', '4']);
    await until(async () => (await committed(t))[0] === '5', 'offset 5 committed');
  });

  it('bounds a batch by maxBatchRecords', async () => {
    const t = topic('bounded');
    produce(t, ['1', '2', '3', '4', '5']);
    const calls: Call[] = [];
    await start({ [t]: () => undefined }, calls, { maxBatchRecords: 2 });
    await until(() => calls.flatMap((c) => c.values).length === 5, 'five records');
    expect(calls.map((c) => c.offsets)).toEqual([['0', '1'], ['2', '3'], ['4']]);
  });

  it('gives a throwing handler the same records again and commits nothing past them meanwhile', async () => {
    const t = topic('flaky');
    produce(t, ['1', '2', '3']);
    const calls: Call[] = [];
    let failures = 3;
    await start(
      {
        [t]: () => {
          if (failures-- > 0) throw new Error('database down (simulated)');
        },
      },
      calls,
    );
    await until(() => calls.length >= 2, 'a retry');
    // Records produced while the handler fails wait behind the failing batch.
    produce(t, ['4']);
    expect(await committed(t)).not.toContain('3');
    await until(() => calls.length >= 4, 'success after three failures');
    expect(calls.slice(0, 4).map((c) => c.offsets)).toEqual([
      ['0', '1', '2'],
      ['0', '1', '2'],
      ['0', '1', '2'],
      ['0', '1', '2'],
    ]);
    await until(() => calls.flatMap((c) => c.values).includes(4), 'the later record');
    await until(async () => (await committed(t))[0] === '4', 'offset 4 committed');
  });

  it('sends undecodable records to the dead-letter topic with the reason and hands over the rest', async () => {
    const t = topic('poison');
    produce(t, ['1', 'not-json', '3']);
    const calls: Call[] = [];
    await start({ [t]: () => undefined }, calls);
    await until(() => calls.flatMap((c) => c.values).length === 2, 'the good records');
    expect(calls.flatMap((c) => c.values)).toEqual([1, 3]);
    expect(calls.flatMap((c) => c.offsets)).toEqual(['0', '2']);
    expect(calls[0].lastOffset).toBe('2');

    const dead = kafka.broker.read(`${t}.dlq`, 0, 0, 1 << 20);
    expect(dead).toHaveLength(1);
    expect(dead[0].value?.toString()).toBe('not-json');
    const h = (k: string) => String(dead[0].headers[k]);
    expect(h(HEADERS.dlqReason)).toBe('not a number: not-json');
    expect(h(HEADERS.dlqSourceTopic)).toBe(t);
    expect(h(HEADERS.dlqSourcePartition)).toBe('0');
    expect(h(HEADERS.dlqSourceOffset)).toBe('1');
    expect(h('x-n')).toBe('1');
    await until(async () => (await committed(t))[0] === '3', 'offset 3 committed');
  });

  it('dead-letters once when the handler of the same batch fails and is retried', async () => {
    const t = topic('poison-retry');
    produce(t, ['1', 'bad', '3']);
    const calls: Call[] = [];
    let failures = 2;
    await start(
      {
        [t]: () => {
          if (failures-- > 0) throw new Error('database down (simulated)');
        },
      },
      calls,
    );
    await until(async () => (await committed(t))[0] === '3', 'offset 3 committed');
    expect(calls.map((c) => c.values)).toEqual([
      [1, 3],
      [1, 3],
      [1, 3],
    ]);
    expect(kafka.broker.read(`${t}.dlq`, 0, 0, 1 << 20)).toHaveLength(1);
  });

  it('commits a batch of only undecodable records without calling the handler', async () => {
    const t = topic('poison-only');
    produce(t, ['x', 'y']);
    const calls: Call[] = [];
    await start({ [t]: () => undefined }, calls);
    await until(async () => (await committed(t))[0] === '2', 'offset 2 committed');
    expect(calls).toHaveLength(0);
    expect(kafka.broker.read(`${t}.dlq`, 0, 0, 1 << 20)).toHaveLength(2);
  });

  it('serves two topics with two handlers in one process', async () => {
    const a = topic('topic-a');
    const b = topic('topic-b', 2);
    produce(a, ['1', '2']);
    produce(b, ['10'], 0);
    produce(b, ['20'], 1);
    const calls: Call[] = [];
    await start({ [a]: () => undefined, [b]: () => undefined }, calls);
    await until(() => calls.flatMap((c) => c.values).length === 4, 'four records');
    const of = (x: string) =>
      calls
        .filter((c) => c.topic === x)
        .flatMap((c) => c.values)
        .sort();
    expect(of(a)).toEqual([1, 2]);
    expect(of(b)).toEqual([10, 20]);
    expect(new Set(calls.filter((c) => c.topic === b).map((c) => c.partition))).toEqual(
      new Set([0, 1]),
    );
  });

  it('close() lets the batch in hand finish and commits it', async () => {
    const t = topic('drain');
    produce(t, ['1', '2', '3']);
    const calls: Call[] = [];
    let release!: () => void;
    const released = new Promise<void>((r) => (release = r));
    const { app } = await start({ [t]: () => released }, calls);
    await until(() => calls.length === 1, 'the batch in the handler');

    const closed = app.close();
    await new Promise((r) => setImmediate(r));
    release();
    await closed;
    apps = [];
    expect(await committed(t)).toEqual(['3']);

    // The next consumer of the group starts after the drained batch.
    produce(t, ['4']);
    const next: Call[] = [];
    await start({ [t]: () => undefined }, next);
    await until(() => next.length === 1, 'the next record');
    expect(next[0].offsets).toEqual(['3']);
  });

  it('reports through problem() whether it consumes: before listening, after a crash, once closed', async () => {
    const t = topic('health');
    const crashListeners: ((e: Error, restarting: boolean) => void)[] = [];
    const fetchedListeners: (() => void)[] = [];
    const client: MessagingClient = {
      producer: () => kafka.producer(),
      admin: () => kafka.admin(),
      electionMember: (o) => kafka.electionMember(o),
      consumer: (o) => {
        const inner = kafka.consumer(o);
        const c: GroupConsumer = {
          onAssignment: (l) => inner.onAssignment(l),
          onCrash: (l) => {
            crashListeners.push(l);
            inner.onCrash(l);
          },
          // Only the test says when a fetch completed.
          onFetched: (l) => fetchedListeners.push(l),
          run: (r) => inner.run(r),
          commit: (x) => inner.commit(x),
          disconnect: () => inner.disconnect(),
        };
        return c;
      },
    };
    const unstarted = new KafkaBatchTransport(client, { groupId: 'g' });
    expect(unstarted.problem()).toMatch(/not listening/);

    const calls: Call[] = [];
    const { app, sut } = await start({ [t]: () => undefined }, calls, {}, client);
    expect(sut.problem()).toBeUndefined();

    for (const l of crashListeners) l(new Error('broker connection lost (simulated)'), true);
    expect(sut.problem()).toMatch(/broker connection lost/);
    // Consuming again clears it.
    produce(t, ['1']);
    await until(() => sut.problem() === undefined, 'the crash to clear');

    // A passing crash on an idle topic (the coordinator loading at start-up) ends with the next
    // completed fetch, though no record comes to write.
    for (const l of crashListeners) l(new Error('The coordinator is loading (simulated)'), true);
    expect(sut.problem()).toMatch(/coordinator is loading/);
    for (const l of fetchedListeners) l();
    expect(sut.problem()).toBeUndefined();

    await app.close();
    apps = [];
    expect(sut.problem()).toMatch(/closed/);
  });

  it('consumes the topic topicFor maps a logical pattern to, and skips patterns mapped to nothing', async () => {
    const t = topic('configured.orders');
    produce(t, ['1', '2']);
    const calls: Call[] = [];
    await start({ 'orders.logical': () => undefined, other: () => undefined }, calls, {
      topicFor: (p) => (p === 'orders.logical' ? t : undefined),
      groupIdFor: () => 'orders-group',
    });
    await until(async () => (await committed(t, 'orders-group'))[0] === '2', 'the commit');
    expect(calls.map((c) => [c.topic, c.values])).toEqual([[t, [1, 2]]]);
  });

  it('bounds batches by the rows weight gives and hands over a token that names the range', async () => {
    const t = topic('weighted');
    produce(t, ['3', '3', '3', '1']);
    const calls: Call[] = [];
    const tokens: (string | undefined)[] = [];
    await start(
      {
        [t]: (_v, ctx) => {
          tokens.push(ctx.token);
        },
      },
      calls,
      { maxBatchRecords: 6, weight: (n) => ({ rows: n as number, bytes: 1 }) },
    );
    await until(async () => (await committed(t))[0] === '4', 'the commit');
    expect(calls.map((c) => c.values)).toEqual([
      [3, 3],
      [3, 1],
    ]);
    expect(tokens).toEqual([`g.${t}/${t}/0/0-1`, `g.${t}/${t}/0/2-3`]);
  });

  it('dead-letters a batch refused permanently permanentAttempts times through deadLetterBatch', async () => {
    const t = topic('refused');
    produce(t, ['1', '2']);
    const calls: Call[] = [];
    const refused: { offsets: string[]; error: string }[] = [];
    await start(
      {
        [t]: () => {
          throw new RpcException(new PermanentWriteError('no such column'));
        },
      },
      calls,
      {
        permanentAttempts: 2,
        deadLetterBatch: async (records, error) => {
          refused.push({ offsets: records.map((r) => r.offset), error: error.message });
        },
      },
    );
    await until(async () => (await committed(t))[0] === '2', 'the commit');
    expect(calls).toHaveLength(2);
    expect(refused).toEqual([{ offsets: ['0', '1'], error: 'no such column' }]);
  });

  it('refuses to start when a source or dead-letter topic is missing', async () => {
    kafka.broker.createTopic('no-dlq', 1);
    const sut = new KafkaBatchTransport(kafka, { groupId: 'g' });
    const app = await NestFactory.createMicroservice(
      handlersModule({ 'no-dlq': () => undefined }, []),
      { strategy: sut, logger: false },
    );
    apps.push(app);
    await expect(app.listen()).rejects.toThrow('missing topics: no-dlq.dlq');
    expect(sut.problem()).toMatch(/failed to start/);
  });

  describe("commits: 'handler' (stateful handlers)", () => {
    const committedWithMetadata = async (t: string) =>
      (await kafka.admin().fetchOffsets(`g.${t}`, t)).map((o) => [o.offset, o.metadata]);

    it('commits the offset and metadata the handler chose, not the end of the batch', async () => {
      const t = topic('windows');
      const calls: Call[] = [];
      const assigned: number[][] = [];
      await start(
        {
          [t]: (_values, ctx) => {
            // Records from offset 1 on are still held open: commit 1, with the state reached.
            ctx.commitAt('1', `through ${ctx.lastOffset}`);
          },
        },
        calls,
        { commits: 'handler', onAssignment: (_topic, partitions) => assigned.push(partitions) },
      );
      produce(t, ['1', '2', '3']);
      await until(() => calls.flatMap((c) => c.values).length === 3, 'three records');
      await until(
        async () => (await committedWithMetadata(t))[0]?.[1] === 'through 2',
        'the chosen commit',
      );
      expect(await committedWithMetadata(t)).toEqual([['1', 'through 2']]);
      expect(assigned).toContainEqual([0]);
      // Later records come on from the fetch position, not from the committed offset.
      produce(t, ['4']);
      await until(() => calls.flatMap((c) => c.values).length === 4, 'the fourth record');
      expect(calls.flatMap((c) => c.offsets)).toEqual(['0', '1', '2', '3']);
    });

    it('commits nothing when the handler says null, and past the batch never', async () => {
      const t = topic('held');
      const calls: Call[] = [];
      let ask: string | null = null;
      await start({ [t]: (_v, ctx) => ctx.commitAt(ask) }, calls, { commits: 'handler' });
      produce(t, ['1', '2']);
      await until(() => calls.length === 1, 'a batch');
      expect(await committed(t)).toEqual(['-1']);
      // Asking past the batch's end is refused (the handler is called again) and nothing commits.
      ask = '9';
      produce(t, ['3']);
      await until(() => calls.length >= 3, 'the refused batch again');
      expect(await committed(t)).toEqual(['-1']);
      ask = '3';
      await until(async () => (await committed(t))[0] === '3', 'the corrected commit');
    });

    it('commits between batches through commit(), and only for an owned partition', async () => {
      const t = topic('idle');
      const calls: Call[] = [];
      const { sut } = await start({ [t]: (_v, ctx) => ctx.commitAt(null) }, calls, {
        commits: 'handler',
      });
      produce(t, ['1']);
      await until(() => calls.length === 1, 'a batch');
      await sut.commit(t, 0, '1', 'closed while idle');
      expect(await committedWithMetadata(t)).toEqual([['1', 'closed while idle']]);
      await expect(sut.commit('elsewhere', 0, '1')).rejects.toThrow(/does not consume elsewhere/);
    });

    it('does not move the commit past a stateful handler for a batch of only undecodable records', async () => {
      const t = topic('poisoned');
      const calls: Call[] = [];
      await start({ [t]: (_v, ctx) => ctx.commitAt(null) }, calls, { commits: 'handler' });
      produce(t, ['1']);
      await until(() => calls.length === 1, 'a batch');
      produce(t, ['x', 'y']);
      await until(
        () => kafka.broker.read(`${t}.dlq`, 0, 0, 1 << 20).length === 2,
        'two dead letters',
      );
      // The dead letters are sent before the (empty) batch's commit decision: let that pass too.
      produce(t, ['4']);
      await until(() => calls.length === 2, 'the next batch');
      expect(await committed(t)).toEqual(['-1']);
    });

    it('refuses commitAt and commit() on a batch-committing transport', async () => {
      const t = topic('plain');
      let error: unknown;
      const { sut } = await start(
        {
          [t]: (_v, ctx) => {
            try {
              ctx.commitAt('0');
            } catch (e) {
              error = e;
            }
          },
        },
        [],
      );
      produce(t, ['1']);
      await until(async () => (await committed(t))[0] === '1', 'the batch committed');
      expect(String(error)).toMatch(/commitAt\(\) is for commits: 'handler'/);
      await expect(sut.commit(t, 0, '1')).rejects.toThrow(/is for commits: 'handler'/);
    });
  });
});
