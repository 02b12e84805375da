import { Logger } from '@nestjs/common';
import {
  CompressionTypes,
  type Consumer,
  type EachBatchPayload,
  Kafka,
  type KafkaConfig as KafkajsConfig,
  logLevel,
  type LogEntry,
  Partitioners,
  type Producer,
  type SASLOptions,
} from 'kafkajs';
import { registerCompressionCodecs } from '../compression.codecs';
import {
  type AtomicSendRequest,
  CommitRejectedError,
  type Compression,
  type ConsumeOptions,
  type ElectionMember,
  type ElectionMemberOptions,
  type GroupConsumer,
  type GroupConsumerOptions,
  type MessageBatch,
  type MessageProducer,
  type MessagingAdmin,
  type MessagingClient,
  type OffsetCommit,
  type ProducerOptions,
  type RetryOptions,
  type SendRequest,
} from '../port/messaging.port';
import { KafkaAdmin } from './kafka.admin';
import { KafkaElectionMember } from './kafka-election.member';
import { isMembershipLost, isRetriableKafkaError } from './kafka.errors';
import { silenceKafkajsNegativeTimeoutWarning } from './kafkajs-timeout.warning';

/** TLS towards the brokers: the PEM contents, not paths (`createKafka` reads the files). */
export interface KafkaTlsOptions {
  /** CA certificate(s) the brokers' certificates are verified against; unset: the system's CAs. */
  ca?: Buffer;
  /** Client certificate and key, for brokers that require mutual TLS. */
  cert?: Buffer;
  key?: Buffer;
  /** Passphrase of an encrypted `key`. */
  passphrase?: string;
  /** `false` accepts a certificate that does not verify: encrypted, not authenticated. */
  rejectUnauthorized: boolean;
}

/** How a Kafka client is reached; `createKafka` builds it from the service's options. */
export interface KafkaClientOptions {
  clientId: string;
  brokers: string[];
  /** `true`: TLS with the system's CAs; an object: TLS as it says. */
  ssl?: boolean | KafkaTlsOptions;
  sasl?: {
    mechanism: 'plain' | 'scram-sha-256' | 'scram-sha-512';
    username: string;
    password: string;
  };
  /** Retries of a failed request inside the client. */
  retry?: RetryOptions;
  connectionTimeoutMs?: number;
  /** `service` (default): through Nest's logger, warnings and up; `silent`: nothing (tests, benches). */
  logs?: 'service' | 'silent';
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

const retryOf = (r: RetryOptions | undefined) =>
  r && {
    retries: r.retries,
    initialRetryTime: r.initialRetryTimeMs,
    ...(r.maxRetryTimeMs === undefined ? {} : { maxRetryTime: r.maxRetryTimeMs }),
  };

/** The kafkajs client configuration for `options` (exported for tests of what reaches kafkajs). */
export function kafkajsConfigOf(options: KafkaClientOptions): KafkajsConfig {
  const sasl: SASLOptions | undefined = options.sasl && { ...options.sasl };
  const silent = options.logs === 'silent';
  return {
    clientId: options.clientId,
    brokers: options.brokers,
    ssl: typeof options.ssl === 'object' ? { ...options.ssl } : options.ssl,
    sasl,
    connectionTimeout: options.connectionTimeoutMs,
    logLevel: silent ? logLevel.NOTHING : logLevel.WARN,
    ...(silent ? {} : { logCreator: nestLogCreator() }),
    retry: retryOf(options.retry),
  };
}

/** A Kafka client behind the messaging port. */
export function createKafkaClient(options: KafkaClientOptions): MessagingClient {
  registerCompressionCodecs();
  return new KafkaMessagingClient(new Kafka(kafkajsConfigOf(options)));
}

const COMPRESSION: Record<Compression, CompressionTypes> = {
  none: CompressionTypes.None,
  gzip: CompressionTypes.GZIP,
  snappy: CompressionTypes.Snappy,
  lz4: CompressionTypes.LZ4,
  zstd: CompressionTypes.ZSTD,
};

/**
 * The messaging port over a kafkajs client. Also for callers that build their own kafkajs client
 * (an application registering the span exporter): `new KafkaMessagingClient(new Kafka({...}))`.
 */
export class KafkaMessagingClient implements MessagingClient {
  /** Transactional producers by transactional id (one per consumed partition), connected. */
  private readonly transactional = new Map<string, Promise<Producer>>();

  constructor(private readonly kafka: Kafka) {
    silenceKafkajsNegativeTimeoutWarning();
  }

