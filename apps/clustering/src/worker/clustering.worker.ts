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
  parseEndpointRules,
  PartitionPipeline,
  type PartitionPipelineOptions,
} from '@t2t/fingerprint';
import {
  createKafka,
  ensureTopics,
  type GroupConsumer,
  HEADERS,
  type KafkaBatchContext,
  KafkaBatchTransport,
  type MessageBatch,
  type MessageProducer,
  type MessagingAdmin,
  type MessagingClient,
  type OutgoingMessage,
  type RecordHeaders,
  TimeSlicer,
} from '@t2t/messaging';
import { HealthRegistry, MetricsRegistry } from '@t2t/platform';
import { InvalidTenantError, TENANT_RECORD_HEADER, TraceRecordError } from '@t2t/wire';
import type { ClusteringConfig } from '../clustering.env';
import { CLUSTERING_CONFIG, CLUSTERING_CONSUME } from '../clustering.tokens';
import { ClusteringMetrics } from './clustering.metrics';
import { ClusteringHandlersModule, CLUSTERING_SPANS_PATTERN } from './clustering.handler';
import { sourceOf } from './source-progress.header';
import { decodeTenantTraceRecord, type TenantTraceRecord } from './tenant-trace.record';

/**
 * How the worker consumes spans_by_trace: `transport` (the service) through the
 * `@EventPattern` handler of a Nest microservice on the Kafka batch transport in `commits:
 * 'handler'` mode; `direct` drives the port's consumer itself, for benchmarks comparing the two.
 */
export type ClusteringConsume = 'transport' | 'direct';

/** The dead-letter topic of unreadable trace records (written by something other than ingest). */
export const clusteringDlqTopic = (inputTopic: string) => `${inputTopic}.dlq`;

/** Offset commit metadata: the event time reached, restored by the partition's next owner. */
interface CommitMetadata {
  v: 1;
  watermarkNs: string;
}

interface PartitionState {
  pipeline: PartitionPipeline;
  /** Serialises batch processing and idle advances of one partition. */
  lock: Promise<void>;
  lastRecordWallMs: number;
  /** The partition's open traces and windows were flushed since its last record. */
  flushed: boolean;
  lastCommitted: { offset: number; watermarkNs: bigint } | undefined;
}

/** A commit the partition's state allows: the offset still needed first, and the event time. */
interface Commit {
  offset: number;
  watermarkNs: bigint;
}

/** A record of a batch, as either path hands it over. */
interface BatchRecord {
  offset: string;
  headers: RecordHeaders;
  /** Undefined when the record could not be read (direct path; the transport dead-letters those). */
  trace: TenantTraceRecord | undefined;
}

const sendBytesLimit = 768 * 1024;

/**
 * A clustering worker: consumes its share of `spans_by_trace`, assembles and fingerprints traces,
 * aggregates them per window, publishes closed windows on `cluster_events`, and commits, per
 * partition, the smallest offset still needed by an open trace or an open window (with the event
 * time reached as commit metadata). A crash or a rebalance therefore replays exactly what is not
 * yet published; published windows are keyed so that a replayed one replaces, never adds.
 */
