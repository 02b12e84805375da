import { Logger } from '@nestjs/common';
import {
  CommitRejectedError,
  type ConsumedMessage,
  type GroupConsumer,
  type MessageBatch,
  type MessageProducer,
  type MessagingAdmin,
  type MessagingClient,
  type RecordHeaders,
  type SendRequest,
} from './port/messaging.port';
import { TimeSlicer } from './time-slicer';

/** One record as read from a source topic. */
export interface SourceRecord {
  topic: string;
  partition: number;
  offset: string;
  key: Buffer | null;
  value: Buffer | null;
  headers: RecordHeaders;
  /** Broker/producer timestamp, ms since epoch, decimal. */
  timestamp: string;
}

/** A contiguous run of records of one partition that is made durable as a unit. */
export interface Chunk<P> {
  topic: string;
  partition: number;
  firstOffset: string;
  lastOffset: string;
  /**
   * Identifies this exact chunk: the same offsets give the same token, also after a crash and
   * replay. Writers use it for idempotence (e.g. ClickHouse insert_deduplication_token).
   */
  token: string;
  items: { record: SourceRecord; prepared: P }[];
  /** Partitions of the topic (from the broker's metadata; undefined when it could not be read). */
  topicPartitions?: number;
}

/** What a pipeline stage plugs into the consumer. */
export interface ChunkWriter<P> {
  /** CPU-only work per record (decode, validate). Bad input is data: return a rejection, never throw. */
  prepare(record: SourceRecord): P;
  /** Size of a prepared record for chunking, e.g. rows = spans and bytes = record size. */
  weight(prepared: P): { rows: number; bytes: number };
  /**
   * Makes a chunk durable (database rows, output records). Called again with the same chunk after
   * a failure or a crash, so it must be idempotent for the same token. Throw to retry with backoff;
   * throw a `PermanentWriteError` for failures that retrying cannot fix.
   *
   * With `commits: 'writer'` it returns what to commit: a stateful stage that keeps records in
   * memory past the chunk (open traces, open windows) commits the smallest offset it still needs,
   * with metadata to restore its state from; undefined commits the end of the chunk.
   *
   * With `commits: 'chunk'` it may return the records the chunk produces (`ChunkOutput`): they
   * are produced together with the chunk's commit, atomically where the transport can
   * (`sendAndCommit`), so a replayed chunk never produces them twice.
   */
  write(chunk: Chunk<P>): Promise<void | CommitDecision | ChunkOutput>;
  /** Last resort for a chunk that failed permanently: persist its records elsewhere (dead letters). */
  deadLetter(chunk: Chunk<P>, error: Error): Promise<void>;
}

/**
 * What a writer in `commits: 'writer'` mode commits after a chunk: `offset` null commits nothing
 * (everything is still needed), otherwise the offset the next owner starts from (at most the
 * chunk's last offset + 1) with optional metadata.
 */
export interface CommitDecision {
  offset: string | null;
  metadata?: string | null;
}

/** Records a written chunk produces, sent with its commit (see ChunkWriter.write). */
export interface ChunkOutput {
  produce: SendRequest[];
}

const isOutput = (r: CommitDecision | ChunkOutput | void): r is ChunkOutput =>
  r !== undefined && r !== null && 'produce' in r;

/** A write failure that retrying will not fix (the data itself is refused). */
export class PermanentWriteError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'PermanentWriteError';
  }
}

export interface ConsumerObserver {
  chunkWritten?(chunk: {
    partition: number;
    records: number;
    rows: number;
    bytes: number;
    ms: number;
    attempts: number;
  }): void;
  writeFailed?(error: Error, attempt: number, permanent: boolean): void;
  lag?(partition: number, lag: number): void;
  /** True while writes are failing and fetching is held back. */
  backpressure?(active: boolean): void;
  /** The partitions of the topic this member owns after each rebalance (empty: none). */
  assigned?(partitions: number[]): void;
}