  /**
   * A Kafka transaction: the records, and the group's offset through `sendOffsets`, committed
   * together; consumers (read_committed, kafkajs' default) see the records only once it commits.
   * The transactional id is the partition's (`<group>/<topic>/<partition>`), so the partition's
   * next owner fences this one: a transaction it left open is aborted when the next owner starts
   * its first. A fenced or abandoned producer is dropped and the commit refused
   * (`CommitRejectedError`): the partition belongs to someone else.
   */
  async sendAndCommit(request: AtomicSendRequest): Promise<void> {
    const c = request.commit;
    const id = `${c.groupId}/${c.topic}/${c.partition}`;
    const producer = await this.transactionalProducer(id);
    const tx = await producer.transaction();
    try {
      for (const s of request.sends)
        await tx.send({
          topic: s.topic,
          messages: s.messages,
          compression: COMPRESSION[s.compression ?? 'none'],
          timeout: s.timeoutMs,
        });
      await tx.sendOffsets({
        consumerGroupId: c.groupId,
        topics: [{ topic: c.topic, partitions: [{ partition: c.partition, offset: c.offset }] }],
      });
      await tx.commit();
    } catch (e) {
      await tx.abort().catch(() => undefined);
      this.transactional.delete(id);
      await producer.disconnect().catch(() => undefined);
      if (isFenced(e))
        throw new CommitRejectedError(
          `the transactions of ${id} were taken over by the partition's next owner: ${(e as Error).message}`,
          { cause: e },
        );
      throw e;
    }
  }

  /** Disconnects the transactional producers of a group's partitions (its consumer stopped). */
  async endTransactions(groupId: string): Promise<void> {
    const mine = [...this.transactional].filter(([id]) => id.startsWith(`${groupId}/`));
    for (const [id] of mine) this.transactional.delete(id);
    await Promise.all(
      mine.map(([, p]) => p.then((producer) => producer.disconnect()).catch(() => undefined)),
    );
  }

  private transactionalProducer(id: string): Promise<Producer> {
    let producer = this.transactional.get(id);
    if (!producer) {
      const created = this.kafka.producer({
        createPartitioner: Partitioners.DefaultPartitioner,
        allowAutoTopicCreation: false,
        transactionalId: id,
        idempotent: true,
        maxInFlightRequests: 1,
      });
      producer = created.connect().then(() => created);
      producer.catch(() => this.transactional.delete(id));
      this.transactional.set(id, producer);
    }
    return producer;
  }

  producer(options: ProducerOptions = {}): MessageProducer {
    return new KafkaProducer(
      this.kafka.producer({
        // Java-compatible murmur2 on the key, like every other producer of the pipeline.
        createPartitioner: Partitioners.DefaultPartitioner,
        // A typo must not create a topic.
        allowAutoTopicCreation: false,
        retry: retryOf(options.retry),
      }),
    );
  }

  consumer(options: GroupConsumerOptions): GroupConsumer {
    return new KafkaGroupConsumer(
      this.kafka.consumer({
        groupId: options.groupId,
        sessionTimeout: options.sessionTimeoutMs,
        heartbeatInterval: options.heartbeatIntervalMs,
        maxWaitTimeInMs: options.maxWaitMs,
        minBytes: options.minBytes,
        maxBytesPerPartition: options.maxBytesPerPartition,
        maxBytes: options.maxBytes,
      }),
    );
  }

  admin(): MessagingAdmin {
    return new KafkaAdmin(this.kafka.admin());
  }

  electionMember(options: ElectionMemberOptions): ElectionMember {
    return new KafkaElectionMember(this.kafka, options);
  }
}

class KafkaProducer implements MessageProducer {
  constructor(private readonly producer: Producer) {}

  connect(): Promise<void> {
    return this.producer.connect();
  }

  disconnect(): Promise<void> {
    return this.producer.disconnect();
  }

  async send(request: SendRequest): Promise<void> {
    await this.producer.send({
      topic: request.topic,
      messages: request.messages,
      acks: request.acks ?? -1,
      compression: COMPRESSION[request.compression ?? 'none'],
      timeout: request.timeoutMs,
    });
  }

  onDisconnect(listener: () => void): void {
    this.producer.on(this.producer.events.DISCONNECT, () => listener());
  }
}

/** A producer whose transactional id another producer took over (or whose epoch expired). */
function isFenced(e: unknown): boolean {
  const type = (e as { type?: unknown } | undefined)?.type;
  return (
    typeof type === 'string' &&
    ['INVALID_PRODUCER_EPOCH', 'PRODUCER_FENCED', 'TRANSACTIONAL_ID_AUTHORIZATION_FAILED'].includes(
      type,
    )
  );
}

/** Attempts of a commit made through a batch in hand, for "not now" answers (coordinator moving). */
const DIRECT_COMMIT_ATTEMPTS = 5;

const partitionKey = (topic: string, partition: number) => `${topic}/${partition}`;

/**
 * kafkajs' `consumer.commitOffsets` goes through its runner, which returns without committing
 * (and without an error) once the runner is not running: from the moment `stop()`/`disconnect()`
 * begins, while the runner still waits for the batches in hand, and after a crash. Commits are
 * therefore made through the batch in hand of their partition (`commitOffsetsIfNecessary(offsets)`
 * of the eachBatch payload commits straight through the consumer group, which stays a member until
 * every batch in hand has returned), and a commit that kafkajs would skip is refused with a
 * `CommitRejectedError` instead of being reported as done.
 */
class KafkaGroupConsumer implements GroupConsumer {
  /** eachBatch payloads not returned yet, by topic/partition. */
  private readonly inHand = new Map<string, EachBatchPayload>();
  /** Whether the runner of the last batch seen still runs; undefined when not known (none yet, rejoined). */
  private runnerRunning: (() => boolean) | undefined;
  private stopping = false;

