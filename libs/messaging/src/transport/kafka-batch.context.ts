import { BaseRpcContext } from '@nestjs/microservices';
import type { SourceRecord } from '../partition-batch.consumer';
import type { SendRequest } from '../port/messaging.port';

/** What a batch handler can do besides reading the batch. */
export interface KafkaBatchControl {
  /** Tells the group this member is alive; the transport also does so on its own during a batch. */
  heartbeat(): Promise<void>;
  /** False once the partition was taken away (rebalance) or the drain on shutdown timed out. */
  isActive(): boolean;
}

export interface KafkaBatchContextArgs extends KafkaBatchControl {
  topic: string;
  partition: number;
  firstOffset: string;
  lastOffset: string;
  /** Same offsets, same token, also after a crash and replay: an idempotence key for writes. */
  token: string;
  /** Partitions of the topic, from the broker's metadata (undefined when it could not be read). */
  topicPartitions?: number;
  messages: SourceRecord[];
  deadLettered: number;
  /** Present on `commits: 'handler'` transports. */
  commitAt?: (offset: string | null, metadata?: string | null) => void;
  /** Present on `commits: 'batch'` transports. */
  produceWithCommit?: (sends: SendRequest[]) => void;
}

/**
 * The context of one batch handed to an `@EventPattern(topic)` handler (`@Ctx()`): where the
 * batch comes from and a way to keep the partition during long work.
 *
 * `firstOffset..lastOffset` is the range the transport commits once the handler resolves. It may
 * hold more records than the payload: records that could not be decoded went to the dead-letter
 * topic instead (`deadLettered`). `messages[i]` is the record `payload[i]` was decoded from.
 */
export class KafkaBatchContext extends BaseRpcContext<[KafkaBatchContextArgs]> {
  constructor(args: KafkaBatchContextArgs) {
    super([args]);
  }

  private get a(): KafkaBatchContextArgs {
    return this.args[0];
  }

  get topic(): string {
    return this.a.topic;
  }

  get partition(): number {
    return this.a.partition;
  }

  get firstOffset(): string {
    return this.a.firstOffset;
  }

  get lastOffset(): string {
    return this.a.lastOffset;
  }

  /**
   * Identifies the batch's offset range (`<group>/<topic>/<partition>/<first>-<last>`): a replay
   * after a crash or rebalance re-forms the same batch with the same token, so a write keyed by it
   * (e.g. ClickHouse insert_deduplication_token) is stored once.
   */
  get token(): string {
    return this.a.token;
  }

  get topicPartitions(): number | undefined {
    return this.a.topicPartitions;
  }

  /** The records of the payload, in order, with key, headers, offset and timestamp. */
  get messages(): readonly SourceRecord[] {
    return this.a.messages;
  }

  /** Records of the range sent to the dead-letter topic instead of the handler. */
  get deadLettered(): number {
    return this.a.deadLettered;
  }

  heartbeat(): Promise<void> {
    return this.a.heartbeat();
  }

  /**
   * Records this batch produces, sent with its commit once the handler resolves: in one atomic
   * step where the transport can (the in-process journal), else sent and then committed. A batch
   * handed over again after a crash then never finds its output already produced.
   */
  produceWithCommit(sends: SendRequest[]): void {
    if (!this.a.produceWithCommit)
      throw new Error("produceWithCommit() is for commits: 'batch' transports");
    this.a.produceWithCommit(sends);
  }

  /**
   * On a `commits: 'handler'` transport: what to commit once the handler resolves, in place of
   * the end of the batch. `offset` is where the partition's next owner starts (at most
   * `lastOffset + 1`; earlier while records before it are still held in memory), null commits
   * nothing; `metadata` is stored with it (e.g. the event time reached, to restore state from).
   */
  commitAt(offset: string | null, metadata?: string | null): void {
    if (!this.a.commitAt)
      throw new Error("commitAt() is for commits: 'handler' transports; this batch commits itself");
    this.a.commitAt(offset, metadata);
  }

  isActive(): boolean {
    return this.a.isActive();
  }
}
