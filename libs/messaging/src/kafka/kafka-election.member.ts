import { Logger } from '@nestjs/common';
import { AssignerProtocol, type Consumer, type Kafka } from 'kafkajs';
import { decodeDecision, type LeadershipDecision } from '../election/leadership.decision';
import { ensureTopics } from '../ensure-topics';
import type {
  ElectionMember,
  ElectionMemberOptions,
  LeadershipState,
} from '../port/messaging.port';
import { KafkaAdmin } from './kafka.admin';
import { stickyLeaderAssigner } from './sticky-leader.assigner';

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/**
 * An election member on Kafka: a consumer in group `<name>` on the single-partition topic
 * `<name>.leader`, assigned by the sticky leader assigner; the member that owns partition 0 leads.
 * Nothing is ever read from the topic; the consumer exists for its group membership.
 *
 * kafkajs hands a member its partitions but not its assignment's user data, where the assigner
 * wrote the leadership generation; the member reads it back from the group description (the
 * coordinator keeps every member's assignment while the group is stable). Until it has, a member
 * that was given partition 0 does not report leading.
 *
 * A rebalance alone (a member joining) changes nothing: the leader keeps leading through it and is
 * given partition 0 again in the same generation. Leadership ends when an assignment gives
 * partition 0 to another member, when the consumer crashes, or on `stop`.
 */
export class KafkaElectionMember implements ElectionMember {
  private readonly log: Logger;
  private consumer?: Consumer;
  /** What this member advertises at each join: whether it leads, and the newest generation known. */
  private state: LeadershipState = { leading: false, generation: 0 };
  /** Counts joins, so that a slow read of an older assignment never overrides a newer one. */
  private joins = 0;
  private stopped = false;
  private restartTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly kafka: Kafka,
    private readonly options: ElectionMemberOptions,
  ) {
    this.log = new Logger(`leader:${options.name}`);
  }

  get topic(): string {
    return `${this.options.name}.leader`;
  }

  async start(): Promise<void> {
    this.stopped = false;
    const admin = new KafkaAdmin(this.kafka.admin());
    await admin.connect();
    try {
      await ensureTopics(admin, [{ topic: this.topic, partitions: 1 }]);
    } finally {
      await admin.disconnect();
    }
    await this.join();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.joins++;
    clearTimeout(this.restartTimer);
    this.lose();
    const consumer = this.consumer;
    this.consumer = undefined;
    await consumer?.disconnect();
  }

  private async join(): Promise<void> {
    const sessionTimeoutMs = this.options.sessionTimeoutMs;
    const consumer = this.kafka.consumer({
      groupId: this.options.name,
      sessionTimeout: sessionTimeoutMs,
      heartbeatInterval: Math.max(500, Math.floor(sessionTimeoutMs / 10)),
      maxWaitTimeInMs: 1000,
      partitionAssigners: [stickyLeaderAssigner(() => ({ ...this.state }))],
    });
    this.consumer = consumer;
    consumer.on(consumer.events.GROUP_JOIN, (e) => {
      const owns = (e.payload.memberAssignment[this.topic] ?? []).includes(0);
      void this.joined(consumer, e.payload.memberId, owns);
    });
    consumer.on(consumer.events.CRASH, (e) => {
      this.joins++;
      this.lose();
      const { error, restart } = e.payload;
      this.log.error(
        `election consumer crashed (${restart ? 'the client restarts it' : 'restarting it in 5 s'}): ${error.message}`,
      );
      if (!restart && !this.stopped) {
        clearTimeout(this.restartTimer);
        this.restartTimer = setTimeout(() => void this.restart(), 5000);
      }
    });
    await consumer.connect();
    await consumer.subscribe({ topic: this.topic, fromBeginning: false });
    await consumer.run({ autoCommit: false, eachMessage: async () => undefined });
  }

  private async restart(): Promise<void> {
    if (this.stopped) return;
    try {
      await this.consumer?.disconnect();
      if (!this.stopped) await this.join();
    } catch (e) {
      this.log.error(`election restart failed, trying again in 5 s: ${(e as Error).message}`);
      this.restartTimer = setTimeout(() => void this.restart(), 5000);
    }
  }

  /** A new assignment: apply who leads, in which generation, once the assignment's data is read. */
  private async joined(consumer: Consumer, memberId: string, owns: boolean): Promise<void> {
    const join = ++this.joins;
    // Partition 0 went elsewhere: stop at once, the generation can be learnt after.
    if (!owns) this.lose();
    const decision = await this.readDecision(consumer, memberId, owns, join);
    if (decision === undefined) return;
    this.update(owns && decision.leaderId === memberId, decision.generation);
  }

  /**
   * This member's assignment data from the group description; undefined when a newer join or a
   * stop made the question moot. Read again until the group is stable and the assignment found
   * there agrees with the partitions kafkajs reported (otherwise it belongs to another rebalance,
   * whose own join follows).
   */
  private async readDecision(
    consumer: Consumer,
    memberId: string,
    owns: boolean,
    join: number,
  ): Promise<LeadershipDecision | undefined> {
    for (let delay = 100; ; delay = Math.min(delay * 2, 2000)) {
      if (this.stopped || join !== this.joins) return undefined;
      try {
        const group = await consumer.describeGroup();
        const member = group.members.find((m) => m.memberId === memberId);
        if (group.state === 'Stable' && member && member.memberAssignment.length > 0) {
          const assignment = AssignerProtocol.MemberAssignment.decode(member.memberAssignment);
          const ownsThere = (assignment?.assignment[this.topic] ?? []).includes(0);
          const decision = decodeDecision(assignment?.userData);
          if (decision && ownsThere === owns) return decision;
        }
      } catch (e) {
        this.log.debug(`reading the election's assignment failed: ${(e as Error).message}`);
      }
      await sleep(delay);
    }
  }

  private lose(): void {
    this.update(false, this.state.generation);
  }

  private update(leading: boolean, generation: number): void {
    const next = {
      leading: leading && !this.stopped,
      generation: Math.max(this.state.generation, generation),
    };
    if (next.leading === this.state.leading && next.generation === this.state.generation) return;
    this.state = next;
    this.options.onChange({ ...next });
  }
}
