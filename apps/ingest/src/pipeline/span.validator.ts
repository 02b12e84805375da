import type { Span, SpanLink } from '@t2t/domain';

/**
 * What ingest does with spans that break the rules (the policy README documents):
 *
 * rejected (kept in the dead-letter topic, counted):
 * - trace id not 16 bytes or all zeros; span id not 8 bytes or all zeros
 * - start time before 2000-01-01, or later than `now + maxFutureSkew`
 * - (set by the preparer) the resource names a malformed tenant
 *
 * repaired (stored, counted):
 * - parent span id not 8 bytes, or all zeros → the span becomes a root ('')
 * - end time before start (or missing) → end = start
 * - link with an invalid trace or span id → link dropped
 * - no `service.name` resource attribute → 'unknown_service' (the SDKs' default)
 */
export type RejectReason =
  'invalid_trace_id' | 'invalid_span_id' | 'start_too_old' | 'start_in_future' | 'invalid_tenant';
export type RepairReason =
  'invalid_parent_span_id' | 'end_before_start' | 'invalid_link' | 'missing_service_name';

export interface ValidationOptions {
  /** Current time, ns since epoch (a parameter, so the rules are deterministic under test). */
  nowUnixNano: bigint;
  maxFutureSkewNano: bigint;
}

export interface ValidatedSpan {
  span: Span;
  serviceName: string;
}

export interface ValidationResult {
  accepted: ValidatedSpan[];
  rejected: { span: Span; reason: RejectReason; detail: string }[];
  repairs: Partial<Record<RepairReason, number>>;
}

/** 2000-01-01T00:00:00Z: anything earlier is a clock that was never set, not a real span. */
export const MIN_START_UNIX_NANO = 946_684_800_000_000_000n;

const HEX_ID = /^[0-9a-f]+$/;

function validId(id: string, hexLength: number): boolean {
  return id.length === hexLength && HEX_ID.test(id) && !/^0+$/.test(id);
}

function serviceNameOf(span: Span): string | undefined {
  const v = span.resource.attributes['service.name'];
  return typeof v === 'string' && v !== '' ? v : undefined;
}

export function validateSpans(
  spans: readonly Span[],
  options: ValidationOptions,
): ValidationResult {
  const result: ValidationResult = { accepted: [], rejected: [], repairs: {} };
  const repair = (r: RepairReason) => (result.repairs[r] = (result.repairs[r] ?? 0) + 1);
  const latest = options.nowUnixNano + options.maxFutureSkewNano;

  for (const span of spans) {
    if (!validId(span.traceId, 32)) {
      result.rejected.push({
        span,
        reason: 'invalid_trace_id',
        detail: `trace id "${span.traceId}" must be 16 non-zero bytes`,
      });
      continue;
    }
    if (!validId(span.spanId, 16)) {
      result.rejected.push({
        span,
        reason: 'invalid_span_id',
        detail: `span id "${span.spanId}" must be 8 non-zero bytes`,
      });
      continue;
    }
    if (span.startTimeUnixNano < MIN_START_UNIX_NANO) {
      result.rejected.push({
        span,
        reason: 'start_too_old',
        detail: `start time ${span.startTimeUnixNano} ns is before 2000-01-01`,
      });
      continue;
    }
    if (span.startTimeUnixNano > latest) {
      result.rejected.push({
        span,
        reason: 'start_in_future',
        detail: `start time ${span.startTimeUnixNano} ns is more than the allowed skew ahead of now (${options.nowUnixNano} ns)`,
      });
      continue;
    }

    let fixed: { -readonly [K in keyof Span]?: Span[K] } | undefined;
    if (span.parentSpanId !== '' && !validId(span.parentSpanId, 16)) {
      (fixed ??= {}).parentSpanId = '';
      repair('invalid_parent_span_id');
    }
    if (span.endTimeUnixNano < span.startTimeUnixNano) {
      (fixed ??= {}).endTimeUnixNano = span.startTimeUnixNano;
      repair('end_before_start');
    }
    if (span.links.length > 0) {
      const links = span.links.filter(
        (l: SpanLink) => validId(l.traceId, 32) && validId(l.spanId, 16),
      );
      if (links.length !== span.links.length) {
        (fixed ??= {}).links = links;
        for (let i = links.length; i < span.links.length; i++) repair('invalid_link');
      }
    }
    let serviceName = serviceNameOf(span);
    if (serviceName === undefined) {
      serviceName = 'unknown_service';
      repair('missing_service_name');
    }
    result.accepted.push({ span: fixed ? { ...span, ...fixed } : span, serviceName });
  }
  return result;
}
