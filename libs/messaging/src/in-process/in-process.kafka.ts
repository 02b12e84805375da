import { decideLeadership } from '../election/leadership.decision';
import {
  InProcessJournal,
  type JournalAppend,
  type JournalCommit,
  type JournalEntry,
} from './in-process.journal';
import type {
  AtomicSendRequest,
  CommittedOffset,
  ConsumedMessage,
  ConsumeOptions,
  ElectionMember,
  ElectionMemberOptions,
  GroupConsumer,
  GroupConsumerOptions,
  LeadershipState,
  MessageBatch,
  MessageProducer,
  MessagingAdmin,
  MessagingClient,
  OffsetCommit,
  OutgoingMessage,
  PartitionWatermarks,
  RecordHeaders,
  SendRequest,
  TopicMetadata,
  TopicSpec,
} from '../port/messaging.port';

/**
 * The transport between pipeline stages when the whole product runs in one process (embedded
 * mode): the messaging port over in-memory partitioned logs. The stages run unchanged (same
 * consumers, same offset handling, same leader election rule); only the transport differs, as the
 * design asks.
 *
 * Semantics kept from Kafka because the stages rely on them: per-partition order, keys hashed to
 * partitions, consumer groups with committed offsets and metadata, `fromBeginning`, one member per
 * group owning every partition, redelivery of unresolved messages, sticky leader elections with
 * generations (decided by the same rule as on Kafka). With a journal directory it is durable:
 * every change goes to `InProcessJournal` first, and a restarted process gets back every
 * acknowledged record and committed offset; `sendAndCommit` makes a stage's output and its input
 * commit one journal entry. Without one, a crash loses the records in flight. Records every group
 * that reads the topic has committed past are dropped to bound memory; a group that subscribed but
 * has not committed yet holds them (it has not read them).
 */

interface StoredRecord {
  offset: number;
  key: Buffer | null;
  value: Buffer | null;
  headers: RecordHeaders;
  timestamp: string;
  /** When it was appended (wall ms): how long it has waited for a consumer to take it. */
  appendedAt: number;
  /** Key and value bytes appended to the partition up to and including this record. */
  cumulativeBytes: number;
}

class Partition {
  /** Offset of records[0]. */
  base = 0;
  records: StoredRecord[] = [];
  /** Key and value bytes ever appended. */
  bytes = 0;

  get end(): number {
    return this.base + this.records.length;
  }

  /** Bytes and arrival of the oldest record from `from` on, without copying anything. */
  pending(from: number): { bytes: number; oldestAt: number } | undefined {
    const first = Math.max(from, this.base);
    if (first >= this.end) return undefined;
    const r = this.records[first - this.base];
    const before = r.cumulativeBytes - (r.value?.length ?? 0) - (r.key?.length ?? 0);
    return { bytes: this.bytes - before, oldestAt: r.appendedAt };
  }
}

interface Committed {
  offset: number;
  metadata: string | null;
}

class Topic {
  constructor(
    readonly name: string,
    readonly partitions: Partition[],
  ) {}
}

function toBuffer(v: Buffer | string | null | undefined): Buffer | null {
  if (v === null || v === undefined) return null;
  return Buffer.isBuffer(v) ? v : Buffer.from(v);
}

/** FNV-1a over the key bytes: stable, so a key always lands on the same partition. */
function partitionOf(key: Buffer | null, count: number, roundRobin: () => number): number {
  if (!key) return roundRobin() % count;
  let h = 0x811c9dc5;
  for (const b of key) h = Math.imul(h ^ b, 0x01000193);
  return (h >>> 0) % count;
}

export interface InProcessBrokerOptions {
  /** Directory of the write-ahead journal; none: in memory only (lost with the process). */
  journalDir?: string;
  /** The journal is rewritten from the live state once it is this large and mostly dead; 64 MiB. */
  compactAtBytes?: number;
}

