import { Logger } from '@nestjs/common';
import { type CustomTransportStrategy, type MessageHandler, Server } from '@nestjs/microservices';
import { lastValueFrom } from 'rxjs';
import { HEADERS } from '../headers';
import {
  type Chunk,
  type ChunkOutput,
  type ChunkWriter,
  type CommitDecision,
  type ConsumerObserver,
  PartitionBatchConsumer,
  type SourceRecord,
} from '../partition-batch.consumer';
import type {
  ConsumeOptions,
  GroupConsumer,
  GroupConsumerOptions,
  MessageBatch,
  MessageProducer,
  MessagingClient,
  OffsetCommit,
  OutgoingMessage,
  SendRequest,
} from '../port/messaging.port';
import { KafkaBatchContext } from './kafka-batch.context';

/** Identifies this transport in `@EventPattern(topic, KAFKA_BATCH_TRANSPORT)` of hybrid apps. */
export const KAFKA_BATCH_TRANSPORT = Symbol('KAFKA_BATCH_TRANSPORT');

export interface KafkaBatchTransportOptions<T = unknown> {
  /**
   * Consumer group name; topic `t` is consumed by group `<groupId>.<t>` unless `groupIdFor` says
   * otherwise. One group per topic because the port's consumer subscribes to one topic and
   * kafkajs' assigner hands a group's partitions to members whatever they subscribed to.
   */
  groupId: string;
  groupIdFor?: (topic: string) => string;
  /**
   * The topic an `@EventPattern(pattern)` handler consumes; default the pattern itself. Patterns are
   * static decorator strings, topics come from configuration: map a fixed logical pattern to the
   * configured topic here. A pattern mapped to undefined is not served by this transport.
   */
  topicFor?: (pattern: string) => string | undefined;
  /**
   * Turns a record into a payload item. A throw is a permanent failure of that record: it goes to
   * the dead-letter topic with the error message as reason, and the partition moves on.
   * Default: the record's value bytes.
   */
  decode?: (record: SourceRecord) => T;
  /**
   * Size of a decoded record for batching; default one record of its key+value bytes (e.g. rows =
   * the spans a record holds, to bound batches in spans rather than records).
   */
  weight?: (value: T, record: SourceRecord) => { rows: number; bytes: number };
  /** Dead-letter topic of a source topic; default `<topic>.dlq`. It must exist. */
  deadLetterTopic?: (topic: string) => string;
  /**
   * Attempts of a batch whose handler throws a `PermanentWriteError` (wrap it in an
   * `RpcException` so Nest's exception filter hands it over as it is) before the batch is
   * dead-lettered whole; default 1.
   */
  permanentAttempts?: number;
  /**
   * Dead-letters a batch refused permanently in place of the default (every record to the
   * dead-letter topic with the error as reason).
   */
  deadLetterBatch?: (records: SourceRecord[], error: Error) => Promise<void>;
  /** Metrics hooks of the underlying consumers (batches written, failures, lag, backpressure). */
  observer?: ConsumerObserver;
  /** Most records per handler call; default 500. */
  maxBatchRecords?: number;
  /** Most key+value bytes per handler call; default 1 MiB (a batch has at least one record). */
  maxBatchBytes?: number;
  /** Bytes the broker waits for before answering a fetch early; default 1. */
  minBytes?: number;
  /** Fetch size per partition; default 2 × maxBatchBytes, and at least that. */
  maxBytesPerPartition?: number;
  /** How long the broker may wait for data before answering a fetch, ms; default 500. */
  maxWaitMs?: number;
  /** A member silent for this long loses its partitions, ms; default 30 000. */
  sessionTimeoutMs?: number;
  /** Backoff between attempts of a failing handler: doubles from min to max, ms; 200 / 30 000. */
  retryMinMs?: number;
  retryMaxMs?: number;
  /** Partitions of one topic handled at the same time; default 1. */
  partitionsConsumedConcurrently?: number;
  /** Where a group without a committed offset starts; default true (the oldest record). */
  fromBeginning?: boolean;
  /** How long `close()` waits for batches in hand to finish and commit, ms; default 30 000. */
  drainTimeoutMs?: number;
  /**
   * `batch` (default): a batch is committed when its handler resolves, and a replay after a crash
   * re-forms exactly the same batch (same `token`). `handler`: for stateful handlers that keep
   * records in memory past their batch (open windows): the handler says what to commit with
   * `ctx.commitAt(offset, metadata)` (nothing said: the end of the batch), may commit between
   * batches with `commit()`, and restores its state on assignment from the committed offset and
   * metadata. A replay then starts at the committed offset, in batches of any boundaries.
   */
  commits?: 'batch' | 'handler';
  /** Called with the partitions of a topic this member owns after each rebalance. */
  onAssignment?: (topic: string, partitions: number[]) => void;
}

