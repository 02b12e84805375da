import type { ClusterWindowEvent } from '@t2t/fingerprint';

export class ClusterEventError extends Error {}

/**
 * Reads a cluster event as the workers write it (JSON). Checks the fields the sink relies on, so a
 * foreign or corrupted record is refused with a reason instead of producing a broken row.
 */
export function parseClusterEvent(value: Buffer | null): ClusterWindowEvent {
  if (!value || value.length === 0) throw new ClusterEventError('empty record');
  let e: Partial<ClusterWindowEvent>;
  try {
    e = JSON.parse(value.toString('utf8')) as Partial<ClusterWindowEvent>;
  } catch (err) {
    throw new ClusterEventError(`not JSON: ${(err as Error).message}`);
  }
  if (e.v !== 1) throw new ClusterEventError(`unsupported event version ${String(e.v)}`);
  if (e.type !== 'window' && e.type !== 'late_trace')
    throw new ClusterEventError(`unknown event type ${String(e.type)}`);
  if (!Number.isInteger(e.partition)) throw new ClusterEventError('partition missing');
  const a = e.aggregate;
  if (
    !a ||
    typeof a.endpoint !== 'string' ||
    typeof a.fingerprint !== 'string' ||
    !Number.isInteger(a.windowStartMs) ||
    !Number.isInteger(a.count)
  ) {
    throw new ClusterEventError('aggregate missing or incomplete');
  }
  if (e.type === 'late_trace' && typeof e.traceId !== 'string')
    throw new ClusterEventError('late_trace without traceId');
  return e as ClusterWindowEvent;
}