@Injectable()
export class ClusteringWorker implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly log = new Logger('clustering');
  private readonly slicer = new TimeSlicer();
  private kafka?: MessagingClient;
  private consumer?: GroupConsumer;
  private transport?: KafkaBatchTransport<TenantTraceRecord>;
  private microservice?: INestMicroservice;
  /** Set by a consumer crash until a fetch completes again. */
  private crash: string | undefined;
  private producer?: MessageProducer;
  private admin?: MessagingAdmin;
  private readonly states = new Map<number, PartitionState>();
  private ticker?: NodeJS.Timeout;
  private running = false;
  /** Input topics of the stage upstream (ingest), as the records' source headers name them. */
  private readonly upstreamTopics = new Set<string>();
  /** Whether the upstream group had records it had not committed, when last asked. */
  private upstream: { askedAt: number; behind: boolean } | undefined;
  private upstreamAsking = false;
  private metrics!: ClusteringMetrics;

  constructor(
    @Inject(CLUSTERING_CONFIG) private readonly config: ClusteringConfig,
    @Inject(CLUSTERING_CONSUME) private readonly consume: ClusteringConsume,
    private readonly metricsRegistry: MetricsRegistry,
    private readonly health: HealthRegistry,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    const c = this.config.clustering;
    this.metrics = new ClusteringMetrics(this.metricsRegistry, () => this.states);
    this.kafka = createKafka(this.config.kafka, 'clustering');
    this.admin = this.kafka.admin();
    await this.admin.connect();
    if (c.createTopics) {
      const { created } = await ensureTopics(this.admin, [
        { topic: c.inputTopic, partitions: c.topicPartitions },
        { topic: clusteringDlqTopic(c.inputTopic), partitions: 1 },
        { topic: c.eventsTopic, partitions: c.topicPartitions },
      ]);
      if (created.length > 0) this.log.log(`created topics ${created.join(', ')}`);
    }
    this.producer = this.kafka.producer();
    await this.producer.connect();
    this.health.register({
      name: 'clustering-worker',
      check: async () => {
        if (!this.running) throw new Error('the clustering worker is not running');
        if (this.crash !== undefined) throw new Error(this.crash);
        const problem = this.transport?.problem();
        if (problem !== undefined) throw new Error(problem);
      },
    });
    if (this.consume === 'direct') await this.startDirect(this.kafka);
    else await this.startTransport(this.kafka);
    this.ticker = setInterval(() => this.advanceIdlePartitions(), Math.min(1000, c.idleAdvanceMs));
    this.running = true;
    this.log.log(
      `worker consuming ${c.inputTopic} as group ${c.groupId} → ${c.eventsTopic}${this.consume === 'direct' ? ' (direct)' : ''}`,
    );
  }

  private async startTransport(kafka: MessagingClient): Promise<void> {
    const c = this.config.clustering;
    this.transport = new KafkaBatchTransport<TenantTraceRecord>(kafka, {
      groupId: c.groupId,
      groupIdFor: () => c.groupId,
      topicFor: (pattern) => (pattern === CLUSTERING_SPANS_PATTERN ? c.inputTopic : undefined),
      commits: 'handler',
      // A record with an unreadable value or tenant goes to the dead-letter topic with the reason.
      decode: (record) => decodeTenantTraceRecord(record.value, record.headers),
      weight: (trace, record) => ({ rows: trace.spans.length, bytes: record.value?.length ?? 0 }),
      deadLetterTopic: clusteringDlqTopic,
      onAssignment: (_topic, partitions) => this.onAssignment(partitions),
      observer: { lag: (partition, lag) => this.metrics.lag(partition, lag) },
      // Whole fetches, as the worker handled them before the transport: every batch costs a
      // commit round trip and a drain of closed windows.
      maxBatchRecords: 20_000,
      maxBatchBytes: 8 * 1024 * 1024,
      maxBytesPerPartition: 16 * 1024 * 1024,
      maxWaitMs: 500,
      sessionTimeoutMs: c.sessionTimeoutMs,
      partitionsConsumedConcurrently: c.partitionsConcurrently,
      fromBeginning: true,
    });
    this.microservice = await NestFactory.createMicroservice(
      // A plain object, not the worker: Nest would run the worker's lifecycle hooks again there.
      ClusteringHandlersModule.forHandler({ handleBatch: (b, ctx) => this.handleBatch(b, ctx) }),
      // No logger option: the app's log levels (set globally) stay as they are.
      { strategy: this.transport, abortOnError: false },
    );
    await this.microservice.listen();
  }

  private async startDirect(kafka: MessagingClient): Promise<void> {
    const c = this.config.clustering;
    this.consumer = kafka.consumer({
      groupId: c.groupId,
      sessionTimeoutMs: c.sessionTimeoutMs,
      heartbeatIntervalMs: Math.max(1000, Math.floor(c.sessionTimeoutMs / 10)),
      maxWaitMs: 500,
      maxBytesPerPartition: 8 * 1024 * 1024,
    });
    this.consumer.onAssignment((assignment) => this.onAssignment(assignment[c.inputTopic] ?? []));
    // A completed fetch after a crash means the client consumes again (a rejoin alone does not:
    // an undecodable batch fails every fetch after it).
    this.consumer.onFetched(() => (this.crash = undefined));
    this.consumer.onCrash((error, restart) => {
      this.crash = `consumer of ${c.inputTopic} crashed${restart ? ' (restarting)' : ''}: ${error.message}`;
      this.log.error(this.crash);
    });
    await this.consumer.run({
      topic: c.inputTopic,
      fromBeginning: true,
      partitionsConsumedConcurrently: c.partitionsConcurrently,
      eachBatch: (batch) => this.onBatch(batch),
    });
  }

  /** Stops consuming; open traces and windows are released unpublished (their partitions replay elsewhere). */
  async onModuleDestroy(): Promise<void> {
    this.running = false;
    clearInterval(this.ticker);
    // The transport lets the batch in hand finish (its commit trails the open traces anyway).
    await this.microservice?.close();
    await this.consumer?.disconnect();
    for (const st of this.states.values()) st.pipeline.release();
    this.states.clear();
    await this.producer?.disconnect();
    await this.admin?.disconnect();
    this.log.log('clustering worker stopped');
  }

  private onAssignment(partitions: number[]): void {
    const keep = new Set(partitions);
    for (const [p, st] of this.states) {
      if (!keep.has(p)) {
        st.pipeline.release();
        this.states.delete(p);
        this.log.log(
          `partition ${p} revoked: released its open traces and windows (the new owner replays them)`,
        );
      }
    }
    this.log.log(
      `assigned partitions [${partitions.join(', ')}] of ${this.config.clustering.inputTopic}`,
    );
  }

  private pipelineOptions(): PartitionPipelineOptions {
    const c = this.config.clustering;
    return {
      assembler: {
        idleGapMs: c.idleGapMs,
        sourceIdleMs: c.sourceIdleMs,
        maxSourceLagMs: c.maxSourceLagMs,
        maxTraceDurationMs: c.maxTraceDurationMs,
        maxOpenTraces: c.maxOpenTraces,
        maxSpansPerTrace: c.maxSpansPerTrace,
        recentlyClosedCapacity: c.maxOpenTraces,
        endpointRules: parseEndpointRules(c.endpointRules),
      },
      window: {
        windowMs: c.windowMs,
        allowedLatenessMs: c.allowedLatenessMs,
        maxOpenGroups: c.maxOpenGroups,
        sampleSize: c.sampleSize,
      },
      descriptorCapacity: 10_000,
      membersPerEvent: c.membersPerEvent,
    };
  }

  /** The partition's state, restoring the event time its last owner committed. */
  private async stateFor(partition: number): Promise<PartitionState> {
    const existing = this.states.get(partition);
    if (existing) return existing;
    const c = this.config.clustering;
    const offsets = await this.admin!.fetchOffsets(c.groupId, c.inputTopic);
    const committed = offsets.find((p) => p.partition === partition);
    let watermarkNs = 0n;
    try {
      const meta = JSON.parse(committed?.metadata ?? 'null') as CommitMetadata | null;
      if (meta?.v === 1) watermarkNs = BigInt(meta.watermarkNs);
    } catch {
      // no or foreign metadata: start from event time 0
    }
    const st: PartitionState = {
      pipeline: new PartitionPipeline(partition, this.pipelineOptions(), watermarkNs),
      lock: Promise.resolve(),
      lastRecordWallMs: Date.now(),
      flushed: false,
      lastCommitted: undefined,
    };
    if (watermarkNs > 0n)
      this.log.log(
        `partition ${partition}: resuming at offset ${committed?.offset}, event time ${watermarkNs} ns`,
      );
    this.states.set(partition, st);
    return st;
  }

  private locked(st: PartitionState, work: () => Promise<void>): Promise<void> {
    const next = st.lock.then(work);
    st.lock = next.catch(() => undefined);
    return next;
  }

  /** The transport's handler (see ClusteringController): one batch of one partition. */
  async handleBatch(batch: TenantTraceRecord[], ctx: KafkaBatchContext): Promise<void> {
    if (ctx.deadLettered > 0) this.metrics.badRecord(ctx.deadLettered);
    const records = ctx.messages.map((m, i) => ({
      offset: m.offset,
      headers: m.headers,
      trace: batch[i],
    }));
    const commit = await this.process(ctx.partition, records, () => ctx.isActive());
    // Always decide: a batch the handler says nothing about would commit its end, past open traces.
    if (commit === undefined) ctx.commitAt(null);
    else {
      ctx.commitAt(String(commit.offset), commitMetadata(commit));
      // The transport commits it once this resolves; a refused commit means the partition is gone.
      const st = this.states.get(ctx.partition);
      if (st) st.lastCommitted = commit;
    }
  }

  /** The direct path: kafkajs-style batches, decoded and committed here. */
  private async onBatch(batch: MessageBatch): Promise<void> {
    if (batch.messages.length === 0) return;
    const records: BatchRecord[] = batch.messages.map((m) => {
      let trace: TenantTraceRecord | undefined;
      try {
        trace = decodeTenantTraceRecord(m.value, m.headers);
      } catch (e) {
        if (!(e instanceof TraceRecordError) && !(e instanceof InvalidTenantError)) throw e;
        // Internal topic written by ingest: a bad record is a bug or a foreign producer. Skip, count, say so.
        this.metrics.badRecord();
        this.log.warn(
          `partition ${batch.partition} offset ${m.offset}: skipped an unreadable trace record (${e.message})`,
        );
      }
      return { offset: m.offset, headers: m.headers ?? {}, trace };
    });
    const alive = () => batch.isActive();
    const commit = await this.process(batch.partition, records, alive);
    if (commit !== undefined && alive())
      await this.commitDirect(batch.topic, this.states.get(batch.partition), commit);
    const lastOffset = batch.messages[batch.messages.length - 1].offset;
    batch.resolveOffset(lastOffset);
    this.metrics.lag(
      batch.partition,
      Math.max(0, Number(BigInt(batch.highWatermark) - BigInt(lastOffset) - 1n)),
    );
    await batch.heartbeat();
  }

  /**
   * Adds a batch's traces to the partition's pipeline and publishes the windows that closed;
   * returns what may be committed now (undefined: nothing new). Records the pipeline already holds
   * (a batch handed over again after a failure) are skipped, so a retry never counts twice.
   */
  private async process(
    partition: number,
    records: BatchRecord[],
    alive: () => boolean,
  ): Promise<Commit | undefined> {
    if (records.length === 0) return undefined;
    const st = await this.stateFor(partition);
    let commit: Commit | undefined;
    await this.locked(st, async () => {
      let spans = 0;
      const closedBefore = st.pipeline.stats().tracesClosed;
      const next = st.pipeline.nextRecordOffset;
      for (const r of records) {
        // Adding a trace may close others and fingerprint them: a batch of thousands is added
        // in slices, the event loop let go between.
        if (this.slicer.due()) await this.slicer.pause();
        if (!alive()) return;
        const offset = Number(r.offset);
        if (next !== undefined && offset < next) continue;
        if (r.trace === undefined) continue;
        // Per (tenant, trace id): the same id from two tenants is two traces, and their
        // behaviours are counted in separate groups. A replay reads the tenant from the record
        // again, so traces rebuilt after a crash or a rebalance keep theirs.
        const source = sourceOf(r.headers);
        if (source !== undefined) this.noteUpstream(source.source);
        st.pipeline.add(offset, r.trace.traceId, r.trace.spans, source, r.trace.tenant);
        spans += r.trace.spans.length;
      }
      this.metrics.consumed(spans, st.pipeline.stats().tracesClosed - closedBefore);
      st.lastRecordWallMs = Date.now();
      st.flushed = false;
      commit = await this.publishClosed(st);
    });
    return alive() ? commit : undefined;
  }
  /**
   * A partition that went quiet closes its open traces and publishes its open windows as they
   * stand, once per quiet spell. Event time does not move with the wall clock: data that continues
   * the stream later (traffic after a pause, a replay resumed) is counted in those windows, which
   * are then written again, instead of arriving late.
   */
  private advanceIdlePartitions(): void {
    if (!this.running) return;
    const now = Date.now();
    const c = this.config.clustering;
    const quiet = [...this.states.values()].filter(
      (st) => !st.flushed && now - st.lastRecordWallMs >= c.idleAdvanceMs,
    );
    if (quiet.length === 0) return;
    const behind = this.upstreamBehind(now);
    for (const st of quiet) {
      // Ingest still holds records it has not committed (stopped, crashed, catching up): the rest
      // of some open traces may be among them. Flushing now would close those traces half and
      // count them under a behaviour they do not have, and a replay after this worker's own crash
      // would count them again, complete. Wait for it, up to CLUSTERING_UPSTREAM_WAIT_MAX.
      if (behind !== false && now - st.lastRecordWallMs < c.idleAdvanceMs + c.upstreamWaitMaxMs) {
        this.metrics.idleFlushHeld();
        continue;
      }
      st.flushed = true;
      void this.locked(st, async () => {
        if (this.states.get(st.pipeline.partition) !== st) return;
        const closedBefore = st.pipeline.stats().tracesClosed;
        st.pipeline.flushIdle();
        this.metrics.consumed(0, st.pipeline.stats().tracesClosed - closedBefore);
        const commit = await this.publishClosed(st);
        if (commit && this.running && this.states.get(st.pipeline.partition) === st)
          await this.commitDirect(c.inputTopic, st, commit);
      }).catch((e: unknown) =>
        this.log.warn(
          `idle flush of partition ${st.pipeline.partition} failed: ${(e as Error).message}`,
        ),
      );
    }
  }

  private noteUpstream(source: string): void {
    const slash = source.lastIndexOf('/');
    if (slash <= 0 || this.upstreamTopics.size >= 16) return;
    const topic = source.slice(0, slash);
    if (!this.upstreamTopics.has(topic)) this.upstreamTopics.add(topic);
  }

  /**
   * Whether the upstream group has records on its input it has not committed: true/false as last
   * asked (asked again at most once a second, in the background), false when there is nothing to
   * ask (no group configured, no source headers seen, a group that never committed there: its
   * name does not match this installation's ingest), undefined until the first answer.
   */
  private upstreamBehind(now: number): boolean | undefined {
    const group = this.config.clustering.upstreamGroup;
    if (group === 'none' || this.upstreamTopics.size === 0) return false;
    if (
      !this.upstreamAsking &&
      (this.upstream === undefined || now - this.upstream.askedAt >= 1000)
    ) {
      this.upstreamAsking = true;
      void this.askUpstream(group)
        .then((behind) => (this.upstream = { askedAt: Date.now(), behind }))
        .catch((e: unknown) => {
          // Unknown is not "behind": a broker that cannot answer must not hold windows open.
          this.log.warn(`could not read group ${group}'s progress: ${(e as Error).message}`);
          this.upstream = { askedAt: Date.now(), behind: false };
        })
        .finally(() => (this.upstreamAsking = false));
    }
    return this.upstream?.behind;
  }

  private async askUpstream(group: string): Promise<boolean> {
    const admin = this.admin!;
    for (const topic of this.upstreamTopics) {
      const [committed, marks] = await Promise.all([
        admin.fetchOffsets(group, topic),
        admin.fetchTopicOffsets(topic),
      ]);
      const at = new Map(committed.map((o) => [o.partition, Number(o.offset)]));
      for (const m of marks) {
        const offset = at.get(m.partition) ?? -1;
        if (offset >= 0 && offset < Number(m.high)) return true;
      }
    }
    return false;
  }

  /** Publishes closed windows; returns what no longer needs replaying, if that moved. */
  private async publishClosed(st: PartitionState): Promise<Commit | undefined> {
    const t0 = Date.now();
    const { events, commitOffset, watermarkNs } = st.pipeline.drain();
    if (events.length > 0) {
      const messages: OutgoingMessage[] = events.map((e) => {
        const { endpoint, fingerprint } = e.type === 'members' ? e : e.aggregate;
        const headers: RecordHeaders = {
          // Readers that only care about windows (modeling) skip the rest without parsing them.
          [HEADERS.eventType]: e.type,
        };
        // Every record added names its tenant, so every event does (in the JSON and here, for
        // readers that only look at headers).
        if (e.tenant !== undefined) headers[TENANT_RECORD_HEADER] = e.tenant;
        return {
          // The same key for a group of every tenant: rows are keyed by tenant anyway, and one
          // group's events keep their order on one partition.
          key: `${endpoint}|${fingerprint}`,
          value: JSON.stringify(e),
          headers,
        };
      });
      await this.send(messages);
      this.metrics.windowsPublished(events, Date.now() - t0);
    }
    if (commitOffset === undefined) return undefined;
    const last = st.lastCommitted;
    if (
      last &&
      last.offset === commitOffset &&
      last.watermarkNs === watermarkNs &&
      events.length === 0
    )
      return undefined;
    return { offset: commitOffset, watermarkNs };
  }

  /** Commits outside a transport batch: the direct path, and idle flushes on either path. */
  private async commitDirect(
    topic: string,
    st: PartitionState | undefined,
    commit: Commit,
  ): Promise<void> {
    if (!st) return;
    try {
      if (this.transport)
        await this.transport.commit(
          topic,
          st.pipeline.partition,
          String(commit.offset),
          commitMetadata(commit),
        );
      else
        await this.consumer!.commit([
          {
            topic,
            partition: st.pipeline.partition,
            offset: String(commit.offset),
            metadata: commitMetadata(commit),
          },
        ]);
      st.lastCommitted = commit;
    } catch (e) {
      // Usually a rebalance moved the partition: its new owner replays from the previous commit.
      this.log.warn(
        `commit of partition ${st.pipeline.partition} at ${commit.offset} failed: ${(e as Error).message}`,
      );
    }
  }

  /** Produces in requests under the broker's batch limit, retrying until acknowledged or stopped. */
  private async send(messages: OutgoingMessage[]): Promise<void> {
    const topic = this.config.clustering.eventsTopic;
    const batches: OutgoingMessage[][] = [[]];
    let bytes = 0;
    for (const m of messages) {
      const size = Buffer.byteLength(m.value as string) + 128;
      if (bytes + size > sendBytesLimit && batches[batches.length - 1].length > 0) {
        batches.push([]);
        bytes = 0;
      }
      batches[batches.length - 1].push(m);
      bytes += size;
    }
    let delay = 200;
    for (;;) {
      try {
        await Promise.all(
          batches.map((b) => this.producer!.send({ topic, messages: b, acks: -1 })),
        );
        return;
      } catch (e) {
        if (!this.running) throw e;
        this.metrics.publishFailed();
        this.log.warn(
          `publishing ${messages.length} cluster events failed (${(e as Error).message}); retrying in ${delay} ms`,
        );
        await new Promise((r) => setTimeout(r, delay));
        delay = Math.min(30_000, delay * 2);
      }
    }
  }
}

function commitMetadata(commit: Commit): string {
  const metadata: CommitMetadata = { v: 1, watermarkNs: commit.watermarkNs.toString() };
  return JSON.stringify(metadata);
}