const DEFAULTS = {
  maxBatchRecords: 500,
  maxBatchBytes: 1024 * 1024,
  maxWaitMs: 500,
  sessionTimeoutMs: 30_000,
  retryMinMs: 200,
  retryMaxMs: 30_000,
  partitionsConsumedConcurrently: 1,
  fromBeginning: true,
  drainTimeoutMs: 30_000,
  minBytes: 1,
  permanentAttempts: 1,
  commits: 'batch' as const,
};

/** Longest dead-letter reason header; a decoder's message could be anything. */
const MAX_REASON_CHARS = 1000;

/** A decoded record, or why it could not be; `bytes` (key and value) sizes the batches. */
type Prepared = { bytes: number } & (
  { ok: true; value: unknown; rows: number } | { ok: false; reason: string }
);

const partitionKey = (topic: string, partition: number) => `${topic}/${partition}`;

/**
 * Batches in hand, per partition, and the shutdown drain. The client reports a batch inactive as
 * soon as it is asked to stop; while draining, a partition whose batch is with the handler stays
 * active until that batch is committed (the partition-batch consumer drains the same way, with the
 * same timeout), so the handler's `ctx.isActive()` stays true and `close()` commits the batch in
 * hand instead of abandoning it.
 */
class BatchesInHand {
  readonly batches = new Map<string, MessageBatch>();
  /** Partitions with a batch handed to a handler: the offset that completes it. */
  readonly open = new Map<string, bigint>();
  draining = false;

  holds(key: string): boolean {
    return this.draining && this.open.has(key);
  }

  committed(offsets: OffsetCommit[]): void {
    for (const o of offsets) {
      const key = partitionKey(o.topic, o.partition);
      const end = this.open.get(key);
      if (end !== undefined && BigInt(o.offset) >= end) this.open.delete(key);
    }
  }
}

/** The port with each consumer's batches recorded, so handlers get the heartbeat of theirs. */
class TrackingClient implements MessagingClient {
  sendAndCommit?: MessagingClient['sendAndCommit'];
  endTransactions?: MessagingClient['endTransactions'];

  constructor(
    private readonly inner: MessagingClient,
    private readonly inHand: BatchesInHand,
  ) {
    const atomic = inner.sendAndCommit?.bind(inner);
    if (atomic)
      this.sendAndCommit = async (request) => {
        await atomic(request);
        this.inHand.committed([request.commit]);
      };
    this.endTransactions = inner.endTransactions?.bind(inner);
  }
  producer: MessagingClient['producer'] = (o) => this.inner.producer(o);
  admin: MessagingClient['admin'] = () => this.inner.admin();
  electionMember: MessagingClient['electionMember'] = (o) => this.inner.electionMember(o);
  consumer(options: GroupConsumerOptions): GroupConsumer {
    return new TrackingConsumer(this.inner.consumer(options), this.inHand);
  }
}

class TrackingConsumer implements GroupConsumer {
  constructor(
    private readonly inner: GroupConsumer,
    private readonly inHand: BatchesInHand,
  ) {}
  onAssignment: GroupConsumer['onAssignment'] = (l) => this.inner.onAssignment(l);
  onCrash: GroupConsumer['onCrash'] = (l) => this.inner.onCrash(l);
  onFetched: GroupConsumer['onFetched'] = (l) => this.inner.onFetched(l);
  disconnect = () => this.inner.disconnect();

  async commit(offsets: OffsetCommit[]): Promise<void> {
    await this.inner.commit(offsets);
    this.inHand.committed(offsets);
  }

  run(options: ConsumeOptions): Promise<void> {
    return this.inner.run({
      ...options,
      eachBatch: async (batch) => {
        const key = partitionKey(batch.topic, batch.partition);
        const tracked: MessageBatch = {
          topic: batch.topic,
          partition: batch.partition,
          highWatermark: batch.highWatermark,
          messages: batch.messages,
          resolveOffset: (offset) => batch.resolveOffset(offset),
          heartbeat: () => batch.heartbeat(),
          isActive: () => batch.isActive() || this.inHand.holds(key),
        };
        this.inHand.batches.set(key, tracked);
        try {
          await options.eachBatch(tracked);
        } finally {
          this.inHand.batches.delete(key);
          this.inHand.open.delete(key);
        }
      },
    });
  }
}

