import type { Resource, Span } from '@t2t/domain';
import {
  encodingFromContentType,
  HEADERS,
  type OtlpEncoding,
  type SourceRecord,
} from '@t2t/messaging';
import {
  attributesToStringMap,
  type DecodedRequests,
  decodeTraceRequestJson,
  decodeTraceRequestProto,
  OtlpDecodeError,
} from '@t2t/otlp';
import type { SpanRow } from '@t2t/storage';
import {
  DEFAULT_TENANT,
  InvalidTenantError,
  parseTenant,
  type RecordSpan,
  tenantEnv,
} from '@t2t/wire';
import { SpanRowMapper } from './span-row.mapper';
import { type RejectReason, type RepairReason, validateSpans } from './span.validator';

/** Why a whole message goes to the dead-letter topic. */
export type DeadMessageReason = 'oversized' | 'undecodable' | 'empty' | 'invalid_tenant';

/** The spans of one trace of one tenant in a message, in arrival order. */
export interface TenantTrace {
  tenant: string;
  traceId: string;
  spans: RecordSpan[];
}

/** One `otlp_spans` message after decoding and validation: what to store, re-key and dead-letter. */
export type PreparedMessage =
  | { kind: 'dead'; reason: DeadMessageReason; detail: string; bytes: number }
  | {
      kind: 'spans';
      encoding: OtlpEncoding;
      bytes: number;
      rows: SpanRow[];
      /** Record spans grouped by tenant and trace id (see traceKey), in arrival order. */
      byTrace: Map<string, TenantTrace>;
      rejected: { span: Span; reason: RejectReason; detail: string }[];
      repairs: Partial<Record<RepairReason, number>>;
    };

export interface PreparerOptions {
  defaultEncoding: OtlpEncoding;
  maxMessageBytes: number;
  maxFutureSkewMs: number;
  /** Clock, injectable for tests. */
  now?: () => number;
  /**
   * Spans the receiver of this process already decoded from a record's value (the in-process
   * transport delivers the Buffer it produced): taken instead of decoding the value again.
   */
  decoded?: DecodedRequests;
  /** Record header naming the tenant of every span in the message (`TENANT_HEADER`). */
  tenantHeader?: string;
  /** Resource attribute naming the tenant of the spans under it (`TENANT_RESOURCE_ATTRIBUTE`). */
  tenantResourceAttribute?: string;
}

/** A (tenant, trace id) as one string: tenant names hold no space, trace ids are hex. */
export function traceKey(tenant: string, traceId: string): string {
  return `${tenant} ${traceId}`;
}

function headerString(v: Buffer | string | (Buffer | string)[] | undefined): string | undefined {
  if (v === undefined) return undefined;
  const first = Array.isArray(v) ? v[0] : v;
  return first === undefined ? undefined : first.toString();
}

/**
 * Decode + validate + map, for one message. Pure apart from the clock; never throws on input.
 *
 * Tenants: the record header (`TENANT_HEADER`: set by this product's receivers from the OTLP
 * request header or gRPC metadata, or by a Collector forwarding client metadata) names the tenant
 * of the whole message; without it each resource's `TENANT_RESOURCE_ATTRIBUTE` names the tenant
 * of its spans; without either they belong to the implicit tenant. A malformed name in the header
 * dead-letters the message, in a resource attribute that resource's spans, with the reason.
 */
export class OtlpMessagePreparer {
  private readonly mapper = new SpanRowMapper();
  private readonly tenantHeader: string;
  private readonly tenantAttribute: string;
  /** Per resource (shared by the spans of one request): its tenant, or why it has none. */
  private readonly resourceTenants = new WeakMap<Resource, string | InvalidTenantError>();

  constructor(private readonly options: PreparerOptions) {
    const defaults = tenantEnv.parse({});
    this.tenantHeader = options.tenantHeader ?? defaults.header;
    this.tenantAttribute = options.tenantResourceAttribute ?? defaults.resourceAttribute;
  }

  prepare(record: SourceRecord): PreparedMessage {
    const value = record.value;
    const bytes = value?.length ?? 0;
    if (!value || bytes === 0)
      return { kind: 'dead', reason: 'empty', detail: 'message has no value', bytes };
    if (bytes > this.options.maxMessageBytes) {
      return {
        kind: 'dead',
        reason: 'oversized',
        detail: `message of ${bytes} bytes exceeds INGEST_MAX_MESSAGE_BYTES (${this.options.maxMessageBytes})`,
        bytes,
      };
    }
    let headerTenant: string | undefined;
    const namedTenant = headerString(record.headers[this.tenantHeader]);
    if (namedTenant !== undefined) {
      try {
        headerTenant = parseTenant(namedTenant, `the ${this.tenantHeader} record header`);
      } catch (e) {
        if (!(e instanceof InvalidTenantError)) throw e;
        return { kind: 'dead', reason: 'invalid_tenant', detail: e.message, bytes };
      }
    }
    const encoding =
      encodingFromContentType(headerString(record.headers[HEADERS.contentType])) ??
      this.options.defaultEncoding;
    let spans: Span[] | undefined = this.options.decoded?.take(value);
    try {
      spans ??=
        encoding === 'otlp_json' ? decodeTraceRequestJson(value) : decodeTraceRequestProto(value);
    } catch (e) {
      if (!(e instanceof OtlpDecodeError)) throw e;
      return {
        kind: 'dead',
        reason: 'undecodable',
        detail: `cannot decode as ${encoding}: ${e.message}`,
        bytes,
      };
    }
    const nowMs = (this.options.now ?? Date.now)();
    const validation = validateSpans(spans, {
      nowUnixNano: BigInt(nowMs) * 1_000_000n,
      maxFutureSkewNano: BigInt(this.options.maxFutureSkewMs) * 1_000_000n,
    });
    const rows: SpanRow[] = [];
    const byTrace = new Map<string, TenantTrace>();
    for (const v of validation.accepted) {
      const tenant = headerTenant ?? this.resourceTenant(v.span.resource);
      if (tenant instanceof InvalidTenantError) {
        validation.rejected.push({
          span: v.span,
          reason: 'invalid_tenant',
          detail: tenant.message,
        });
        continue;
      }
      const attributes = attributesToStringMap(v.span.attributes);
      const row = this.mapper.toRow(v, attributes);
      row.Tenant = tenant;
      rows.push(row);
      const key = traceKey(tenant, v.span.traceId);
      const trace = byTrace.get(key);
      const rs = this.mapper.toRecordSpan(v, attributes);
      if (trace) trace.spans.push(rs);
      else byTrace.set(key, { tenant, traceId: v.span.traceId, spans: [rs] });
    }
    return {
      kind: 'spans',
      encoding,
      bytes,
      rows,
      byTrace,
      rejected: validation.rejected,
      repairs: validation.repairs,
    };
  }

  /** The tenant a resource names, the implicit one when it names none, or why its name is refused. */
  private resourceTenant(resource: Resource): string | InvalidTenantError {
    let tenant = this.resourceTenants.get(resource);
    if (tenant !== undefined) return tenant;
    const value = resource.attributes[this.tenantAttribute];
    const from = `the ${this.tenantAttribute} resource attribute`;
    if (value === undefined) tenant = DEFAULT_TENANT;
    else if (typeof value !== 'string')
      tenant = new InvalidTenantError(`invalid tenant from ${from}: it must be a string`);
    else {
      try {
        tenant = parseTenant(value, from);
      } catch (e) {
        if (!(e instanceof InvalidTenantError)) throw e;
        tenant = e;
      }
    }
    this.resourceTenants.set(resource, tenant);
    return tenant;
  }
}
