import { Logger } from '@nestjs/common';
import {
  CompressionTypes,
  type Consumer,
  type EachBatchPayload,
  Kafka,
  logLevel,
  type LogEntry,
  Partitioners,
  type Producer,
  type SASLOptions,
} from 'kafkajs';
import { registerCompressionCodecs } from '../compression.codecs';
import {
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
import { isMembershipLost } from './kafka.errors';
import { silenceKafkajsNegativeTimeoutWarning } from './kafkajs-timeout.warning';

/** How a Kafka client is reached; `createKafka` builds it from the service's options. */
export interface KafkaClientOptions {
  clientId: string;
  brokers: string[];
  ssl?: boolean;
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

/** A Kafka client behind the messaging port. */
export function createKafkaClient(options: KafkaClientOptions): MessagingClient {
  registerCompressionCodecs();
  const sasl: SASLOptions | undefined = options.sasl && { ...options.sasl };
  const silent = options.logs === 'silent';
  return new KafkaMessagingClient(
    new Kafka({
      clientId: options.clientId,
      brokers: options.brokers,
      ssl: options.ssl,
      sasl,
      connectionTimeout: options.connectionTimeoutMs,
      logLevel: silent ? logLevel.NOTHING : logLevel.WARN,
      ...(silent ? {} : { logCreator: nestLogCreator() }),
      retry: retryOf(options.retry),
    }),
  );
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
  constructor(private readonly kafka: Kafka) {
    silenceKafkajsNegativeTimeoutWarning();
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

class KafkaGroupConsumer implements GroupConsumer {
  constructor(private readonly consumer: Consumer) {}

  onAssignment(listener: (assignment: Record<string, number[]>) => void): void {
    this.consumer.on(this.consumer.events.GROUP_JOIN, (e) => listener(e.payload.memberAssignment));
  }

  onCrash(listener: (error: Error, restarting: boolean) => void): void {
    this.consumer.on(this.consumer.events.CRASH, (e) =>
      listener(e.payload.error, e.payload.restart),
    );
  }

  async run(options: ConsumeOptions): Promise<void> {
    await this.consumer.connect();
    await this.consumer.subscribe({ topic: options.topic, fromBeginning: options.fromBeginning });
    await this.consumer.run({
      // The stages commit what they made durable themselves, and resolve record by record.
      autoCommit: false,
      eachBatchAutoResolve: false,
      partitionsConsumedConcurrently: options.partitionsConsumedConcurrently,
      eachBatch: (payload) => options.eachBatch(toBatch(payload)),
    });
  }

  async commit(offsets: OffsetCommit[]): Promise<void> {
    try {
      await this.consumer.commitOffsets(offsets);
    } catch (e) {
      if (isMembershipLost(e))
        throw new CommitRejectedError(
          `the group moved on without this member: ${(e as Error).message}`,
          { cause: e },
        );
      throw e;
    }
  }

  disconnect(): Promise<void> {
    return this.consumer.disconnect();
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
