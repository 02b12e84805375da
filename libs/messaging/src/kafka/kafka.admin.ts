import type { Admin } from 'kafkajs';
import type {
  CommittedOffset,
  MessagingAdmin,
  PartitionWatermarks,
  TopicMetadata,
  TopicSpec,
} from '../port/messaging.port';

/** Topic and offset administration over a kafkajs admin client. */
export class KafkaAdmin implements MessagingAdmin {
  constructor(private readonly admin: Admin) {}

  connect(): Promise<void> {
    return this.admin.connect();
  }

  disconnect(): Promise<void> {
    return this.admin.disconnect();
  }

  listTopics(): Promise<string[]> {
    return this.admin.listTopics();
  }

  createTopics(topics: TopicSpec[]): Promise<boolean> {
    return this.admin.createTopics({
      topics: topics.map((s) => ({
        topic: s.topic,
        numPartitions: s.partitions,
        configEntries: Object.entries(s.configs ?? {}).map(([name, value]) => ({ name, value })),
      })),
      waitForLeaders: true,
    });
  }

  deleteTopics(topics: string[]): Promise<void> {
    return this.admin.deleteTopics({ topics });
  }

  async fetchTopicMetadata(topics: string[]): Promise<TopicMetadata[]> {
    const meta = await this.admin.fetchTopicMetadata({ topics });
    return meta.topics.map((t) => ({
      name: t.name,
      partitions: t.partitions.map((p) => ({ partitionId: p.partitionId, leader: p.leader })),
    }));
  }

  async fetchOffsets(groupId: string, topic: string): Promise<CommittedOffset[]> {
    const [offsets] = await this.admin.fetchOffsets({ groupId, topics: [topic] });
    return (offsets?.partitions ?? []).map((p) => ({
      partition: p.partition,
      offset: p.offset,
      metadata: p.metadata ?? null,
    }));
  }

  async fetchTopicOffsets(topic: string): Promise<PartitionWatermarks[]> {
    const offsets = await this.admin.fetchTopicOffsets(topic);
    return offsets.map((o) => ({ partition: o.partition, low: o.low, high: o.high }));
  }
}