/**
 * A Nest microservice transport (`CustomTransportStrategy`) that hands Kafka records to
 * `@EventPattern(topic)` handlers in batches, one partition at a time:
 *
 * ```ts
 * @EventPattern('orders')
 * async handle(@Payload() batch: Order[], @Ctx() ctx: KafkaBatchContext) { ... }
 * ```
 *
 * - Offsets are committed after the handler's promise (or observable) completes, never before.
 * - A handler that throws gets the same records again, with backoff; nothing past them is
 *   committed and the partition fetches nothing more meanwhile (heartbeats go on).
 * - A record `decode` refuses goes to the dead-letter topic with the reason and its origin in the
 *   `HEADERS.dlq*` headers; the handler gets the rest of the batch.
 * - `problem()` says why the transport is not consuming (not started, crashed, closed), for
 *   readiness.
 * - `close()` (Nest calls it on shutdown, e.g. SIGTERM with `enableShutdownHooks()`) lets the
 *   batches in hand finish and commits them, then leaves the groups.
 *
 * Batching, commits and retries are `PartitionBatchConsumer`'s, so a batch replayed after a crash
 * or rebalance covers exactly the offsets it did before. The transport works on any
 * `MessagingClient`: kafkajs in distributed mode, `InProcessKafka` in embedded mode.
 */
