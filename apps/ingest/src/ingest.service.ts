import {
  type INestMicroservice,
  Inject,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  type OnModuleDestroy,
} from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import {
  createKafka,
  ensureTopics,
  KafkaBatchTransport,
  type MessageProducer,
  type MessagingClient,
  PartitionBatchConsumer,
} from '@t2t/messaging';
import type { DecodedRequests } from '@t2t/otlp';
import { HealthRegistry, MetricsRegistry } from '@t2t/platform';
import { SpanRepository } from '@t2t/storage';
import { INGEST_SPANS_PATTERN, IngestBatchHandler, IngestHandlersModule } from './ingest.handler';
import { INGEST_CONFIG, INGEST_CONSUME, INGEST_DECODED } from './ingest.tokens';
import type { IngestConfig } from './ingest.env';
import { IngestMetrics } from './ingest.metrics';
import { IngestChunkWriter } from './ingest.writer';
import { OtlpMessagePreparer, type PreparedMessage } from './pipeline/otlp-message.preparer';

/**
 * How ingest consumes the spans topic: `transport` (the service) hands batches to the
 * `@EventPattern` handler of a Nest microservice on the Kafka batch transport; `direct` drives the
 * writer with a PartitionBatchConsumer, for benchmarks comparing the two.
 */
export type IngestConsume = 'transport' | 'direct';

/**
 * Wires the spans topic to ClickHouse and spans_by_trace; starts after the app is up, stops first
 * on shutdown. The batches reach the writer through `IngestController` (`@EventPattern`) on a
 * `KafkaBatchTransport` microservice this service runs beside the HTTP app, in the same process.
 */
