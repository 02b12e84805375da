import { randomBytes } from 'node:crypto';
import {
  type ConsumedMessage,
  createKafkaClient,
  isRetriableKafkaError,
  type MessagingClient,
} from '@t2t/messaging';

/** Address of the broker the integration run started (test/kafka/global-setup.ts). */
export function testBrokers(): string[] {
  const brokers = process.env.T2T_TEST_KAFKA_BROKERS;
  if (!brokers)
    throw new Error(
      'T2T_TEST_KAFKA_BROKERS is not set: run integration tests through jest (global setup starts the broker)',
    );
  return brokers.split(',');
}

/** A topic name no other test uses. */
export function uniqueTopic(prefix: string): string {
  return `${prefix}.${Date.now().toString(36)}.${randomBytes(3).toString('hex')}`;
}

/** A client of the test broker, through the messaging port the services use. */
export function testKafka(clientId = 'test'): MessagingClient {
  return createKafkaClient({
    clientId,
    brokers: testBrokers(),
    logs: 'silent',
    retry: { retries: 10, initialRetryTimeMs: 100 },
  });
}

/**
 * Runs `fn` again while the broker answers "not now" (`isRetriableKafkaError`: the coordinator is
 * loading, not the coordinator, no leader yet, a topic not known everywhere yet, a timeout), with
 * a doubling pause, for at most `timeoutMs`; any other error, or the last retriable one after the
 * time is up, fails the helper. A loaded machine makes these answers common right after the
 * broker (re)starts or a topic is created, and the client's own retries may run out first.
 */
export async function retryBroker<T>(
  what: string,
  fn: () => Promise<T>,
  timeoutMs = 60_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let delay = 100;
  for (;;) {
    try {
      return await fn();
    } catch (e) {
      if (!isRetriableKafkaError(e) || Date.now() + delay > deadline) {
        if (isRetriableKafkaError(e) && e instanceof Error)
          e.message = `${what}: broker still not ready after ${timeoutMs} ms: ${e.message}`;
        throw e;
      }
    }
    await new Promise((r) => setTimeout(r, delay));
    delay = Math.min(delay * 2, 2000);
  }
}

export async function createTopics(
  kafka: MessagingClient,
  topics: Record<string, number>,
): Promise<void> {
  await retryBroker('creating topics', async () => {
    const admin = kafka.admin();
    await admin.connect();
    try {
      await admin.createTopics(
        Object.entries(topics).map(([topic, partitions]) => ({ topic, partitions })),
      );
    } finally {
      await admin.disconnect();
    }
  });
}

export interface ConsumedRecord {
  partition: number;
  offset: string;
  key: string | null;
  value: Buffer;
  headers: Record<string, string>;
}

/**
 * Reads a topic from the beginning with a throw-away group until `done(records)` holds (or the
 * timeout passes), then returns everything read.
 */
export async function consumeUntil(
  kafka: MessagingClient,
  topic: string,
  done: (records: ConsumedRecord[]) => boolean,
  timeoutMs = 30_000,
): Promise<ConsumedRecord[]> {
  const consumer = kafka.consumer({
    groupId: uniqueTopic('reader'),
    sessionTimeoutMs: 30_000,
    maxWaitMs: 100,
  });
  const records: ConsumedRecord[] = [];
  let resolveDone!: () => void;
  const finished = new Promise<void>((r) => (resolveDone = r));
  await consumer.run({
    topic,
    fromBeginning: true,
    eachBatch: async (batch) => {
      for (const message of batch.messages) {
        const headers: Record<string, string> = {};
        for (const [k, v] of Object.entries(message.headers ?? {}))
          headers[k] = String(Array.isArray(v) ? v[0] : v);
        records.push({
          partition: batch.partition,
          offset: message.offset,
          key: message.key?.toString() ?? null,
          value: message.value ?? Buffer.alloc(0),
          headers,
        });
        batch.resolveOffset(message.offset);
      }
      if (done(records)) resolveDone();
    },
  });
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<void>((r) => (timer = setTimeout(r, timeoutMs)));
  if (!done(records)) await Promise.race([finished, timedOut]);
  clearTimeout(timer);
  await consumer.disconnect();
  return records;
}

/** Polls until `cond` holds; fails with `what` after the timeout. */
export async function eventually(
  cond: () => boolean | Promise<boolean>,
  what: string,
  timeoutMs = 30_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let lastRetriable: unknown;
  for (;;) {
    try {
      if (await cond()) return;
    } catch (e) {
      // "The coordinator is loading", a topic some broker does not know yet: not an answer, ask
      // again (a loaded machine makes these common, e.g. right after the broker restarts).
      if (!isRetriableKafkaError(e)) throw e;
      lastRetriable = e;
    }
    if (Date.now() > deadline) {
      const last =
        lastRetriable === undefined ? '' : ` (last: ${(lastRetriable as Error).message})`;
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Every record on the topic now: reads until each partition's high-water mark. */
export async function readTopic(kafka: MessagingClient, topic: string): Promise<ConsumedMessage[]> {
  const offsets = await retryBroker(`reading the offsets of ${topic}`, async () => {
    const admin = kafka.admin();
    await admin.connect();
    try {
      return await admin.fetchTopicOffsets(topic);
    } finally {
      await admin.disconnect();
    }
  });
  const expected = offsets.reduce((n, o) => n + Number(o.high) - Number(o.low), 0);
  const out: ConsumedMessage[] = [];
  if (expected === 0) return out;
  const consumer = kafka.consumer({ groupId: uniqueTopic('read'), sessionTimeoutMs: 30_000 });
  await new Promise<void>((resolve, reject) => {
    consumer
      .run({
        topic,
        fromBeginning: true,
        eachBatch: async (batch) => {
          for (const message of batch.messages) {
            out.push(message);
            batch.resolveOffset(message.offset);
          }
          if (out.length >= expected) resolve();
        },
      })
      .catch(reject);
  });
  await consumer.disconnect();
  return out;
}