export interface PartitionBatchConsumerOptions {
  groupId: string;
  topic: string;
  /** A chunk is cut when adding the next record would pass either bound (a chunk has ≥ 1 record). */
  maxRows: number;
  maxBytes: number;
  /** Broker waits this long for `minBytes` before answering a fetch: the time bound of a chunk. */
  maxWaitMs: number;
  minBytes: number;
  /** Per-partition fetch size; must hold a whole chunk (checked) so a planned chunk can be re-read. */
  maxBytesPerPartition: number;
  sessionTimeoutMs: number;
  /** Backoff between write attempts: doubles from min to max. */
  retryMinMs: number;
  retryMaxMs: number;
  /** Attempts for a write that fails with PermanentWriteError before the chunk is dead-lettered. */
  permanentAttempts: number;
  partitionsConsumedConcurrently: number;
  fromBeginning: boolean;
  /**
   * `chunk` (default): each chunk is committed when written, its range planned in the commit
   * metadata first so a replay re-forms it exactly. `writer`: the writer decides what is committed
   * (`CommitDecision`), for stages whose state outlives a chunk; no plans, the metadata is theirs.
   */
  commits?: 'chunk' | 'writer';
  /**
   * How long `stop()` lets a chunk whose write has begun finish and commit, ms; default 30 000.
   * Past it, the chunk is abandoned uncommitted and its next owner replays it.
   */
  drainTimeoutMs?: number;
}

/** Offset commit metadata: the chunk in flight, so a replay re-forms exactly the same chunk. */
interface ChunkPlan {
  v: 1;
  first: string;
  last: string;
}

function parsePlan(metadata: string | null | undefined): ChunkPlan | undefined {
  if (!metadata) return undefined;
  try {
    const p = JSON.parse(metadata) as Partial<ChunkPlan>;
    if (p.v === 1 && typeof p.first === 'string' && typeof p.last === 'string')
      return p as ChunkPlan;
  } catch {
    // metadata written by something else: ignore it
  }
  return undefined;
}

class Abandoned extends Error {}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/**
 * A Kafka consumer-group member that turns partitions into durable chunks with exactly the
 * guarantees the pipeline needs:
 *
 * - **Offsets follow durability**: a partition's offset is committed only after `write` resolved
 *   for every record before it. Nothing is committed past unwritten data.
 * - **Replays are identical**: before writing a chunk, its offset range is committed as metadata
 *   on the (unchanged) committed offset. After a crash or a rebalance the next owner reads that
 *   plan and re-forms exactly that chunk, so the writer sees the same token and can deduplicate.
 * - **Backpressure**: while `write` fails, the partition's batch is retried with backoff inside
 *   the fetch loop, so no more is fetched; heartbeats continue so the member keeps its partitions;
 *   a revoked partition is abandoned without committing.
 */
export class PartitionBatchConsumer<P> {
  private readonly log: Logger;
  private consumer?: GroupConsumer;
  private admin?: MessagingAdmin;
  /** Sends chunk outputs where the transport has no `sendAndCommit`. */
  private producer?: MessageProducer;
  /** Plans read from the group's committed offsets, per partition, for the current assignment. */
  private plans = new Map<number, ChunkPlan | undefined>();
  /** Partition count per topic, read once per assignment. */
  private partitionCounts = new Map<string, Promise<number | undefined>>();
  private failing = 0;
  /** The consumer's last crash, until a fetch completes or a chunk is written again (see problem()). */
  private crash: { error: Error; restarting: boolean } | undefined;
  private restartTimer: NodeJS.Timeout | undefined;
  private stopped = false;
  /** While `stop()` drains: a chunk whose write has begun finishes and is committed. */
  private draining = false;
  private readonly slicer = new TimeSlicer();

  constructor(
    private readonly client: MessagingClient,
    private readonly writer: ChunkWriter<P>,
    private readonly options: PartitionBatchConsumerOptions,
    private readonly observer: ConsumerObserver = {},
  ) {
    this.log = new Logger(`consumer:${options.groupId}`);
    if (options.maxBytes > options.maxBytesPerPartition / 2) {
      throw new Error(
        `chunk maxBytes (${options.maxBytes}) must be at most half the fetch size per partition (${options.maxBytesPerPartition}) so a planned chunk can always be re-read`,
      );
    }
  }

