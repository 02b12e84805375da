import { AssignerProtocol, type Cluster, type Logger } from 'kafkajs';
import { decodeDecision } from '../election/leadership.decision';
import { STICKY_LEADER_PROTOCOL, stickyLeaderAssigner } from './sticky-leader.assigner';

/** The cluster as the assigner sees it: one single-partition topic. */
const cluster = {
  findTopicPartitionMetadata: () => [{ partitionId: 0 }],
} as unknown as Cluster;

/** A group member as kafkajs hands it to the group leader's assigner: id and protocol metadata. */
function member(memberId: string, leading: boolean, generation: number) {
  const assigner = stickyLeaderAssigner(() => ({ leading, generation }))({
    cluster,
    groupId: 'g',
    logger: {} as Logger,
  });
  const { name, metadata } = assigner.protocol({ topics: ['g.leader'] });
  expect(name).toBe(STICKY_LEADER_PROTOCOL);
  return { memberId, memberMetadata: metadata };
}

async function assign(members: { memberId: string; memberMetadata: Buffer }[]) {
  const groupLeader = stickyLeaderAssigner(() => ({ leading: false, generation: 0 }))({
    cluster,
    groupId: 'g',
    logger: {} as Logger,
  });
  const result = await groupLeader.assign({ members, topics: ['g.leader'] });
  return result.map(({ memberId, memberAssignment }) => {
    const decoded = AssignerProtocol.MemberAssignment.decode(memberAssignment)!;
    return {
      memberId,
      partitions: decoded.assignment['g.leader'] ?? [],
      decision: decodeDecision(decoded.userData),
    };
  });
}

describe(stickyLeaderAssigner.name, () => {
  it('gives partition 0 to the current leader when a member with a smaller id joins', async () => {
    const result = await assign([
      member('b-leader', true, 3),
      member('a-joined', false, 0),
      member('c-follower', false, 3),
    ]);
    expect(result.map((r) => [r.memberId, r.partitions])).toEqual([
      ['b-leader', [0]],
      ['a-joined', []],
      ['c-follower', []],
    ]);
    // Every member learns who leads and the generation, followers too.
    expect(new Set(result.map((r) => JSON.stringify(r.decision)))).toEqual(
      new Set([JSON.stringify({ leaderId: 'b-leader', generation: 3 })]),
    );
  });

  it('gives it to one of the remaining members in the next generation when the leader left', async () => {
    const result = await assign([member('c-follower', false, 3), member('a-joined', false, 0)]);
    expect(result.find((r) => r.partitions.includes(0))?.memberId).toBe('a-joined');
    expect(result[0].decision).toEqual({ leaderId: 'a-joined', generation: 4 });
  });
});