export class InProcessBroker {
  private readonly topics = new Map<string, Topic>();
  private readonly committed = new Map<string, Map<string, Committed>>(); // group → "topic/partition" → offset
  private readonly subscribers = new Map<string, Set<string>>(); // topic → groups that read it
  private readonly waiters = new Set<() => void>();
  private readonly elections = new Map<string, InProcessElection>();
  private rr = 0;
  private readonly journal?: InProcessJournal;
  private readonly compactAtBytes: number;

  constructor(options: InProcessBrokerOptions = {}) {
    this.compactAtBytes = options.compactAtBytes ?? 64 * 1024 * 1024;
    if (options.journalDir !== undefined) {
      const { journal, entries } = InProcessJournal.open(options.journalDir);
      for (const e of entries) this.replay(e);
      this.journal = journal;
    }
  }

  /** Records kept in memory (and in the journal), all topics: what readers have not committed past. */
  get liveBytes(): number {
    let n = 0;
    for (const t of this.topics.values())
      for (const p of t.partitions) n += p.pending(p.base)?.bytes ?? 0;
    return n;
  }

  /** Bytes of one topic's records kept (0 for a topic not created). */
  topicBytes(topicName: string): number {
    const t = this.topics.get(topicName);
    if (t === undefined) return 0;
    let n = 0;
    for (const p of t.partitions) n += p.pending(p.base)?.bytes ?? 0;
    return n;
  }

  /** Bytes of the journal file, 0 without one. */
  get journalBytes(): number {
    return this.journal?.size ?? 0;
  }

  close(): void {
    this.journal?.close();
  }

  createTopic(name: string, partitions: number, config: Record<string, string> = {}): boolean {
    void config;
    if (this.topics.has(name)) return false;
    this.journal?.write({ type: 'topic', name, partitions });
    this.addTopic(name, partitions);
    return true;
  }

  private addTopic(name: string, partitions: number): void {
    this.topics.set(
      name,
      new Topic(
        name,
        Array.from({ length: partitions }, () => new Partition()),
      ),
    );
  }

  topic(name: string): Topic {
    const t = this.topics.get(name);
    if (!t)
      throw Object.assign(
        new Error(
          `This server does not host this topic-partition (in-process topic ${name} does not exist)`,
        ),
        { type: 'UNKNOWN_TOPIC_OR_PARTITION', retriable: false },
      );
    return t;
  }

  listTopics(): string[] {
    return [...this.topics.keys()];
  }

  append(topicName: string, messages: readonly OutgoingMessage[]): void {
    const append = this.resolve(topicName, messages);
    this.journal?.write({ type: 'append', ...append });
    this.apply(append);
    this.wake();
  }

  /**
   * Appends the records and commits the offset as one journal entry: a crash leaves both or
   * neither (a stage replaying its input then never produces its output twice).
   */
  appendAndCommit(
    sends: readonly { topic: string; messages: readonly OutgoingMessage[] }[],
    commit: JournalCommit,
  ): void {
    const appends = sends.map((s) => this.resolve(s.topic, s.messages));
    this.topic(commit.topic);
    this.journal?.write({ type: 'atomic', appends, commit });
    for (const a of appends) this.apply(a);
    this.setCommitted(commit);
    this.wake();
    this.maybeCompact();
  }

  /** The records as they will be stored: partition chosen, keys, values and headers as buffers. */
  private resolve(topicName: string, messages: readonly OutgoingMessage[]): JournalAppend {
    const topic = this.topic(topicName);
    const now = String(Date.now());
    return {
      topic: topicName,
      records: messages.map((m) => {
        const key = toBuffer(m.key);
        const headers: RecordHeaders = {};
        for (const [k, v] of Object.entries(m.headers ?? {}))
          headers[k] = Array.isArray(v)
            ? v.map((x) => toBuffer(x) ?? Buffer.alloc(0))
            : (toBuffer(v) ?? undefined);
        return {
          partition: m.partition ?? partitionOf(key, topic.partitions.length, () => this.rr++),
          key,
          value: toBuffer(m.value),
          headers,
          timestamp: m.timestamp ?? now,
        };
      }),
    };
  }

