import type {
  Admin,
  Consumer,
  EachBatchPayload,
  IHeaders,
  Kafka,
  KafkaMessage,
  Message,
  Producer,
} from 'kafkajs';

/**
 * The transport between pipeline stages when the whole product runs in one process (embedded
 * mode): the part of the kafkajs API the stages use, over in-memory partitioned logs. The stages
 * run unchanged (same consumers, same offset handling, same leader election); only the transport
 * differs, as the design asks.
 *
 * Semantics kept from Kafka because the stages rely on them: per-partition order, keys hashed to
 * partitions, consumer groups with committed offsets and metadata, `fromBeginning`, one member per
 * group owning every partition, redelivery of unresolved messages. Not durable: on a crash the
 * in-flight records are lost (everything written to ClickHouse stays); for durability run with
 * KAFKA_BROKERS. Records every group that reads the topic has committed past are dropped to bound
 * memory; a group that subscribed but has not committed yet holds them (it has not read them).
 */

interface StoredRecord {
  offset: number;
  key: Buffer | null;
  value: Buffer | null;
  headers: IHeaders;
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

type Listener = (event: { payload: Record<string, unknown> }) => void;

const EVENTS = {
  GROUP_JOIN: 'consumer.group_join',
  REBALANCING: 'consumer.rebalancing',
  CRASH: 'consumer.crash',
} as const;

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

export class InProcessBroker {
  private readonly topics = new Map<string, Topic>();
  private readonly committed = new Map<string, Map<string, Committed>>(); // group → "topic/partition" → offset
  private readonly subscribers = new Map<string, Set<string>>(); // topic → groups that read it
  private readonly waiters = new Set<() => void>();
  private rr = 0;

