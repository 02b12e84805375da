import type { ClusterEvent, ClusterMembersEvent, ClusterWindowEvent } from '@t2t/fingerprint';
import type { RecordHeaders } from '@t2t/messaging';
import { DEFAULT_TENANT, isTenant, TENANT_RECORD_HEADER } from '@t2t/wire';

export class ClusterEventError extends Error {}

/**
 * Reads a cluster event as the workers write it (JSON). Checks the fields the sink relies on, so a
 * foreign or corrupted record is refused with a reason instead of producing a broken row. The
 * event comes back with its tenant always set: the one in the event, else the record's
 * `t2t-tenant` header, else (events of workers that predate tenants) the implicit one.
 */
export function parseClusterEvent(value: Buffer | null, headers?: RecordHeaders): ClusterEvent {
  const event = parseEvent(value);
  const header = headers?.[TENANT_RECORD_HEADER];
  const fromHeader = (Array.isArray(header) ? header[0] : header)?.toString();
  const tenant: unknown = event.tenant ?? fromHeader ?? DEFAULT_TENANT;
  if (typeof tenant !== 'string' || !isTenant(tenant))
    throw new ClusterEventError(`invalid tenant ${JSON.stringify(tenant)}`);
  if (fromHeader !== undefined && fromHeader !== tenant)
    throw new ClusterEventError(
      `the event names tenant ${JSON.stringify(tenant)}, its header ${JSON.stringify(fromHeader)}`,
    );
  event.tenant = tenant;
  return event;
}

function parseEvent(value: Buffer | null): ClusterEvent {
  if (!value || value.length === 0) throw new ClusterEventError('empty record');
  let e: Partial<ClusterWindowEvent>;
  try {
    e = JSON.parse(value.toString('utf8')) as Partial<ClusterWindowEvent>;
  } catch (err) {
    throw new ClusterEventError(`not JSON: ${(err as Error).message}`);
  }
  if (e.v !== 1) throw new ClusterEventError(`unsupported event version ${String(e.v)}`);
  if ((e.type as string) === 'members') return checkMembers(e as Partial<ClusterMembersEvent>);
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

function checkMembers(e: Partial<ClusterMembersEvent>): ClusterMembersEvent {
  if (!Number.isInteger(e.partition)) throw new ClusterEventError('partition missing');
  if (typeof e.endpoint !== 'string' || typeof e.fingerprint !== 'string')
    throw new ClusterEventError('members without endpoint or fingerprint');
  const n = Array.isArray(e.traceIds) ? e.traceIds.length : -1;
  if (
    n < 1 ||
    !Array.isArray(e.startNs) ||
    e.startNs.length !== n ||
    !Array.isArray(e.errors) ||
    e.errors.length !== n
  ) {
    throw new ClusterEventError(
      'members: traceIds, startNs and errors must be arrays of one length',
    );
  }
  if (!e.traceIds!.every((id) => typeof id === 'string' && /^[0-9a-f]{1,64}$/.test(id)))
    throw new ClusterEventError('members: a trace id is not lower-case hex');
  if (!e.startNs.every((t) => typeof t === 'string' && /^\d{1,20}$/.test(t)))
    throw new ClusterEventError('members: a start time is not a decimal Unix ns');
  return e as ClusterMembersEvent;
}