  private apply(append: JournalAppend): void {
    const topic = this.topic(append.topic);
    const now = Date.now();
    for (const r of append.records) {
      const partition = topic.partitions[r.partition];
      partition.bytes += (r.value?.length ?? 0) + (r.key?.length ?? 0);
      partition.records.push({
        offset: partition.end,
        key: r.key,
        value: r.value,
        headers: r.headers,
        timestamp: r.timestamp,
        appendedAt: now,
        cumulativeBytes: partition.bytes,
      });
    }
  }

  private wake(): void {
    for (const w of [...this.waiters]) w();
  }

  /** Applies an entry of the journal while opening it. */
  private replay(e: JournalEntry): void {
    switch (e.type) {
      case 'topic':
        if (!this.topics.has(e.name)) this.addTopic(e.name, e.partitions);
        break;
      case 'base': {
        const p = this.topic(e.topic).partitions[e.partition];
        p.base = e.offset;
        break;
      }
      case 'subscribe':
        this.addSubscriber(e.group, e.topic);
        break;
      case 'append':
        this.apply(e);
        break;
      case 'commit':
        this.setCommitted(e);
        break;
      case 'atomic':
        for (const a of e.appends) this.apply(a);
        this.setCommitted(e.commit);
        break;
    }
  }

  read(topicName: string, partition: number, from: number, maxBytes: number): StoredRecord[] {
    const p = this.topic(topicName).partitions[partition];
    const out: StoredRecord[] = [];
    let bytes = 0;
    for (let o = Math.max(from, p.base); o < p.end; o++) {
      const r = p.records[o - p.base];
      bytes += (r.value?.length ?? 0) + (r.key?.length ?? 0) + 64;
      if (out.length > 0 && bytes > maxBytes) break;
      out.push(r);
    }
    return out;
  }

  pending(topicName: string, partition: number, from: number) {
    return this.topic(topicName).partitions[partition].pending(from);
  }

  highWatermark(topicName: string, partition: number): number {
    return this.topic(topicName).partitions[partition].end;
  }

  commit(
    group: string,
    topic: string,
    partition: number,
    offset: number,
    metadata: string | null,
  ): void {
    const c: JournalCommit = { group, topic, partition, offset, metadata };
    this.journal?.write({ type: 'commit', ...c });
    this.setCommitted(c);
    this.maybeCompact();
  }

  private setCommitted(c: JournalCommit): void {
    let g = this.committed.get(c.group);
    if (!g) this.committed.set(c.group, (g = new Map<string, Committed>()));
    g.set(`${c.topic}/${c.partition}`, { offset: c.offset, metadata: c.metadata });
    this.trim(c.topic, c.partition);
  }

  /** Rewrites the journal from the live state once it is large and mostly records already read. */
  private maybeCompact(): void {
    const j = this.journal;
    if (!j || j.size < this.compactAtBytes || j.size < 4 * this.liveBytes) return;
    j.compact(this.snapshot());
  }

  /** The broker's state as journal entries: topics, where each partition starts, subscriptions, live records, commits. */
  private *snapshot(): Generator<JournalEntry> {
    for (const t of this.topics.values()) {
      yield { type: 'topic', name: t.name, partitions: t.partitions.length };
      for (let i = 0; i < t.partitions.length; i++) {
        const p = t.partitions[i];
        yield { type: 'base', topic: t.name, partition: i, offset: p.base };
        if (p.records.length > 0)
          yield {
            type: 'append',
            topic: t.name,
            records: p.records.map((r) => ({
              partition: i,
              key: r.key,
              value: r.value,
              headers: r.headers,
              timestamp: r.timestamp,
            })),
          };
      }
    }
    for (const [topic, groups] of this.subscribers)
      for (const group of groups) yield { type: 'subscribe', group, topic };
    for (const [group, offsets] of this.committed)
      for (const [key, c] of offsets) {
        const slash = key.lastIndexOf('/');
        yield {
          type: 'commit',
          group,
          topic: key.slice(0, slash),
          partition: Number(key.slice(slash + 1)),
          offset: c.offset,
          metadata: c.metadata,
        };
      }
  }

  committedOffset(group: string, topic: string, partition: number): Committed | undefined {
    return this.committed.get(group)?.get(`${topic}/${partition}`);
  }

