import { Logger } from '@nestjs/common';
import {
  type Admin,
  type ITopicConfig,
  Kafka,
  logLevel,
  type LogEntry,
  type SASLOptions,
} from 'kafkajs';
import type { ConfigOf } from '@t2t/config';
import type { kafkaEnv } from './kafka.env';
import { registerCompressionCodecs } from './compression.codecs';
import { InProcessKafka } from './in-process/in-process.kafka';
import { assertTopicName } from './topics';

export type KafkaConfig = ConfigOf<typeof kafkaEnv>;

export class KafkaConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'KafkaConfigError';
  }
}

/** kafkajs logs through Nest's logger, so broker trouble shows in the service log with its context. */
function nestLogCreator() {
  const log = new Logger('kafka');
  return () =>
    ({ level, log: entry }: LogEntry) => {
      const { message, ...rest } = entry;
      const extra = Object.keys(rest).length > 0 ? ` ${JSON.stringify(rest)}` : '';
      // kafkajs logs each failed broker response (coordinator loading, topic already exists...) at
      // ERROR before retrying it; what matters reaches the caller as an exception after the retries.
      if (level === logLevel.ERROR && message.startsWith('Response '))
        log.debug(`${message}${extra}`);
      else if (level === logLevel.ERROR) log.error(`${message}${extra}`);
      else if (level === logLevel.WARN) log.warn(`${message}${extra}`);
      else if (level === logLevel.INFO) log.log(`${message}${extra}`);
      else log.debug(`${message}${extra}`);
    };
}

let inProcess: InProcessKafka | undefined;

/**
 * Embedded mode: from now on, `createKafka` without KAFKA_BROKERS returns this process's
 * in-memory transport instead of refusing. Called once by the all-in-one entry point.
 */
export function useInProcessTransport(
  kafka: InProcessKafka = new InProcessKafka(),
): InProcessKafka {
  inProcess = kafka;
  return kafka;
}

/** Back to requiring a broker (tests that installed the in-process transport). */
export function clearInProcessTransport(): void {
  inProcess = undefined;
}

export function createKafka(config: KafkaConfig, clientSuffix?: string): Kafka {
  if (!config.brokers && inProcess) return inProcess.asKafka();
  registerCompressionCodecs();
  if (!config.brokers)
    throw new KafkaConfigError('KAFKA_BROKERS is not set: this service needs a Kafka cluster');
  let sasl: SASLOptions | undefined;
  if (config.saslMechanism !== 'none') {
    if (!config.saslUsername || !config.saslPassword) {
      throw new KafkaConfigError(
        `KAFKA_SASL_MECHANISM=${config.saslMechanism} needs KAFKA_SASL_USERNAME and KAFKA_SASL_PASSWORD`,
      );
    }
    sasl = {
      mechanism: config.saslMechanism,
      username: config.saslUsername,
      password: config.saslPassword,
    };
  }
  return new Kafka({
    clientId: clientSuffix ? `${config.clientId}-${clientSuffix}` : config.clientId,
    brokers: config.brokers,
    ssl: config.ssl,
    sasl,
    logLevel: logLevel.WARN,
    logCreator: nestLogCreator(),
    retry: { initialRetryTime: 200, retries: config.retries },
  });
}

export interface TopicSpec {
  topic: string;
  partitions: number;
  /** Broker-side topic configs, e.g. { 'retention.ms': '604800000' }. */
  configs?: Record<string, string>;
}

/**
 * Creates the topics that do not exist yet. Existing topics are left as they are, except that a
 * topic with fewer partitions than asked is reported (partitions are never added silently: that
 * would move keys, and trace ids, to other partitions).
 */
/**
 * Broker answers that mean "not now" rather than "no": a coordinator or leader still loading or
 * moving, a topic just created that some broker does not know yet, a request that timed out. Worth
 * retrying for a while, also by test helpers; a busy machine makes them common right after
 * start-up.
 */
