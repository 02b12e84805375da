/**
 * The messaging port: what the pipeline stages need from a log-based broker, in the project's own
 * terms. Two transports implement it: Kafka through kafkajs (`kafka/kafka.client.ts`) and the
 * in-process broker of embedded mode (`in-process/in-process.kafka.ts`). Stages import only these
 * types, so the Kafka client can be replaced (a maintained KafkaJS-compatible one, say) without
 * touching them.
 *
 * It is kept to what the stages use. Offsets are decimal strings, as Kafka's are 64-bit.
 */

/** Header values: text is sent as UTF-8; consumed headers are always bytes. */
export type RecordHeaderValue = Buffer | string | (Buffer | string)[] | undefined;
export type RecordHeaders = Record<string, RecordHeaderValue>;

/** A record to produce. */
export interface OutgoingMessage {
  /** Records with the same key land on the same partition; no key spreads them. */
  key?: Buffer | string | null;
  value: Buffer | string | null;
  headers?: RecordHeaders;
  /** Milliseconds since the epoch, decimal; default: when it is sent. */
  timestamp?: string;
  /** An explicit partition instead of the key's. */
  partition?: number;
}

/** A record as consumed. */
export interface ConsumedMessage {
  key: Buffer | null;
  value: Buffer | null;
  /** Absent on records of the oldest message format. */
  headers?: RecordHeaders;
  /** Producer or broker time, milliseconds since the epoch, decimal. */
  timestamp: string;
  offset: string;
}

/** Record batch codecs Kafka defines. Reading all of them works; see compression.codecs.ts. */
export type Compression = 'none' | 'gzip' | 'snappy' | 'lz4' | 'zstd';

export interface SendRequest {
  topic: string;
  messages: OutgoingMessage[];
  /** Acknowledgements to wait for: -1 all in-sync replicas (default), 1 the leader, 0 none. */
  acks?: -1 | 0 | 1;
  /** Default none. */
  compression?: Compression;
  /** How long the broker may take to acknowledge, ms. */
  timeoutMs?: number;
}

export interface RetryOptions {
  retries: number;
  initialRetryTimeMs: number;
  maxRetryTimeMs?: number;
}

export interface ProducerOptions {
  /** Retries of a failed send inside the client; default: the client's. */
  retry?: RetryOptions;
}

/**
 * Sends records. Keyed records are partitioned like the Java client's default partitioner
 * (murmur2), so every producer of the pipeline puts a trace id on the same partition. Topics are
 * never created by producing.
 */
export interface MessageProducer {
  connect(): Promise<void>;
  disconnect(): Promise<void>;
  /** Resolves once the records are acknowledged as `acks` asks. */
  send(request: SendRequest): Promise<void>;
  /** Called when the producer loses its connection (it connects again on `connect`). */
  onDisconnect(listener: () => void): void;
}

export interface GroupConsumerOptions {
  groupId: string;
  /** A member that does not heartbeat for this long loses its partitions. */
  sessionTimeoutMs: number;
  heartbeatIntervalMs?: number;
  /** The broker answers a fetch after this long even when it has less than `minBytes`. */
  maxWaitMs?: number;
  minBytes?: number;
  maxBytesPerPartition?: number;
  maxBytes?: number;
}

/** Records of one partition, handed over by a fetch. */
export interface MessageBatch {
  topic: string;
  partition: number;
  /** The offset the partition's next record will get. */
  highWatermark: string;
  messages: readonly ConsumedMessage[];
  /**
   * Marks the records up to `offset` as processed: the partition's next fetch starts after it.
   * Records left unresolved are delivered again. It commits nothing.
   */
  resolveOffset(offset: string): void;
  /** Tells the group this member is alive during long work on the batch. */
  heartbeat(): Promise<void>;
  /** False once the consumer stops or the group moved the partition elsewhere: stop, commit nothing. */
  isActive(): boolean;
}

export interface ConsumeOptions {
  topic: string;
  /** Where a group without a committed offset starts: the oldest record, or only new ones. */
  fromBeginning: boolean;
  partitionsConsumedConcurrently?: number;
  /** A rejection counts as a crash of the consumer (see `onCrash`); the batch is delivered again. */
  eachBatch(batch: MessageBatch): Promise<void>;
}

export interface OffsetCommit {
  topic: string;
  partition: number;
  /** The next offset to read. */
  offset: string;
  /** Stored with the offset and handed to the partition's next owner. */
  metadata?: string | null;
}

/**
 * A member of a consumer group. Offsets are committed only by `commit`: stages commit what they
 * have made durable, never what they have merely read.
 */