  /** Resolves when something is appended or after `ms`. */
  waitForData(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.waiters.delete(done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.waiters.add(done);
    });
  }

  /** Groups that subscribed to a topic: a topic's records are kept until all have read them. */
  subscribe(group: string, topic: string): void {
    if (this.subscribers.get(topic)?.has(group)) return;
    this.journal?.write({ type: 'subscribe', group, topic });
    this.addSubscriber(group, topic);
  }

  private addSubscriber(group: string, topic: string): void {
    let groups = this.subscribers.get(topic);
    if (!groups) this.subscribers.set(topic, (groups = new Set()));
    groups.add(group);
  }

  /** The election of that name, created on first use. */
  election(name: string): InProcessElection {
    let election = this.elections.get(name);
    if (!election) this.elections.set(name, (election = new InProcessElection()));
    return election;
  }

  /**
   * Drops records every group reading the topic has committed past. A subscribed group without a
   * commit for the partition has read nothing there yet: nothing is dropped. (Counting only the
   * groups that had committed dropped records a slower group had not read: the first cluster
   * events, committed by modeling, were gone before the sink wrote them.)
   */
  private trim(topic: string, partition: number): void {
    let min = Infinity;
    for (const group of this.subscribers.get(topic) ?? []) {
      const c = this.committed.get(group)?.get(`${topic}/${partition}`);
      if (c === undefined) return;
      min = Math.min(min, c.offset);
    }
    const p = this.topic(topic).partitions[partition];
    if (min !== Infinity && min > p.base) {
      p.records.splice(0, min - p.base);
      p.base = min;
    }
  }
}

/**
 * A leader election among the members in this process. Members join and leave explicitly (there
 * are no sessions to expire); who leads is decided by `decideLeadership`, as the Kafka assigner
 * does, each time membership changes. Member ids grow with joins, so when the leader leaves, the
 * longest-standing member takes over.
 */
class InProcessElection {
  private readonly members: InProcessElectionMember[] = [];
  private leader: InProcessElectionMember | undefined;
  private generation = 0;
  private joined = 0;

  nextMemberId(): string {
    return String(++this.joined).padStart(10, '0');
  }

  join(member: InProcessElectionMember): void {
    this.members.push(member);
    this.decide();
  }

  leave(member: InProcessElectionMember): void {
    const i = this.members.indexOf(member);
    if (i >= 0) this.members.splice(i, 1);
    if (this.leader === member) this.leader = undefined;
    this.decide();
  }

  private decide(): void {
    const decision = decideLeadership(
      this.members.map((m) => ({
        memberId: m.id,
        leading: m === this.leader,
        generation: this.generation,
      })),
    );
    if (decision === undefined) return;
    this.leader = this.members.find((m) => m.id === decision.leaderId);
    this.generation = decision.generation;
    // The leader first gives up (if it changed), then everyone hears the outcome, as after a
    // Kafka assignment.
    for (const m of this.members)
      if (m !== this.leader) m.notify({ leading: false, generation: this.generation });
    this.leader?.notify({ leading: true, generation: this.generation });
  }
}

class InProcessElectionMember implements ElectionMember {
  readonly id: string;
  private state: LeadershipState = { leading: false, generation: 0 };
  private joined = false;

  constructor(
    private readonly election: InProcessElection,
    private readonly options: ElectionMemberOptions,
  ) {
    this.id = election.nextMemberId();
  }

  async start(): Promise<void> {
    if (this.joined) return;
    this.joined = true;
    this.election.join(this);
  }

  async stop(): Promise<void> {
    if (!this.joined) return;
    this.joined = false;
    this.notify({ leading: false, generation: this.state.generation });
    this.election.leave(this);
  }

  notify(state: LeadershipState): void {
    if (state.leading === this.state.leading && state.generation === this.state.generation) return;
    this.state = { ...state };
    this.options.onChange({ ...state });
  }
}