@Injectable()
export class IngestService implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly log = new Logger('ingest');
  private kafka?: MessagingClient;
  private producer?: MessageProducer;
  private consumer?: PartitionBatchConsumer<PreparedMessage>;
  private transport?: KafkaBatchTransport<PreparedMessage>;
  private microservice?: INestMicroservice;
  private running = false;

  constructor(
    @Inject(INGEST_CONFIG) private readonly config: IngestConfig,
    @Inject(INGEST_CONSUME) private readonly consume: IngestConsume,
    @Inject(INGEST_DECODED) private readonly decoded: DecodedRequests | null,
    private readonly spans: SpanRepository,
    private readonly metricsRegistry: MetricsRegistry,
    private readonly health: HealthRegistry,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    const c = this.config.ingest;
    this.kafka = createKafka(this.config.kafka, 'ingest');
    if (c.createTopics) await this.createTopics(this.kafka);

    this.producer = this.kafka.producer();
    await this.producer.connect();

    const metrics = new IngestMetrics(this.metricsRegistry);
    const preparer = new OtlpMessagePreparer({
      defaultEncoding: c.encoding,
      maxMessageBytes: c.maxMessageBytes,
      maxFutureSkewMs: c.maxFutureSkewMs,
      decoded: this.decoded ?? undefined,
      tenantHeader: this.config.tenants.header,
      tenantResourceAttribute: this.config.tenants.resourceAttribute,
    });
    const writer = new IngestChunkWriter(preparer, this.spans, this.producer, metrics, {
      outputTopic: c.outputTopic,
      dlqTopic: c.dlqTopic,
      dlqMaxValueBytes: c.dlqMaxValueBytes,
      reorderWindowMs: c.reorderWindowMs,
      crashAfterWrite: c.fault === 'crash-after-write',
    });
    this.health.register({
      name: 'kafka-consumer',
      check: async () => {
        if (!this.running) throw new Error('the ingest consumer is not running');
        const problem = this.consumer?.problem() ?? this.transport?.problem();
        if (problem !== undefined) throw new Error(problem);
      },
    });
    if (this.consume === 'direct') await this.startDirect(writer, metrics);
    else await this.startTransport(this.kafka, writer, preparer, metrics);
    this.running = true;
    this.log.log(
      `consuming ${c.topic} as group ${c.groupId} → ClickHouse spans + ${c.outputTopic} (dead letters: ${c.dlqTopic})${this.consume === 'direct' ? ' (direct)' : ''}`,
    );
  }

  private async startTransport(
    kafka: MessagingClient,
    writer: IngestChunkWriter,
    preparer: OtlpMessagePreparer,
    metrics: IngestMetrics,
  ): Promise<void> {
    const c = this.config.ingest;
    this.transport = new KafkaBatchTransport<PreparedMessage>(kafka, {
      groupId: c.groupId,
      groupIdFor: () => c.groupId,
      topicFor: (pattern) => (pattern === INGEST_SPANS_PATTERN ? c.topic : undefined),
      // Never throws: bad input is a 'dead' item the writer dead-letters with its reason.
      decode: (record) => preparer.prepare(record),
      weight: (prepared) => writer.weight(prepared),
      deadLetterTopic: () => c.dlqTopic,
      deadLetterBatch: (records, error) =>
        writer.deadLetter({ items: records.map((record) => ({ record })) }, error),
      maxBatchRecords: c.batchMaxRows,
      maxBatchBytes: c.batchMaxBytes,
      maxWaitMs: c.batchMaxWaitMs,
      minBytes: c.fetchMinBytes,
      maxBytesPerPartition: Math.max(2 * c.batchMaxBytes, 2 * c.maxMessageBytes),
      sessionTimeoutMs: c.sessionTimeoutMs,
      retryMinMs: c.retryMinMs,
      retryMaxMs: c.retryMaxMs,
      permanentAttempts: 3,
      partitionsConsumedConcurrently: c.partitionsConcurrently,
      fromBeginning: c.fromBeginning,
      observer: metrics,
    });
    this.microservice = await NestFactory.createMicroservice(
      IngestHandlersModule.forHandler(new IngestBatchHandler(writer)),
      // No logger option: the app's log levels (set globally) stay as they are.
      { strategy: this.transport, abortOnError: false },
    );
    await this.microservice.listen();
  }

  private async startDirect(writer: IngestChunkWriter, metrics: IngestMetrics): Promise<void> {
    const c = this.config.ingest;
    this.consumer = new PartitionBatchConsumer(
      this.kafka!,
      writer,
      {
        groupId: c.groupId,
        topic: c.topic,
        maxRows: c.batchMaxRows,
        maxBytes: c.batchMaxBytes,
        maxWaitMs: c.batchMaxWaitMs,
        minBytes: c.fetchMinBytes,
        maxBytesPerPartition: Math.max(2 * c.batchMaxBytes, 2 * c.maxMessageBytes),
        sessionTimeoutMs: c.sessionTimeoutMs,
        retryMinMs: c.retryMinMs,
        retryMaxMs: c.retryMaxMs,
        permanentAttempts: 3,
        partitionsConsumedConcurrently: c.partitionsConcurrently,
        fromBeginning: c.fromBeginning,
      },
      metrics,
    );
    await this.consumer.start();
  }

  /** Stops fetching and waits for the chunk in flight (or abandons it uncommitted), then disconnects. */
  async onModuleDestroy(): Promise<void> {
    this.running = false;
    // The transport drains the batch in hand (and commits it) before the producer goes.
    await this.microservice?.close();
    await this.consumer?.stop();
    await this.producer?.disconnect();
    this.log.log('ingest consumer stopped');
  }

  private async createTopics(kafka: MessagingClient): Promise<void> {
    const c = this.config.ingest;
    const admin = kafka.admin();
    await admin.connect();
    try {
      const { created, short } = await ensureTopics(admin, [
        { topic: c.topic, partitions: c.topicPartitions },
        { topic: c.outputTopic, partitions: c.topicPartitions },
        // Room for the largest dead-letter value plus the original headers and ours.
        {
          topic: c.dlqTopic,
          partitions: c.topicPartitions,
          configs: { 'max.message.bytes': String(c.dlqMaxValueBytes + 1024 * 1024) },
        },
      ]);
      if (created.length > 0) this.log.log(`created topics ${created.join(', ')}`);
      if (short.length > 0)
        this.log.warn(
          `topics with fewer partitions than INGEST_TOPIC_PARTITIONS (left as they are): ${short.join(', ')}`,
        );
    } finally {
      await admin.disconnect();
    }
  }
}