  createTopic(name: string, partitions: number, config: Record<string, string> = {}): boolean {
    void config;
    if (this.topics.has(name)) return false;
    this.topics.set(
      name,
      new Topic(
        name,
        Array.from({ length: partitions }, () => new Partition()),
      ),
    );
    return true;
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

  append(topicName: string, messages: Message[]): void {
    const topic = this.topic(topicName);
    const now = String(Date.now());
    for (const m of messages) {
      const key = toBuffer(m.key);
      const p = m.partition ?? partitionOf(key, topic.partitions.length, () => this.rr++);
      const partition = topic.partitions[p];
      const headers: IHeaders = {};
      for (const [k, v] of Object.entries(m.headers ?? {}))
        headers[k] = Array.isArray(v)
          ? v.map((x) => toBuffer(x) ?? Buffer.alloc(0))
          : (toBuffer(v) ?? undefined);
      const value = toBuffer(m.value);
      partition.bytes += (value?.length ?? 0) + (key?.length ?? 0);
      partition.records.push({
        offset: partition.end,
        key,
        value,
        headers,
        timestamp: m.timestamp ?? now,
        appendedAt: Number(now),
        cumulativeBytes: partition.bytes,
      });
    }
    for (const w of [...this.waiters]) w();
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
    let g = this.committed.get(group);
    if (!g) this.committed.set(group, (g = new Map<string, Committed>()));
    g.set(`${topic}/${partition}`, { offset, metadata });
    this.trim(topic, partition);
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
    let groups = this.subscribers.get(topic);
    if (!groups) this.subscribers.set(topic, (groups = new Set()));
    groups.add(group);
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

class InProcessProducer {
  constructor(private readonly broker: InProcessBroker) {}
  readonly events = { CONNECT: 'producer.connect', DISCONNECT: 'producer.disconnect' };
  /** Never disconnects on its own, so listeners are never called. */
  on(): () => void {
    return () => undefined;
  }
  async connect(): Promise<void> {}
  async disconnect(): Promise<void> {}
  async send(record: {
    topic: string;
    messages: Message[];
  }): Promise<{ topicName: string; partition: number; errorCode: number }[]> {
    this.broker.append(record.topic, record.messages);
    return [];
  }
}

class InProcessConsumer {
  readonly events = EVENTS;
  private readonly listeners = new Map<string, Listener[]>();
  private topics: { topic: string; fromBeginning: boolean }[] = [];
  private running = false;
  private loop?: Promise<void>;
  /** Next offset to fetch per partition (resolved position). */
  private positions = new Map<string, number>();

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

  on(event: string, listener: Listener): () => void {
    const list = this.listeners.get(event) ?? [];
    list.push(listener);
    this.listeners.set(event, list);
    return () => list.splice(list.indexOf(listener), 1);
  }

  async connect(): Promise<void> {}

  async subscribe(s: { topic: string; fromBeginning?: boolean }): Promise<void> {
    this.broker.topic(s.topic);
    this.broker.subscribe(this.groupId, s.topic);
    this.topics.push({ topic: s.topic, fromBeginning: s.fromBeginning ?? false });
  }

  async run(config: {
    eachBatch?: (payload: EachBatchPayload) => Promise<void>;
    eachMessage?: (payload: {
      topic: string;
      partition: number;
      message: KafkaMessage;
    }) => Promise<void>;
    partitionsConsumedConcurrently?: number;
  }): Promise<void> {
    this.running = true;
    const assignment: Record<string, number[]> = {};
    for (const { topic, fromBeginning } of this.topics) {
      const t = this.broker.topic(topic);
      assignment[topic] = t.partitions.map((_, i) => i);
      t.partitions.forEach((p, i) => {
        const c = this.broker.committedOffset(this.groupId, topic, i);
        this.positions.set(`${topic}/${i}`, c ? c.offset : fromBeginning ? p.base : p.end);
      });
    }
    // The only member of its group owns every partition.
    this.emit(EVENTS.GROUP_JOIN, {
      groupId: this.groupId,
      memberAssignment: assignment,
      isLeader: true,
    });
    this.loop = this.fetchLoop(config);
  }

  async commitOffsets(
    offsets: { topic: string; partition: number; offset: string; metadata?: string | null }[],
  ): Promise<void> {
    for (const o of offsets)
      this.broker.commit(this.groupId, o.topic, o.partition, Number(o.offset), o.metadata ?? null);
  }

  async stop(): Promise<void> {
    this.running = false;
    await this.loop;
  }

  async disconnect(): Promise<void> {
    if (this.running) this.emit(EVENTS.REBALANCING, { groupId: this.groupId });
    await this.stop();
  }

  private emit(event: string, payload: Record<string, unknown>): void {
    for (const l of this.listeners.get(event) ?? []) l({ payload });
  }

  private async fetchLoop(config: Parameters<InProcessConsumer['run']>[0]): Promise<void> {
    while (this.running) {
      let delivered = false;
      let lingering = false;
      for (const { topic } of this.topics) {
        const t = this.broker.topic(topic);
        for (let partition = 0; partition < t.partitions.length && this.running; partition++) {
          const key = `${topic}/${partition}`;
          const from = this.positions.get(key) ?? 0;
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
            await this.deliver(config, topic, partition, records);
          } catch (e) {
            // Like kafkajs: a failing handler crashes the member; redelivery resumes from the last resolved offset.
            this.emit(EVENTS.CRASH, { error: e, groupId: this.groupId, restart: true });
            await new Promise((r) => setTimeout(r, 200));
          }
        }
      }
      if (!delivered && this.running) {
        // Records waiting to make up a fetch: look again soon rather than on the next append.
        await this.broker.waitForData(lingering ? Math.min(this.maxWaitMs, 20) : this.maxWaitMs);
      }
    }
  }

  private async deliver(
    config: Parameters<InProcessConsumer['run']>[0],
    topic: string,
    partition: number,
    records: StoredRecord[],
  ): Promise<void> {
    const key = `${topic}/${partition}`;
    const messages: KafkaMessage[] = records.map((r) => ({
      key: r.key,
      value: r.value,
      headers: r.headers,
      timestamp: r.timestamp,
      offset: String(r.offset),
      attributes: 0,
    }));
    if (config.eachMessage) {
      for (const message of messages) {
        if (!this.running) return;
        await config.eachMessage({ topic, partition, message });
        this.positions.set(key, Number(message.offset) + 1);
      }
      return;
    }
    let resolved = Number(messages[0].offset) - 1;
    const payload = {
      batch: {
        topic,
        partition,
        highWatermark: String(this.broker.highWatermark(topic, partition)),
        messages,
        isEmpty: () => messages.length === 0,
        firstOffset: () => messages[0]?.offset ?? null,
        lastOffset: () => messages[messages.length - 1].offset,
        offsetLag: () => '0',
        offsetLagLow: () => '0',
      },
      resolveOffset: (offset: string) => {
        resolved = Math.max(resolved, Number(offset));
      },
      heartbeat: async () => undefined,
      pause: () => () => undefined,
      commitOffsetsIfNecessary: async () => undefined,
      uncommittedOffsets: () => ({ topics: [] }),
      isRunning: () => this.running,
      isStale: () => false,
    } as unknown as EachBatchPayload;
    await config.eachBatch!(payload);
    // Unresolved messages are delivered again, as kafkajs does.
    this.positions.set(key, resolved + 1);
  }
}

class InProcessAdmin {
  constructor(private readonly broker: InProcessBroker) {}
  async connect(): Promise<void> {}
  async disconnect(): Promise<void> {}
  async listTopics(): Promise<string[]> {
    return this.broker.listTopics();
  }
  async createTopics(o: {
    topics: {
      topic: string;
      numPartitions?: number;
      configEntries?: { name: string; value: string }[];
    }[];
  }): Promise<boolean> {
    let created = false;
    for (const t of o.topics)
      created = this.broker.createTopic(t.topic, t.numPartitions ?? 1) || created;
    return created;
  }
  async fetchTopicMetadata(o: { topics: string[] }): Promise<{
    topics: {
      name: string;
      partitions: {
        partitionId: number;
        leader: number;
        replicas: number[];
        isr: number[];
        partitionErrorCode: number;
      }[];
    }[];
  }> {
    return {
      topics: o.topics.map((name) => ({
        name,
        partitions: this.broker.topic(name).partitions.map((_, i) => ({
          partitionId: i,
          leader: 0,
          replicas: [0],
          isr: [0],
          partitionErrorCode: 0,
        })),
      })),
    };
  }
  async fetchOffsets(o: { groupId: string; topics: string[] }): Promise<
    {
      topic: string;
      partitions: { partition: number; offset: string; metadata: string | null }[];
    }[]
  > {
    return o.topics.map((topic) => ({
      topic,
      partitions: this.broker.topic(topic).partitions.map((_, partition) => {
        const c = this.broker.committedOffset(o.groupId, topic, partition);
        return { partition, offset: c ? String(c.offset) : '-1', metadata: c?.metadata ?? null };
      }),
    }));
  }
  async fetchTopicOffsets(
    topic: string,
  ): Promise<{ partition: number; offset: string; high: string; low: string }[]> {
    return this.broker.topic(topic).partitions.map((p, partition) => ({
      partition,
      offset: String(p.end),
      high: String(p.end),
      low: String(p.base),
    }));
  }
}

/** A `Kafka` whose producers, consumers and admins talk to one in-process broker. */
export class InProcessKafka {
  constructor(readonly broker: InProcessBroker = new InProcessBroker()) {}

  producer(): Producer {
    return new InProcessProducer(this.broker) as unknown as Producer;
  }

  consumer(config: {
    groupId: string;
    maxBytesPerPartition?: number;
    maxWaitTimeInMs?: number;
    minBytes?: number;
  }): Consumer {
    return new InProcessConsumer(
      this.broker,
      config.groupId,
      config.maxBytesPerPartition ?? 1024 * 1024,
      Math.min(config.maxWaitTimeInMs ?? 500, 500),
      config.minBytes ?? 1,
      config.maxWaitTimeInMs ?? 500,
    ) as unknown as Consumer;
  }

  admin(): Admin {
    return new InProcessAdmin(this.broker) as unknown as Admin;
  }

  /** Typed as kafkajs' Kafka for the stages; only the methods above exist. */
  asKafka(): Kafka {
    return this as unknown as Kafka;
  }
}