class InProcessProducer implements MessageProducer {
  constructor(private readonly broker: InProcessBroker) {}
  async connect(): Promise<void> {}
  async disconnect(): Promise<void> {}
  /** Never disconnects on its own, so listeners are never called. */
  onDisconnect(): void {}
  async send(request: SendRequest): Promise<void> {
    this.broker.append(request.topic, request.messages);
  }
}

class InProcessConsumer implements GroupConsumer {
  private readonly assignmentListeners: ((assignment: Record<string, number[]>) => void)[] = [];
  private readonly crashListeners: ((error: Error, restarting: boolean) => void)[] = [];
  private readonly fetchedListeners: (() => void)[] = [];
  private running = false;
  private loops: Promise<void>[] = [];
  /** Next offset to fetch per partition (resolved position). */
  private readonly positions = new Map<number, number>();

  constructor(
    private readonly broker: InProcessBroker,
    private readonly groupId: string,
    private readonly maxBytesPerPartition: number,
    private readonly maxWaitMs: number,
    /**
     * Like a broker's fetch: records of a partition are handed over once they add up to this many
     * bytes, or once the oldest has waited `lingerMs`. Small appends (one trace per OTLP request)
     * then reach the consumer as batches, and its writes stay large.
     */
    private readonly minBytes: number = 1,
    private readonly lingerMs: number = 0,
  ) {}

  onAssignment(listener: (assignment: Record<string, number[]>) => void): void {
    this.assignmentListeners.push(listener);
  }

  onCrash(listener: (error: Error, restarting: boolean) => void): void {
    this.crashListeners.push(listener);
  }

  onFetched(listener: () => void): void {
    this.fetchedListeners.push(listener);
  }

  async run(options: ConsumeOptions): Promise<void> {
    const { topic, fromBeginning } = options;
    const t = this.broker.topic(topic);
    this.broker.subscribe(this.groupId, topic);
    this.running = true;
    t.partitions.forEach((p, i) => {
      const c = this.broker.committedOffset(this.groupId, topic, i);
      this.positions.set(i, c ? c.offset : fromBeginning ? p.base : p.end);
    });
    // The only member of its group owns every partition.
    const assignment = { [topic]: t.partitions.map((_, i) => i) };
    for (const l of this.assignmentListeners) l(assignment);
    // Like kafkajs: up to partitionsConsumedConcurrently partitions are handled at the same time
    // (each by one loop, in order), so one partition's slow write does not hold the others back.
    const loops = Math.max(
      1,
      Math.min(options.partitionsConsumedConcurrently ?? 1, t.partitions.length),
    );
    this.loops = Array.from({ length: loops }, (_, k) => this.fetchLoop(options, k, loops));
  }

  async commit(offsets: OffsetCommit[]): Promise<void> {
    for (const o of offsets)
      this.broker.commit(this.groupId, o.topic, o.partition, Number(o.offset), o.metadata ?? null);
  }

  async disconnect(): Promise<void> {
    this.running = false;
    await Promise.all(this.loops);
  }

  /** Fetches and delivers the partitions `p` with `p % loops === loop`, one after another. */
  private async fetchLoop(options: ConsumeOptions, loop: number, loops: number): Promise<void> {
    const { topic } = options;
    const t = this.broker.topic(topic);
    while (this.running) {
      let delivered = false;
      let lingering = false;
      let failed = false;
      for (
        let partition = loop;
        partition < t.partitions.length && this.running;
        partition += loops
      ) {
        const from = this.positions.get(partition) ?? 0;
        if (this.minBytes > 1) {
          const waiting = this.broker.pending(topic, partition, from);
          if (waiting === undefined) continue;
          if (waiting.bytes < this.minBytes && Date.now() - waiting.oldestAt < this.lingerMs) {
            lingering = true;
            continue;
          }
        }
        const records = this.broker.read(topic, partition, from, this.maxBytesPerPartition);
        if (records.length === 0) continue;
        delivered = true;
        try {
          await this.deliver(options, partition, records);
        } catch (e) {
          // Like Kafka: a failing handler crashes the member; redelivery resumes from the last resolved offset.
          const error = e instanceof Error ? e : new Error(String(e));
          failed = true;
          for (const l of this.crashListeners) l(error, true);
          await new Promise((r) => setTimeout(r, 200));
        }
      }
      // A pass over the partitions without a failing handler is what a completed fetch is to Kafka.
      if (!failed) for (const l of this.fetchedListeners) l();
      if (!delivered && this.running) {
        // Records waiting to make up a fetch: look again soon rather than on the next append.
        await this.broker.waitForData(lingering ? Math.min(this.maxWaitMs, 20) : this.maxWaitMs);
      }
    }
  }

