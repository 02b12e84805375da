import { AssignerProtocol, type PartitionAssigner } from 'kafkajs';
import {
  decideLeadership,
  decodeClaim,
  encodeClaim,
  encodeDecision,
  type LeadershipClaim,
} from '../election/leadership.decision';

/** The group protocol name: every member of an election must offer it (same code version). */
export const STICKY_LEADER_PROTOCOL = 'T2TStickyLeader';
const PROTOCOL_VERSION = 1;

/**
 * A kafkajs partition assigner for leader elections (a group on a single-partition topic: whoever
 * owns partition 0 leads). kafkajs' round-robin assigner sorts members by id, so a new member with
 * a smaller random id took partition 0, and leadership, from a healthy leader. Here every member
 * advertises in its member metadata whether it leads and the newest generation it knows
 * (`claim()`, asked at each join), and the group leader's `assign` applies `decideLeadership`: the
 * current leader keeps partition 0 and its generation. Every member's assignment carries the
 * decision (leader id and generation), so followers learn the generation too and a later leader
 * continues from it.
 */
export function stickyLeaderAssigner(
  claim: () => Omit<LeadershipClaim, 'memberId'>,
): PartitionAssigner {
  return ({ cluster }) => ({
    name: STICKY_LEADER_PROTOCOL,
    version: PROTOCOL_VERSION,
    protocol: ({ topics }) => ({
      name: STICKY_LEADER_PROTOCOL,
      metadata: AssignerProtocol.MemberMetadata.encode({
        version: PROTOCOL_VERSION,
        topics,
        userData: encodeClaim(claim()),
      }),
    }),
    assign: async ({ members, topics }) => {
      const claims: LeadershipClaim[] = members.map((m) => ({
        memberId: m.memberId,
        ...decodeClaim(AssignerProtocol.MemberMetadata.decode(m.memberMetadata)?.userData),
      }));
      const decision = decideLeadership(claims);
      if (decision === undefined) return [];
      const everything: Record<string, number[]> = {};
      for (const topic of topics)
        everything[topic] = cluster.findTopicPartitionMetadata(topic).map((p) => p.partitionId);
      const userData = encodeDecision(decision);
      return members.map((m) => ({
        memberId: m.memberId,
        memberAssignment: AssignerProtocol.MemberAssignment.encode({
          version: PROTOCOL_VERSION,
          assignment: m.memberId === decision.leaderId ? everything : {},
          userData,
        }),
      }));
    },
  });
}
