import { Logger } from '@nestjs/common';
import type { Consumer, Kafka } from 'kafkajs';
import { ensureTopics } from './kafka.factory';

export interface LeaderElectionOptions {
  /** Names the election: group `<name>` on the single-partition topic `<name>.leader`. */
  name: string;
  sessionTimeoutMs: number;
  /** Called when this member becomes leader; the returned promise is awaited before work counts as started. */
  onElected: () => Promise<void> | void;
  /** Called when leadership is lost (rebalance, shutdown); stop the leader-only work. */
  onRevoked: () => Promise<void> | void;
}

/**
 * One leader among the replicas of a service, chosen with the Kafka infrastructure the product
 * already needs: every replica joins one consumer group on a topic with a single partition, and
 * the member that owns that partition leads. When it dies, its session times out and the group
 * gives the partition, and leadership, to another member. No extra coordination service.
 *
 * Nothing is ever read from the topic; the consumer exists for its group membership.
 */
export class LeaderElection {
  private readonly log: Logger;
  private consumer?: Consumer;
  private leading = false;
  private transition: Promise<void> = Promise.resolve();

  constructor(
    private readonly kafka: Kafka,
    private readonly options: LeaderElectionOptions,
  ) {
    this.log = new Logger(`leader:${options.name}`);
  }

  get isLeader(): boolean {
    return this.leading;
  }

  get topic(): string {
    return `${this.options.name}.leader`;
  }

  async start(): Promise<void> {
    const admin = this.kafka.admin();
    await admin.connect();
    try {
      await ensureTopics(admin, [{ topic: this.topic, partitions: 1 }]);
    } finally {
      await admin.disconnect();
    }
    this.consumer = this.kafka.consumer({
      groupId: this.options.name,
      sessionTimeout: this.options.sessionTimeoutMs,
      heartbeatInterval: Math.max(500, Math.floor(this.options.sessionTimeoutMs / 10)),
      maxWaitTimeInMs: 1000,
    });
    this.consumer.on(this.consumer.events.GROUP_JOIN, (e) => {
      const owns = (e.payload.memberAssignment[this.topic] ?? []).includes(0);
      this.setLeading(owns);
    });
    this.consumer.on(this.consumer.events.REBALANCING, () => this.setLeading(false));
    this.consumer.on(this.consumer.events.CRASH, () => this.setLeading(false));
    await this.consumer.connect();
    await this.consumer.subscribe({ topic: this.topic, fromBeginning: false });
    await this.consumer.run({ autoCommit: false, eachMessage: async () => undefined });
  }

  async stop(): Promise<void> {
    this.setLeading(false);
    await this.transition;
    await this.consumer?.disconnect();
  }

  /** Resolves after the latest elected/revoked callback finished. */
  settled(): Promise<void> {
    return this.transition;
  }

  private setLeading(leading: boolean): void {
    if (leading === this.leading) return;
    this.leading = leading;
    // Callbacks run one after the other, in the order the changes happened.
    this.transition = this.transition
      .then(async () => {
        if (leading) {
          this.log.log(`elected leader of ${this.options.name}`);
          await this.options.onElected();
        } else {
          this.log.log(`no longer leader of ${this.options.name}`);
          await this.options.onRevoked();
        }
      })
      .catch((e: unknown) => this.log.error(`leadership change failed: ${(e as Error).message}`));
  }
}