  private async deliver(
    options: ConsumeOptions,
    partition: number,
    records: StoredRecord[],
  ): Promise<void> {
    const messages: ConsumedMessage[] = records.map((r) => ({
      key: r.key,
      value: r.value,
      headers: r.headers,
      timestamp: r.timestamp,
      offset: String(r.offset),
    }));
    let resolved = records[0].offset - 1;
    const batch: MessageBatch = {
      topic: options.topic,
      partition,
      highWatermark: String(this.broker.highWatermark(options.topic, partition)),
      messages,
      resolveOffset: (offset) => {
        resolved = Math.max(resolved, Number(offset));
      },
      heartbeat: async () => undefined,
      isActive: () => this.running,
    };
    await options.eachBatch(batch);
    // Unresolved messages are delivered again, as Kafka consumers do.
    this.positions.set(partition, resolved + 1);
  }
}

class InProcessAdmin implements MessagingAdmin {
  constructor(private readonly broker: InProcessBroker) {}
  async connect(): Promise<void> {}
  async disconnect(): Promise<void> {}
  async listTopics(): Promise<string[]> {
    return this.broker.listTopics();
  }
  async createTopics(topics: TopicSpec[]): Promise<boolean> {
    let created = false;
    for (const t of topics) created = this.broker.createTopic(t.topic, t.partitions) || created;
    return created;
  }
  async deleteTopics(): Promise<void> {
    throw new Error('the in-process transport does not delete topics');
  }
  async fetchTopicMetadata(topics: string[]): Promise<TopicMetadata[]> {
    return topics.map((name) => ({
      name,
      partitions: this.broker.topic(name).partitions.map((_, i) => ({ partitionId: i, leader: 0 })),
    }));
  }
  async fetchOffsets(groupId: string, topic: string): Promise<CommittedOffset[]> {
    return this.broker.topic(topic).partitions.map((_, partition) => {
      const c = this.broker.committedOffset(groupId, topic, partition);
      return { partition, offset: c ? String(c.offset) : '-1', metadata: c?.metadata ?? null };
    });
  }
  async fetchTopicOffsets(topic: string): Promise<PartitionWatermarks[]> {
    return this.broker.topic(topic).partitions.map((p, partition) => ({
      partition,
      high: String(p.end),
      low: String(p.base),
    }));
  }
}

/** The messaging port over one in-process broker. */
export class InProcessKafka implements MessagingClient {
  constructor(readonly broker: InProcessBroker = new InProcessBroker()) {}

  backlogBytes(topic: string): number {
    return this.broker.topicBytes(topic);
  }

  async sendAndCommit(request: AtomicSendRequest): Promise<void> {
    const c = request.commit;
    this.broker.appendAndCommit(request.sends, {
      group: c.groupId,
      topic: c.topic,
      partition: c.partition,
      offset: Number(c.offset),
      metadata: c.metadata ?? null,
    });
  }

  producer(): MessageProducer {
    return new InProcessProducer(this.broker);
  }

  consumer(options: GroupConsumerOptions): GroupConsumer {
    return new InProcessConsumer(
      this.broker,
      options.groupId,
      options.maxBytesPerPartition ?? 1024 * 1024,
      Math.min(options.maxWaitMs ?? 500, 500),
      options.minBytes ?? 1,
      options.maxWaitMs ?? 500,
    );
  }

  admin(): MessagingAdmin {
    return new InProcessAdmin(this.broker);
  }

  electionMember(options: ElectionMemberOptions): ElectionMember {
    return new InProcessElectionMember(this.broker.election(options.name), options);
  }
}