  async start(): Promise<void> {
    const o = this.options;
    this.admin = this.client.admin();
    await this.admin.connect();
    if (!this.client.sendAndCommit && !this.producer) {
      this.producer = this.client.producer();
      await this.producer.connect();
    }
    this.consumer = this.client.consumer({
      groupId: o.groupId,
      sessionTimeoutMs: o.sessionTimeoutMs,
      heartbeatIntervalMs: Math.max(1000, Math.floor(o.sessionTimeoutMs / 10)),
      maxWaitMs: o.maxWaitMs,
      minBytes: o.minBytes,
      maxBytesPerPartition: o.maxBytesPerPartition,
      maxBytes: o.maxBytesPerPartition * 4,
    });
    this.consumer.onAssignment((assignment) => {
      // A new assignment: plans must be read again from the committed offsets.
      this.plans = new Map();
      this.partitionCounts = new Map();
      this.log.log(`joined group ${o.groupId}: assigned ${JSON.stringify(assignment)}`);
      this.observer.assigned?.(assignment[o.topic] ?? []);
    });
    this.consumer.onCrash((error, restart) => {
      this.crash = { error, restarting: restart };
      this.log.error(
        `consumer crashed (${restart ? 'the client restarts it' : 'restarting it in 5 s'}): ${error.message}`,
      );
      // The client gives up on errors it does not consider retriable: start over rather than idle.
      if (!restart && !this.stopped) {
        clearTimeout(this.restartTimer);
        this.restartTimer = setTimeout(() => void this.restart(), 5000);
      }
    });
    // Reading again ends a passing crash (a coordinator loading): on an idle topic no chunk would.
    this.consumer.onFetched(() => (this.crash = undefined));
    await this.consumer.run({
      topic: o.topic,
      fromBeginning: o.fromBeginning,
      partitionsConsumedConcurrently: o.partitionsConsumedConcurrently,
      eachBatch: (batch) => this.onBatch(batch),
    });
  }

  /**
   * Why this consumer is not consuming, or undefined while it is: a crash (an undecodable record
   * batch, a lost broker) counts until a fetch completes or a chunk is written again. Services turn it into not-ready.
   */
  problem(): string | undefined {
    if (this.crash === undefined) return undefined;
    return `consumer of ${this.options.topic} crashed: ${this.crash.error.message}`;
  }

  private async restart(): Promise<void> {
    if (this.stopped) return;
    try {
      await this.consumer?.disconnect();
      await this.admin?.disconnect();
      if (!this.stopped) await this.start();
    } catch (e) {
      this.log.error(`consumer restart failed, trying again in 5 s: ${(e as Error).message}`);
      this.restartTimer = setTimeout(() => void this.restart(), 5000);
    }
  }