export function isRetriableKafkaError(e: unknown): boolean {
  const err = e as { retriable?: boolean; type?: string; name?: string; cause?: unknown };
  if (err?.retriable === true) return true;
  if (
    typeof err?.type === 'string' &&
    [
      'COORDINATOR_LOAD_IN_PROGRESS',
      'COORDINATOR_NOT_AVAILABLE',
      'NOT_COORDINATOR',
      'UNKNOWN_TOPIC_OR_PARTITION',
      'LEADER_NOT_AVAILABLE',
      'NOT_LEADER_FOR_PARTITION',
      'NOT_CONTROLLER',
      'REQUEST_TIMED_OUT',
      'REBALANCE_IN_PROGRESS',
    ].includes(err.type)
  )
    return true;
  return err?.name === 'KafkaJSNumberOfRetriesExceeded' && isRetriableKafkaError(err.cause);
}

/** How long topic creation keeps retrying retriable broker answers (a loaded broker, a new topic). */
const ENSURE_TOPICS_RETRY_MS = 60_000;

export async function ensureTopics(
  admin: Admin,
  specs: TopicSpec[],
): Promise<{ created: string[]; short: string[] }> {
  const deadline = Date.now() + ENSURE_TOPICS_RETRY_MS;
  for (let delay = 200; ; delay = Math.min(delay * 2, 5_000)) {
    try {
      return await ensureTopicsOnce(admin, specs);
    } catch (e) {
      if (!isRetriableKafkaError(e) || Date.now() + delay > deadline) throw e;
      await new Promise((r) => setTimeout(r, delay));
    }
  }
}

async function ensureTopicsOnce(
  admin: Admin,
  specs: TopicSpec[],
): Promise<{ created: string[]; short: string[] }> {
  specs.forEach((s) => assertTopicName(s.topic));
  const existing = new Set(await admin.listTopics());
  const missing: ITopicConfig[] = specs
    .filter((s) => !existing.has(s.topic))
    .map((s) => ({
      topic: s.topic,
      numPartitions: s.partitions,
      configEntries: Object.entries(s.configs ?? {}).map(([name, value]) => ({ name, value })),
    }));
  if (missing.length > 0) {
    try {
      await admin.createTopics({ topics: missing, waitForLeaders: true });
    } catch (e) {
      // Another replica may have created them between listTopics and createTopics.
      const after = new Set(await admin.listTopics());
      if (missing.some((m) => !after.has(m.topic))) throw e;
    }
  }
  if (missing.length > 0)
    await waitForTopics(
      admin,
      missing.map((m) => m.topic),
    );
  const present = specs.filter((s) => existing.has(s.topic));
  const short: string[] = [];
  if (present.length > 0) {
    const meta = await admin.fetchTopicMetadata({ topics: present.map((s) => s.topic) });
    for (const t of meta.topics) {
      const want = specs.find((s) => s.topic === t.name)?.partitions ?? 0;
      if (t.partitions.length < want) short.push(`${t.name} (${t.partitions.length} < ${want})`);
    }
  }
  return { created: missing.map((m) => m.topic), short };
}

/**
 * Waits until the brokers serve metadata with a leader for every partition of `topics`. Creating a
 * topic returns before every broker knows it; a consumer subscribing in that gap gets "This server
 * does not host this topic-partition".
 */
export async function waitForTopics(
  admin: Admin,
  topics: string[],
  timeoutMs = 15_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const meta = await admin.fetchTopicMetadata({ topics });
      if (
        meta.topics.length === topics.length &&
        meta.topics.every(
          (t) => t.partitions.length > 0 && t.partitions.every((p) => p.leader >= 0),
        )
      )
        return;
    } catch (e) {
      if (Date.now() > deadline) throw e;
    }
    if (Date.now() > deadline)
      throw new Error(`topics ${topics.join(', ')} have no leader after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