export class KafkaBatchTransport<T = unknown>
  extends Server
  implements CustomTransportStrategy, ChunkWriter<Prepared>
{
  override transportId = KAFKA_BATCH_TRANSPORT;
  private readonly log = new Logger('kafka-batch');
  private readonly inHand = new BatchesInHand();
  private readonly tracked: MessagingClient;
  private readonly consumers = new Map<string, PartitionBatchConsumer<Prepared>>();
  private readonly o: Required<
    Omit<
      KafkaBatchTransportOptions<T>,
      | 'decode'
      | 'groupIdFor'
      | 'topicFor'
      | 'weight'
      | 'deadLetterBatch'
      | 'observer'
      | 'maxBytesPerPartition'
      | 'onAssignment'
    >
  >;
  /** The pattern of each consumed topic's handler. */
  private readonly patterns = new Map<string, string>();
  private producer?: MessageProducer;
  private listening = false;
  private startError?: Error;
  private closing?: Promise<void>;
  /** Per partition, the batch whose dead letters were sent: a retried batch does not send them again. */
  private readonly deadLettered = new Map<string, string>();

  constructor(
    client: MessagingClient,
    private readonly options: KafkaBatchTransportOptions<T>,
  ) {
    super();
    this.tracked = new TrackingClient(client, this.inHand);
    this.o = {
      ...DEFAULTS,
      deadLetterTopic: (topic) => `${topic}.dlq`,
      ...stripUndefined(options),
      groupId: options.groupId,
    };
  }

  listen(callback: (...optionalParams: unknown[]) => unknown): void {
    this.start().then(
      () => callback(),
      (e: unknown) => {
        this.startError = e instanceof Error ? e : new Error(String(e));
        callback(this.startError);
      },
    );
  }

  /** Why this transport is not consuming, or undefined while every topic's consumer is. */
  problem(): string | undefined {
    if (this.closing) return 'the Kafka batch transport is closed';
    if (this.startError)
      return `the Kafka batch transport failed to start: ${this.startError.message}`;
    if (!this.listening) return 'the Kafka batch transport is not listening yet';
    for (const consumer of this.consumers.values()) {
      const problem = consumer.problem();
      if (problem) return problem;
    }
    return undefined;
  }

  close(): Promise<void> {
    this.closing ??= this.stop();
    return this.closing;
  }

  on(): never {
    throw new Error('the Kafka batch transport has no events; use problem() for its state');
  }

  /**
   * Commits `offset` (with `metadata`) of a partition this member owns, outside a batch: for
   * `commits: 'handler'` stages whose state moved on while no records came. Throws when the
   * commit is refused (e.g. the partition was reassigned).
   */
  async commit(
    topic: string,
    partition: number,
    offset: string,
    metadata: string | null = null,
  ): Promise<void> {
    if (this.o.commits !== 'handler')
      throw new Error("commit() is for commits: 'handler' transports; batches commit themselves");
    const consumer = this.consumers.get(topic);
    if (!consumer) throw new Error(`the Kafka batch transport does not consume ${topic}`);
    await consumer.commitOffset(partition, offset, metadata);
  }

  /** The consumers, by topic. */
  unwrap<U>(): U {
    return new Map(this.consumers) as U;
  }

  private async start(): Promise<void> {
    const topics: string[] = [];
    for (const [pattern, handler] of this.getHandlers()) {
      const topic = this.options.topicFor ? this.options.topicFor(pattern) : pattern;
      if (topic === undefined) continue;
      if (!handler.isEventHandler || pattern.startsWith('{'))
        throw new Error(
          `the Kafka batch transport serves @EventPattern(topic) handlers only, not ${pattern}`,
        );
      if (this.patterns.has(topic))
        throw new Error(`two handlers consume ${topic}: ${this.patterns.get(topic)}, ${pattern}`);
      this.patterns.set(topic, pattern);
      topics.push(topic);
    }
    if (topics.length === 0) throw new Error('no @EventPattern handlers to consume for');
    await this.checkTopics(topics);
    this.producer = this.tracked.producer();
    await this.producer.connect();
    for (const topic of topics) {
      if (this.closing) return;
      const consumer = new PartitionBatchConsumer<Prepared>(
        this.tracked,
        this,
        {
          groupId: this.options.groupIdFor?.(topic) ?? `${this.options.groupId}.${topic}`,
          topic,
          maxRows: this.o.maxBatchRecords,
          maxBytes: this.o.maxBatchBytes,
          maxWaitMs: this.o.maxWaitMs,
          minBytes: this.o.minBytes,
          // A planned batch must fit into one fetch so that a replay can re-form it.
          maxBytesPerPartition: Math.max(
            this.o.maxBatchBytes * 2,
            this.options.maxBytesPerPartition ?? 0,
          ),
          sessionTimeoutMs: this.o.sessionTimeoutMs,
          retryMinMs: this.o.retryMinMs,
          retryMaxMs: this.o.retryMaxMs,
          permanentAttempts: this.o.permanentAttempts,
          partitionsConsumedConcurrently: this.o.partitionsConsumedConcurrently,
          fromBeginning: this.o.fromBeginning,
          drainTimeoutMs: this.o.drainTimeoutMs,
          commits: this.o.commits === 'handler' ? 'writer' : 'chunk',
        },
        this.observerFor(topic),
      );
      this.consumers.set(topic, consumer);
      await consumer.start();
    }
    this.listening = true;
    this._status$.next('connected');
    this.log.log(`consuming ${topics.join(', ')} in batches`);
  }

  private observerFor(topic: string): ConsumerObserver | undefined {
    const onAssignment = this.options.onAssignment;
    if (!onAssignment) return this.options.observer;
    return {
      ...this.options.observer,
      assigned: (partitions) => {
        this.options.observer?.assigned?.(partitions);
        onAssignment(topic, partitions);
      },
    };
  }

  /** A missing source or dead-letter topic is a configuration error: say so at start-up. */
  private async checkTopics(topics: string[]): Promise<void> {
    const admin = this.tracked.admin();
    await admin.connect();
    try {
      const existing = new Set(await admin.listTopics());
      const missing = [...topics, ...topics.map((t) => this.o.deadLetterTopic(t))].filter(
        (t) => !existing.has(t),
      );
      if (missing.length > 0) throw new Error(`missing topics: ${missing.join(', ')}`);
    } finally {
      await admin.disconnect();
    }
  }

  private async stop(): Promise<void> {
    this.inHand.draining = true;
    const timer = setTimeout(() => {
      this.log.warn(
        `batches still in hand after ${this.o.drainTimeoutMs} ms: leaving them uncommitted for the next owner`,
      );
      this.inHand.draining = false;
    }, this.o.drainTimeoutMs);
    try {
      await Promise.all([...this.consumers.values()].map((c) => c.stop()));
    } finally {
      clearTimeout(timer);
      this.inHand.draining = false;
    }
    await this.producer?.disconnect();
    this._status$.next('disconnected');
  }

  /** ChunkWriter: decoding happens here, so a bad record is known before its batch is handled. */
  prepare(record: SourceRecord): Prepared {
    const bytes = (record.value?.length ?? 0) + (record.key?.length ?? 0);
    let value: unknown;
    try {
      value = this.options.decode ? this.options.decode(record) : record.value;
    } catch (e) {
      return { bytes, ok: false, reason: e instanceof Error ? e.message : String(e) };
    }
    if (!this.options.weight) return { bytes, ok: true, value, rows: 1 };
    const w = this.options.weight(value as T, record);
    return { bytes: w.bytes, ok: true, value, rows: w.rows };
  }

  weight(prepared: Prepared): { rows: number; bytes: number } {
    return { rows: prepared.ok ? prepared.rows : 1, bytes: prepared.bytes };
  }

  /** ChunkWriter: dead letters first, then the handler; a throw makes the consumer retry. */
  async write(chunk: Chunk<Prepared>): Promise<void | CommitDecision | ChunkOutput> {
    const key = partitionKey(chunk.topic, chunk.partition);
    this.inHand.open.set(key, BigInt(chunk.lastOffset) + 1n);
    const rejected = chunk.items.filter((i) => !i.prepared.ok);
    if (rejected.length > 0 && this.deadLettered.get(key) !== chunk.token) {
      await this.sendDeadLetters(
        chunk.topic,
        rejected.map((i) => ({
          record: i.record,
          reason: (i.prepared as { reason: string }).reason,
        })),
      );
      this.log.warn(
        `${rejected.length} undecodable record(s) of ${key} sent to ${this.o.deadLetterTopic(chunk.topic)}`,
      );
      this.deadLettered.set(key, chunk.token);
    }
    const accepted = chunk.items.filter((i) => i.prepared.ok);
    // A stateful handler may still hold records before these: only it may move the commit.
    if (accepted.length === 0) return this.o.commits === 'handler' ? { offset: null } : undefined;
    const batch = this.inHand.batches.get(key);
    let decision: CommitDecision | undefined;
    const produce: SendRequest[] = [];
    const ctx = new KafkaBatchContext({
      topic: chunk.topic,
      partition: chunk.partition,
      firstOffset: chunk.firstOffset,
      lastOffset: chunk.lastOffset,
      token: chunk.token,
      topicPartitions: chunk.topicPartitions,
      messages: accepted.map((i) => i.record),
      deadLettered: rejected.length,
      heartbeat: () => batch?.heartbeat() ?? Promise.resolve(),
      isActive: () => batch?.isActive() ?? false,
      commitAt:
        this.o.commits === 'handler'
          ? (offset, metadata) => {
              decision = { offset, metadata };
            }
          : undefined,
      produceWithCommit:
        this.o.commits === 'batch'
          ? (sends) => {
              produce.push(...sends);
            }
          : undefined,
    });
    const handler = this.getHandlerByPattern(this.patterns.get(chunk.topic) ?? chunk.topic);
    if (!handler) throw new Error(`no handler for topic ${chunk.topic}`);
    await this.invoke(
      handler,
      accepted.map((i) => (i.prepared as { value: unknown }).value),
      ctx,
    );
    if (produce.length > 0) return { produce };
    return decision;
  }

  /** ChunkWriter: a batch that failed permanently goes to the dead-letter topic whole. */
  async deadLetter(chunk: Chunk<Prepared>, error: Error): Promise<void> {
    if (this.options.deadLetterBatch) {
      await this.options.deadLetterBatch(
        chunk.items.map((i) => i.record),
        error,
      );
      return;
    }
    await this.sendDeadLetters(
      chunk.topic,
      chunk.items.map((i) => ({
        record: i.record,
        reason: i.prepared.ok ? `handler refused the batch: ${error.message}` : i.prepared.reason,
      })),
    );
  }

  /** Runs the handler through Nest (pipes, guards, interceptors, filters) to completion. */
  private invoke(
    handler: MessageHandler,
    values: unknown[],
    ctx: KafkaBatchContext,
  ): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.onProcessingStartHook(this.transportId, ctx, async () => {
        try {
          const result: unknown = await handler(values, ctx);
          await lastValueFrom(this.transformToObservable(result), { defaultValue: undefined });
          resolve();
        } catch (e) {
          // Nest's exception filter already logged the original error and hands over a summary.
          reject(
            e instanceof Error
              ? e
              : new Error(`handler failed: ${(e as { message?: string })?.message ?? String(e)}`),
          );
        } finally {
          this.onProcessingEndHook?.(this.transportId, ctx);
        }
      });
    });
  }

  private async sendDeadLetters(
    topic: string,
    items: { record: SourceRecord; reason: string }[],
  ): Promise<void> {
    const dlq = this.o.deadLetterTopic(topic);
    const messages: OutgoingMessage[] = items.map(({ record, reason }) => ({
      key: record.key,
      value: record.value,
      headers: {
        ...record.headers,
        [HEADERS.dlqReason]: reason.slice(0, MAX_REASON_CHARS),
        [HEADERS.dlqSourceTopic]: record.topic,
        [HEADERS.dlqSourcePartition]: String(record.partition),
        [HEADERS.dlqSourceOffset]: record.offset,
        [HEADERS.dlqSourceTimestamp]: record.timestamp,
      },
    }));
    await this.producer!.send({ topic: dlq, messages, acks: -1 });
  }
}

function stripUndefined<O extends object>(o: O): Partial<O> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<O>;
}
