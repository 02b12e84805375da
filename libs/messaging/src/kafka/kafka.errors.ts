/**
 * Broker answers that mean "not now" rather than "no": a coordinator or leader still loading or
 * moving, a topic just created that some broker does not know yet, a request that timed out. Worth
 * retrying for a while, also by test helpers; a busy machine makes them common right after
 * start-up.
 */
export function isRetriableKafkaError(e: unknown): boolean {
  const err = e as { retriable?: boolean; type?: string; name?: string; cause?: unknown };
  if (err?.retriable === true) return true;
  if (
    typeof err?.type === 'string' &&
    [
      'COORDINATOR_LOAD_IN_PROGRESS',
      'COORDINATOR_NOT_AVAILABLE',
      'NOT_COORDINATOR',
      'UNKNOWN_TOPIC_OR_PARTITION',
      'LEADER_NOT_AVAILABLE',
      'NOT_LEADER_FOR_PARTITION',
      'NOT_CONTROLLER',
      'REQUEST_TIMED_OUT',
      'REBALANCE_IN_PROGRESS',
    ].includes(err.type)
  )
    return true;
  return err?.name === 'KafkaJSNumberOfRetriesExceeded' && isRetriableKafkaError(err.cause);
}

/** Group answers to a commit that mean the group's generation moved on without this member. */
const MEMBERSHIP_LOST = new Set([
  'REBALANCE_IN_PROGRESS',
  'ILLEGAL_GENERATION',
  'UNKNOWN_MEMBER_ID',
  'FENCED_INSTANCE_ID',
]);

export function isMembershipLost(e: unknown): boolean {
  const type = (e as { type?: unknown } | undefined)?.type;
  return typeof type === 'string' && MEMBERSHIP_LOST.has(type);
}