  constructor(private readonly consumer: Consumer) {
    // A (re)joined group has a runner that starts running: what an older batch said no longer applies.
    this.consumer.on(this.consumer.events.GROUP_JOIN, () => (this.runnerRunning = undefined));
  }

  onAssignment(listener: (assignment: Record<string, number[]>) => void): void {
    this.consumer.on(this.consumer.events.GROUP_JOIN, (e) => listener(e.payload.memberAssignment));
  }

  onCrash(listener: (error: Error, restarting: boolean) => void): void {
    this.consumer.on(this.consumer.events.CRASH, (e) =>
      listener(e.payload.error, e.payload.restart),
    );
  }

  onFetched(listener: () => void): void {
    this.consumer.on(this.consumer.events.FETCH, () => listener());
  }

  async run(options: ConsumeOptions): Promise<void> {
    this.stopping = false;
    await this.consumer.connect();
    await this.consumer.subscribe({ topic: options.topic, fromBeginning: options.fromBeginning });
    await this.consumer.run({
      // The stages commit what they made durable themselves, and resolve record by record.
      autoCommit: false,
      eachBatchAutoResolve: false,
      partitionsConsumedConcurrently: options.partitionsConsumedConcurrently,
      eachBatch: async (payload) => {
        const key = partitionKey(payload.batch.topic, payload.batch.partition);
        this.inHand.set(key, payload);
        this.runnerRunning = () => payload.isRunning();
        try {
          await options.eachBatch(toBatch(payload));
        } finally {
          if (this.inHand.get(key) === payload) this.inHand.delete(key);
        }
      },
    });
  }

  async commit(offsets: OffsetCommit[]): Promise<void> {
    if (offsets.length === 0) return;
    const payloads = offsets.map((o) => this.inHand.get(partitionKey(o.topic, o.partition)));
    try {
      if (payloads.every((p) => p !== undefined)) {
        // All partitions have their batch in hand: commit through it, which works while stopping.
        await this.commitInHand(offsets, payloads);
        return;
      }
      if (!this.running())
        throw new CommitRejectedError(
          `not committed: the consumer is stopping and ${offsets
            .filter((_, i) => payloads[i] === undefined)
            .map((o) => `${o.topic}/${o.partition}`)
            .join(', ')} has no batch in hand; the next owner gets these records again`,
        );
      await this.consumer.commitOffsets(offsets);
      // kafkajs also gives up silently on a failed attempt once its runner stopped meanwhile.
      if (!this.running())
        throw new CommitRejectedError(
          'commit not confirmed: the consumer stopped while committing; the next owner may get these records again',
        );
    } catch (e) {
      if (e instanceof CommitRejectedError) throw e;
      if (isMembershipLost(e))
        throw new CommitRejectedError(
          `the group moved on without this member: ${(e as Error).message}`,
          { cause: e },
        );
      throw e;
    }
  }

  disconnect(): Promise<void> {
    this.stopping = true;
    return this.consumer.disconnect();
  }

  private running(): boolean {
    return !this.stopping && (this.runnerRunning?.() ?? true);
  }

  /** Commits through the payloads of the batches in hand, retrying "not now" answers a few times. */
  private async commitInHand(offsets: OffsetCommit[], payloads: EachBatchPayload[]): Promise<void> {
    const byPayload = new Map<EachBatchPayload, OffsetCommit[]>();
    offsets.forEach((o, i) =>
      byPayload.set(payloads[i], [...(byPayload.get(payloads[i]) ?? []), o]),
    );
    for (const [payload, commits] of byPayload) {
      const topics = new Map<
        string,
        { partition: number; offset: string; metadata: string | null }[]
      >();
      for (const c of commits) {
        if (!/^\d+$/.test(c.offset)) throw new Error(`invalid offset to commit: ${c.offset}`);
        topics.set(c.topic, [
          ...(topics.get(c.topic) ?? []),
          { partition: c.partition, offset: c.offset, metadata: c.metadata ?? null },
        ]);
      }
      const request = {
        topics: [...topics].map(([topic, partitions]) => ({ topic, partitions })),
      };
      for (let attempt = 1; ; attempt++) {
        try {
          await payload.commitOffsetsIfNecessary(request);
          break;
        } catch (e) {
          if (attempt >= DIRECT_COMMIT_ATTEMPTS || isMembershipLost(e) || !isRetriableKafkaError(e))
            throw e;
          await new Promise((r) => setTimeout(r, 100 * 2 ** (attempt - 1)));
        }
      }
    }
  }
}

function toBatch(payload: EachBatchPayload): MessageBatch {
  const { batch } = payload;
  return {
    topic: batch.topic,
    partition: batch.partition,
    highWatermark: batch.highWatermark,
    // kafkajs' records already have the port's shape: handed over without copying.
    messages: batch.messages,
    resolveOffset: (offset) => payload.resolveOffset(offset),
    heartbeat: () => payload.heartbeat(),
    isActive: () => payload.isRunning() && !payload.isStale(),
  };
}
