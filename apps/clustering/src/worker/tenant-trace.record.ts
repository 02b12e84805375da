import type { RecordHeaders } from '@t2t/messaging';
import {
  decodeTraceRecord,
  DEFAULT_TENANT,
  parseTenant,
  TENANT_RECORD_HEADER,
  type TraceRecord,
} from '@t2t/wire';

/** A `spans_by_trace` record with the tenant ingest stamped on it. */
export interface TenantTraceRecord extends TraceRecord {
  tenant: string;
}

/**
 * The tenant of a record between the product's own stages: its `t2t-tenant` header, or the
 * implicit tenant for records written before tenants existed. A malformed name throws
 * (`InvalidTenantError`): such a record is dead-lettered, never counted under another tenant.
 */
export function recordTenant(headers: RecordHeaders | undefined): string {
  const v = headers?.[TENANT_RECORD_HEADER];
  const first = Array.isArray(v) ? v[0] : v;
  if (first === undefined) return DEFAULT_TENANT;
  return parseTenant(first.toString(), `the ${TENANT_RECORD_HEADER} record header`);
}

/** Decodes a `spans_by_trace` record with its tenant; throws on an unreadable value or tenant. */
export function decodeTenantTraceRecord(
  value: Buffer | null,
  headers: RecordHeaders | undefined,
): TenantTraceRecord {
  const tenant = recordTenant(headers);
  return { ...decodeTraceRecord(value ?? Buffer.alloc(0)), tenant };
}