  /**
   * Stops fetching, lets a chunk whose write has begun finish and commits it (at most
   * `drainTimeoutMs`; past it, when its write fails or when its commit is refused, it is left
   * uncommitted for the next owner), then leaves the group. Records of the batch in hand not yet being written are left
   * uncommitted: the next owner gets them.
   */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.restartTimer);
    this.draining = true;
    const drainTimeoutMs = this.options.drainTimeoutMs ?? 30_000;
    const timer = setTimeout(() => {
      this.log.warn(
        `chunk still in hand after ${drainTimeoutMs} ms: leaving it uncommitted for the next owner`,
      );
      this.draining = false;
    }, drainTimeoutMs);
    try {
      await this.consumer?.disconnect();
    } finally {
      clearTimeout(timer);
      this.draining = false;
    }
    await this.admin?.disconnect();
    await this.producer?.disconnect();
    await this.client.endTransactions?.(this.options.groupId);
    this.consumer = undefined;
    this.admin = undefined;
    this.producer = undefined;
  }

  /**
   * Commits an offset of an owned partition outside a chunk (a stateful stage that moved on while
   * no records came, e.g. windows closed on an idle partition). Throws when the commit is refused,
   * e.g. because the partition moved to another member.
   */
  async commitOffset(partition: number, offset: string, metadata: string | null): Promise<void> {
    if (!this.consumer) throw new Error(`the consumer of ${this.options.topic} is not running`);
    await this.consumer.commit([{ topic: this.options.topic, partition, offset, metadata }]);
  }

  private async planFor(topic: string, partition: number): Promise<ChunkPlan | undefined> {
    if (this.options.commits === 'writer') return undefined;
    if (this.plans.has(partition)) return this.plans.get(partition);
    const offsets = await this.admin!.fetchOffsets(this.options.groupId, topic);
    const p = offsets.find((x) => x.partition === partition);
    const plan = parsePlan(p?.metadata);
    if (plan)
      this.log.log(
        `partition ${partition}: replaying chunk ${plan.first}..${plan.last} left in flight by a previous owner`,
      );
    this.plans.set(partition, plan);
    return plan;
  }

  /** The topic's partition count; undefined (and asked again next assignment) if metadata fails. */
  private partitionCount(topic: string): Promise<number | undefined> {
    let count = this.partitionCounts.get(topic);
    if (count === undefined) {
      count = this.admin!.fetchTopicMetadata([topic]).then(
        (m) => m.find((t) => t.name === topic)?.partitions.length,
        () => undefined,
      );
      this.partitionCounts.set(topic, count);
    }
    return count;
  }

  private async onBatch(batch: MessageBatch): Promise<void> {
    const resolveOffset = (offset: string) => batch.resolveOffset(offset);
    const heartbeat = () => batch.heartbeat();
    const { topic, partition } = batch;
    if (batch.messages.length === 0) return;
    const alive = () => batch.isActive();

    let plan = await this.planFor(topic, partition);
    const topicPartitions = await this.partitionCount(topic);
    if (plan && BigInt(batch.messages[0].offset) > BigInt(plan.first)) {
      // The planned records are gone (retention) or were committed by someone else: nothing to re-form.
      plan = undefined;
      this.plans.set(partition, undefined);
    }

    // Records are prepared (decoded) one chunk at a time, so memory holds one chunk, not a fetch;
    // a record at a time, with the event loop let go between them once a slice has run.
    const messages = batch.messages;
    let carried: { record: SourceRecord; prepared: P } | undefined;
    const item = async (index: number) => {
      if (carried && carried.record.offset === messages[index].offset) return carried;
      if (this.slicer.due()) await this.slicer.pause();
      const record = toSourceRecord(topic, partition, messages[index]);
      return { record, prepared: this.writer.prepare(record) };
    };

    let i = 0;
    while (i < messages.length) {
      if (!alive()) return;
      const slice: { record: SourceRecord; prepared: P }[] = [];
      if (plan && messages[i].offset === plan.first) {
        const end = messages.findIndex((m) => m.offset === plan!.last);
        // The planned chunk is not all in this fetch: leave it unresolved, it is fetched again.
        if (end < 0) return;
        for (let j = i; j <= end; j++) slice.push(await item(j));
        plan = undefined;
        this.plans.set(partition, undefined);
      } else {
        let rows = 0;
        let bytes = 0;
        for (let j = i; j < messages.length; j++) {
          const it = await item(j);
          if (!alive()) return;
          const w = this.writer.weight(it.prepared);
          if (
            slice.length > 0 &&
            (rows + w.rows > this.options.maxRows || bytes + w.bytes > this.options.maxBytes)
          ) {
            carried = it;
            break;
          }
          slice.push(it);
          rows += w.rows;
          bytes += w.bytes;
        }
      }
      const first = slice[0].record.offset;
      const last = slice[slice.length - 1].record.offset;
      const chunk: Chunk<P> = {
        topic,
        partition,
        firstOffset: first,
        lastOffset: last,
        token: `${this.options.groupId}/${topic}/${partition}/${first}-${last}`,
        items: slice,
        topicPartitions,
      };
      try {
        await this.process(chunk, heartbeat, alive);
      } catch (e) {
        if (e instanceof Abandoned) return;
        throw e;
      }
      resolveOffset(last);
      this.crash = undefined;
      this.observer.lag?.(
        partition,
        Math.max(0, Number(BigInt(batch.highWatermark) - BigInt(last) - 1n)),
      );
      i += slice.length;
    }
  }

  private async process(
    chunk: Chunk<P>,
    heartbeat: () => Promise<void>,
    batchActive: () => boolean,
  ): Promise<void> {
    const t0 = Date.now();
    // Once its write has begun, a chunk outlives its batch's activity while stop() drains.
    let writing = false;
    const alive = () => batchActive() || (writing && this.draining);
    // Heartbeat while the chunk is in flight: a slow write must not cost us the partition.
    const beat = setInterval(
      () => void heartbeat().catch(() => undefined),
      Math.max(500, this.options.sessionTimeoutMs / 5),
    );
    const byWriter = this.options.commits === 'writer';
    try {
      if (!byWriter)
        await this.commit(
          chunk.topic,
          chunk.partition,
          chunk.firstOffset,
          JSON.stringify({ v: 1, first: chunk.firstOffset, last: chunk.lastOffset }),
          alive,
        );
      writing = true;
      const { attempts, decision, output } = await this.writeWithRetry(chunk, alive);
      const end = (BigInt(chunk.lastOffset) + 1n).toString();
      if (output) await this.produceAndCommit(chunk, output, end, alive);
      else if (!byWriter || !decision)
        await this.commit(chunk.topic, chunk.partition, end, null, alive);
      else if (decision.offset !== null) {
        await this.commit(
          chunk.topic,
          chunk.partition,
          decision.offset,
          decision.metadata ?? null,
          alive,
        );
      }
      writing = false;
      const w = chunk.items.reduce(
        (acc, it) => {
          const x = this.writer.weight(it.prepared);
          return { rows: acc.rows + x.rows, bytes: acc.bytes + x.bytes };
        },
        { rows: 0, bytes: 0 },
      );
      this.observer.chunkWritten?.({
        partition: chunk.partition,
        records: chunk.items.length,
        ...w,
        ms: Date.now() - t0,
        attempts,
      });
    } finally {
      clearInterval(beat);
    }
  }

  /**
   * The chunk's output and its commit: one atomic step where the transport has `sendAndCommit`,
   * else sent (retried until acknowledged) and then committed. A refused commit abandons the chunk.
   */
  private async produceAndCommit(
    chunk: Chunk<P>,
    output: ChunkOutput,
    end: string,
    alive: () => boolean,
  ): Promise<void> {
    const sends = output.produce.filter((s) => s.messages.length > 0);
    if (!this.client.sendAndCommit) {
      await this.retrying(`producing the output of ${chunk.token}`, alive, () =>
        Promise.all(sends.map((s) => this.producer!.send(s))),
      );
      await this.commit(chunk.topic, chunk.partition, end, null, alive);
      return;
    }
    const commit = {
      groupId: this.options.groupId,
      topic: chunk.topic,
      partition: chunk.partition,
      offset: end,
      metadata: null,
    };
    await this.retrying(`producing and committing ${chunk.token}`, alive, () =>
      this.client.sendAndCommit!({ sends, commit }),
    );
  }

  /**
   * Producing a chunk's output is part of making it durable: failures count as write failures
   * (metrics, backpressure) and are retried with the same backoff, fetching nothing meanwhile.
   */
  private async retrying(what: string, alive: () => boolean, work: () => Promise<unknown>) {
    let delay = this.options.retryMinMs;
    for (let attempt = 1; ; attempt++) {
      if (!alive()) {
        if (attempt > 1) this.setFailing(-1);
        throw new Abandoned();
      }
      try {
        await work();
        if (attempt > 1) this.setFailing(-1);
        return;
      } catch (e) {
        if (e instanceof CommitRejectedError) {
          if (attempt > 1) this.setFailing(-1);
          throw new Abandoned();
        }
        const error = e instanceof Error ? e : new Error(String(e));
        this.observer.writeFailed?.(error, attempt, false);
        if (attempt === 1) this.setFailing(+1);
        this.log.warn(`${what} failed (${error.message}); retrying in ${delay} ms`);
        await sleep(delay);
        delay = Math.min(this.options.retryMaxMs, delay * 2);
      }
    }
  }

  private async writeWithRetry(
    chunk: Chunk<P>,
    alive: () => boolean,
  ): Promise<{ attempts: number; decision?: CommitDecision; output?: ChunkOutput }> {
    let delay = this.options.retryMinMs;
    let permanentFailures = 0;
    for (let attempt = 1; ; attempt++) {
      try {
        const result = await this.writer.write(chunk);
        if (isOutput(result) && this.options.commits === 'writer')
          throw new Error('a writer that decides its commits cannot hand over output to produce');
        if (isOutput(result)) {
          if (attempt > 1) this.setFailing(-1);
          return { attempts: attempt, output: result };
        }
        const decision = result ?? undefined;
        const end = BigInt(chunk.lastOffset) + 1n;
        // A writer that asks for more than it was given has a bug: retried like a failed write.
        if (decision && decision.offset !== null && BigInt(decision.offset) > end)
          throw new Error(
            `the writer asked to commit ${chunk.topic}/${chunk.partition}@${decision.offset}, past the chunk's end ${end}`,
          );
        if (attempt > 1) this.setFailing(-1);
        return { attempts: attempt, decision: decision ?? undefined };
      } catch (e) {
        const error = e instanceof Error ? e : new Error(String(e));
        const permanent = error instanceof PermanentWriteError;
        this.observer.writeFailed?.(error, attempt, permanent);
        if (attempt === 1) this.setFailing(+1);
        if (this.stopped) {
          // Shutting down: a failing write is not retried through the drain; the next owner replays it.
          this.setFailing(-1);
          throw new Abandoned();
        }
        if (permanent && ++permanentFailures >= this.options.permanentAttempts) {
          this.log.error(
            `partition ${chunk.partition} chunk ${chunk.firstOffset}..${chunk.lastOffset} refused ${permanentFailures} times (${error.message}); dead-lettering it`,
          );
          await this.writer.deadLetter(chunk, error);
          this.setFailing(-1);
          return { attempts: attempt };
        }
        this.log.warn(
          `partition ${chunk.partition} chunk ${chunk.firstOffset}..${chunk.lastOffset}: write attempt ${attempt} failed (${error.message}); retrying in ${delay} ms, not fetching meanwhile`,
        );
        const until = Date.now() + delay;
        while (Date.now() < until) {
          if (!alive()) {
            this.setFailing(-1);
            throw new Abandoned();
          }
          await sleep(Math.min(250, until - Date.now()));
        }
        delay = Math.min(this.options.retryMaxMs, delay * 2);
      }
    }
  }

  private setFailing(delta: number): void {
    const before = this.failing;
    this.failing = Math.max(0, this.failing + delta);
    if ((before === 0) !== (this.failing === 0)) this.observer.backpressure?.(this.failing > 0);
  }

  private async commit(
    topic: string,
    partition: number,
    offset: string,
    metadata: string | null,
    alive: () => boolean,
  ): Promise<void> {
    let delay = this.options.retryMinMs;
    for (;;) {
      if (!alive()) throw new Abandoned();
      try {
        await this.consumer!.commit([{ topic, partition, offset, metadata }]);
        return;
      } catch (e) {
        // The partition belongs to someone else now, who replays from the last commit.
        if (e instanceof CommitRejectedError) throw new Abandoned();
        this.log.warn(
          `commit of ${topic}/${partition}@${offset} failed (${(e as Error).message}); retrying in ${delay} ms`,
        );
        await sleep(delay);
        delay = Math.min(this.options.retryMaxMs, delay * 2);
      }
    }
  }
}

function toSourceRecord(topic: string, partition: number, m: ConsumedMessage): SourceRecord {
  return {
    topic,
    partition,
    offset: m.offset,
    key: m.key,
    value: m.value,
    headers: m.headers ?? {},
    timestamp: m.timestamp,
  };
}
