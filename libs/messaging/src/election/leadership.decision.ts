/**
 * The sticky leader rule, shared by both transports: which member of an election leads, and in
 * which generation, given what every member says about itself when the group forms. Pure, so the
 * Kafka partition assigner and the in-process election decide alike and tests can use literals.
 */

/** What a member advertises when it (re)joins. */
export interface LeadershipClaim {
  memberId: string;
  /** The member believes it leads now. */
  leading: boolean;
  /** The newest leadership generation the member knows of (0: none yet). */
  generation: number;
}

export interface LeadershipDecision {
  leaderId: string;
  generation: number;
}

function byMemberId(a: LeadershipClaim, b: LeadershipClaim): number {
  return a.memberId < b.memberId ? -1 : a.memberId > b.memberId ? 1 : 0;
}

/**
 * The current leader keeps leading, in the same generation, while it is a member: a member that
 * joins never takes leadership over. Only a member that leads in the newest generation anyone
 * knows counts as the current leader; a member claiming an older one was replaced while it was
 * away. Otherwise leadership goes to the member with the smallest id, in the next generation
 * (newest known + 1), so a deposed leader's generation is never handed out again. Two members
 * claiming the newest generation cannot both be right: the generation moves on for that case too.
 */
export function decideLeadership(
  claims: readonly LeadershipClaim[],
): LeadershipDecision | undefined {
  if (claims.length === 0) return undefined;
  let newest = 0;
  for (const c of claims) if (c.generation > newest) newest = c.generation;
  const sorted = [...claims].sort(byMemberId);
  const holders = sorted.filter((c) => c.leading && c.generation === newest && newest > 0);
  if (holders.length === 1) return { leaderId: holders[0].memberId, generation: newest };
  return { leaderId: (holders[0] ?? sorted[0]).memberId, generation: newest + 1 };
}

const USER_DATA_VERSION = 1;

/** A claim as bytes for the group protocol's member metadata. */
export function encodeClaim(claim: Omit<LeadershipClaim, 'memberId'>): Buffer {
  return Buffer.from(
    JSON.stringify({ v: USER_DATA_VERSION, leading: claim.leading, generation: claim.generation }),
  );
}

/** Unreadable or foreign bytes are a member that knows nothing: not leading, generation 0. */
export function decodeClaim(bytes: Buffer | null | undefined): Omit<LeadershipClaim, 'memberId'> {
  const parsed = parseUserData(bytes);
  if (
    parsed !== undefined &&
    typeof parsed.leading === 'boolean' &&
    Number.isSafeInteger(parsed.generation) &&
    (parsed.generation as number) >= 0
  )
    return { leading: parsed.leading, generation: parsed.generation as number };
  return { leading: false, generation: 0 };
}

/** The decision as bytes for every member's assignment, so followers learn the generation too. */
export function encodeDecision(decision: LeadershipDecision): Buffer {
  return Buffer.from(
    JSON.stringify({
      v: USER_DATA_VERSION,
      leaderId: decision.leaderId,
      generation: decision.generation,
    }),
  );
}

export function decodeDecision(bytes: Buffer | null | undefined): LeadershipDecision | undefined {
  const parsed = parseUserData(bytes);
  if (
    parsed !== undefined &&
    typeof parsed.leaderId === 'string' &&
    Number.isSafeInteger(parsed.generation) &&
    (parsed.generation as number) > 0
  )
    return { leaderId: parsed.leaderId, generation: parsed.generation as number };
  return undefined;
}

function parseUserData(bytes: Buffer | null | undefined): Record<string, unknown> | undefined {
  if (!bytes || bytes.length === 0) return undefined;
  try {
    const parsed = JSON.parse(bytes.toString('utf8')) as unknown;
    if (
      typeof parsed === 'object' &&
      parsed !== null &&
      (parsed as { v?: unknown }).v === USER_DATA_VERSION
    )
      return parsed as Record<string, unknown>;
  } catch {
    // not ours
  }
  return undefined;
}
