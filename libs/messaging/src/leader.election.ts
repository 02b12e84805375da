import { Logger } from '@nestjs/common';
import type { ElectionMember, LeadershipState, MessagingClient } from './port/messaging.port';

export interface LeaderElectionOptions {
  /** Names the election (on Kafka: group `<name>` on the single-partition topic `<name>.leader`). */
  name: string;
  sessionTimeoutMs: number;
  /**
   * Called when this member becomes leader, with its leadership generation; the returned promise
   * is awaited before work counts as started. Keep the generation to fence what the work writes
   * (`isLeading(generation)`).
   */
  onElected: (generation: number) => Promise<void> | void;
  /** Called when leadership is lost (another member leads, a crash, shutdown); stop the leader-only work. */
  onRevoked: () => Promise<void> | void;
}

/**
 * One leader among the replicas of a service, chosen with the infrastructure the product already
 * has (on Kafka: group membership on a single-partition topic; in embedded mode: the in-process
 * broker). Leadership is sticky: a replica that starts does not take it from a healthy leader.
 * When the leader leaves or stops heartbeating, one other replica leads in the next generation.
 *
 * The generation is what fences leader-only work: work started in generation g publishes its
 * results only while `isLeading(g)` still holds. A leader that was replaced without noticing at
 * once (a long pause, a network split) learns it at its next assignment, and from then on its
 * older generation no longer passes the check, even if it is elected again later.
 */
export class LeaderElection {
  private readonly log: Logger;
  private member?: ElectionMember;
  private leadingIn: number | undefined;
  private observed = 0;
  private transition: Promise<void> = Promise.resolve();

  constructor(
    private readonly client: MessagingClient,
    private readonly options: LeaderElectionOptions,
  ) {
    this.log = new Logger(`leader:${options.name}`);
  }

  get isLeader(): boolean {
    return this.leadingIn !== undefined;
  }

  /** The generation this member leads in; undefined while it does not lead. */
  get generation(): number | undefined {
    return this.leadingIn;
  }

  /**
   * The current leadership generation as far as this member knows, led by it or by another
   * member; 0 before its first assignment. A follower learns it from each assignment.
   */
  get observedGeneration(): number {
    return this.observed;
  }

  /** True while this member leads in exactly `generation`: the fence for leader-only writes. */
  isLeading(generation: number): boolean {
    return this.leadingIn === generation;
  }

  async start(): Promise<void> {
    this.member = this.client.electionMember({
      name: this.options.name,
      sessionTimeoutMs: this.options.sessionTimeoutMs,
      onChange: (change) => this.changed(change),
    });
    await this.member.start();
  }

  async stop(): Promise<void> {
    this.changed({ leading: false, generation: this.observed });
    await this.transition;
    const member = this.member;
    this.member = undefined;
    await member?.stop();
  }

  /** Resolves after the latest elected/revoked callback finished. */
  settled(): Promise<void> {
    return this.transition;
  }

  private changed(state: LeadershipState): void {
    this.observed = Math.max(this.observed, state.generation);
    const next = state.leading ? state.generation : undefined;
    if (next === this.leadingIn) return;
    const previous = this.leadingIn;
    this.leadingIn = next;
    // Callbacks run one after the other, in the order the changes happened. Leading again in a
    // new generation ends the old one first, so work fenced by it stops.
    if (previous !== undefined) this.queue(() => this.revoked(previous));
    if (next !== undefined) this.queue(() => this.elected(next));
  }

  private queue(step: () => Promise<void>): void {
    this.transition = this.transition
      .then(step)
      .catch((e: unknown) => this.log.error(`leadership change failed: ${(e as Error).message}`));
  }

  private async elected(generation: number): Promise<void> {
    this.log.log(`elected leader of ${this.options.name} (generation ${generation})`);
    await this.options.onElected(generation);
  }

  private async revoked(generation: number): Promise<void> {
    this.log.log(`no longer leader of ${this.options.name} (generation ${generation} ended)`);
    await this.options.onRevoked();
  }
}