export interface GroupConsumer {
  /** Partitions this member owns after each (re)balance, by topic. */
  onAssignment(listener: (assignment: Record<string, number[]>) => void): void;
  /** The consumer failed; `restarting` says whether the client starts it again by itself. */
  onCrash(listener: (error: Error, restarting: boolean) => void): void;
  /**
   * A fetch completed, with or without records: the member is in its group and reading. A crash
   * whose cause was passing (a coordinator loading or moving, a broker restarting) is over then;
   * one that recurs (an undecodable record batch) fails every fetch and never gets here.
   */
  onFetched(listener: () => void): void;
  /** Connects, joins the group, subscribes and starts delivering batches. */
  run(options: ConsumeOptions): Promise<void>;
  /**
   * Resolves once the offsets are committed. Throws a `CommitRejectedError` when the group gave the
   * partition to another member, or when the consumer is stopping and cannot commit it any more
   * (on kafkajs: no batch of that partition in hand); never reports a skipped commit as done.
   * A batch in hand can still be committed while `disconnect()` waits for it.
   */
  commit(offsets: OffsetCommit[]): Promise<void>;
  /** Leaves the group and stops; a batch in progress sees `isActive()` turn false. */
  disconnect(): Promise<void>;
}

/**
 * A commit refused because this member no longer owns the partition (a rebalance moved it) or is
 * leaving the group without it in hand: the next owner replays from the last commit, so the work
 * in progress is to be abandoned, not retried.
 */
export class CommitRejectedError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'CommitRejectedError';
  }
}

export interface TopicSpec {
  topic: string;
  partitions: number;
  /** Broker-side topic configs, e.g. { 'retention.ms': '604800000' }. */
  configs?: Record<string, string>;
}

export interface TopicMetadata {
  name: string;
  /** `leader` is the broker id leading the partition, negative while it has none. */
  partitions: { partitionId: number; leader: number }[];
}

export interface CommittedOffset {
  partition: number;
  /** '-1' when the group has committed nothing for the partition. */
  offset: string;
  metadata: string | null;
}

export interface PartitionWatermarks {
  partition: number;
  /** Oldest offset still stored. */
  low: string;
  /** The offset the next record will get. */
  high: string;
}

export interface MessagingAdmin {
  connect(): Promise<void>;
  disconnect(): Promise<void>;
  listTopics(): Promise<string[]>;
  /** Creates the topics and waits for their partitions' leaders; false when none was created. */
  createTopics(topics: TopicSpec[]): Promise<boolean>;
  deleteTopics(topics: string[]): Promise<void>;
  fetchTopicMetadata(topics: string[]): Promise<TopicMetadata[]>;
  /** What `groupId` has committed for every partition of `topic`. */
  fetchOffsets(groupId: string, topic: string): Promise<CommittedOffset[]>;
  fetchTopicOffsets(topic: string): Promise<PartitionWatermarks[]>;
}

/**
 * What an election member knows after an assignment: whether it leads, and the current leadership
 * generation (its own, or the one another member leads in). The generation grows by one each time
 * leadership changes hands and stays while the leader stays; 0 before any is known.
 */
export interface LeadershipState {
  leading: boolean;
  generation: number;
}

export interface ElectionMemberOptions {
  /** Names the election; replicas of one service use the same name. */
  name: string;
  /** A member that stops heartbeating for this long is out, and its leadership with it. */
  sessionTimeoutMs: number;
  /** Called whenever either part of the state changes. */
  onChange(state: LeadershipState): void;
}

/**
 * One replica's membership in a sticky leader election: the leader keeps leading while it is a
 * member, whoever joins; when it leaves, one other member leads in the next generation.
 */
export interface ElectionMember {
  start(): Promise<void>;
  /** Gives up leadership (reported through onChange first) and leaves. */
  stop(): Promise<void>;
}

/** A transport: creates the producers, consumers, admins and election members of one client. */
export interface MessagingClient {
  producer(options?: ProducerOptions): MessageProducer;
  consumer(options: GroupConsumerOptions): GroupConsumer;
  admin(): MessagingAdmin;
  electionMember(options: ElectionMemberOptions): ElectionMember;
  /**
   * Produces records and commits a consumer group's offset as one step: after a crash, both
   * happened or neither did, so a stage that replays its input never produces its output twice.
   * Absent where the transport cannot (consumers then send, then commit: at least once).
   */
  sendAndCommit?(request: AtomicSendRequest): Promise<void>;
  /** Releases what `sendAndCommit` holds for a group's partitions (its consumer stopped). */
  endTransactions?(groupId: string): Promise<void>;
  /**
   * Bytes of a topic's records its readers have not all committed past, where the transport
   * holds them in this process (the in-process transport; absent for Kafka, whose brokers keep
   * them on disk): what a producer adds to memory until they are read.
   */
  backlogBytes?(topic: string): number;
}

export interface AtomicSendRequest {
  sends: SendRequest[];
  commit: { groupId: string } & OffsetCommit;
}
