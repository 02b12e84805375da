import {
  type Attributes,
  SPAN_KIND_NAMES,
  STATUS_CODE_NAMES,
  type InstrumentationScope,
  type Resource,
} from '@t2t/domain';
import { attributesToStringMap } from '@t2t/otlp';
import type { SpanRow } from '@t2t/storage';
import type { RecordSpan } from '@t2t/wire';
import type { ValidatedSpan } from './span.validator';

/** The largest duration a record carries exactly (Number.MAX_SAFE_INTEGER ns ≈ 104 days). */
const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);

/**
 * Maps validated spans to `spans` rows and `spans_by_trace` record spans. Resources and scopes are
 * shared objects across the spans of one request, so their string maps are computed once each.
 */
export class SpanRowMapper {
  private readonly resources = new WeakMap<Resource, Record<string, string>>();
  private readonly scopes = new WeakMap<InstrumentationScope, Record<string, string>>();

  toRow({ span, serviceName }: ValidatedSpan, spanAttributes: Record<string, string>): SpanRow {
    const start = span.startTimeUnixNano;
    return {
      Timestamp: start.toString(),
      TraceId: span.traceId,
      SpanId: span.spanId,
      ParentSpanId: span.parentSpanId,
      TraceState: span.traceState,
      SpanName: span.name,
      SpanKind: SPAN_KIND_NAMES[span.kind] ?? 'Unspecified',
      ServiceName: serviceName,
      ResourceAttributes: this.cached(this.resources, span.resource, span.resource.attributes),
      ScopeName: span.scope.name,
      ScopeVersion: span.scope.version,
      SpanAttributes: spanAttributes,
      Duration: (span.endTimeUnixNano - start).toString(),
      StatusCode: STATUS_CODE_NAMES[span.status.code] ?? 'Unset',
      StatusMessage: span.status.message,
      'Events.Timestamp': span.events.map((e) => e.timeUnixNano.toString()),
      'Events.Name': span.events.map((e) => e.name),
      'Events.Attributes': span.events.map((e) => attributesToStringMap(e.attributes)),
      'Links.TraceId': span.links.map((l) => l.traceId),
      'Links.SpanId': span.links.map((l) => l.spanId),
      'Links.TraceState': span.links.map((l) => l.traceState),
      'Links.Attributes': span.links.map((l) => attributesToStringMap(l.attributes)),
      Flags: span.flags,
      DroppedAttributesCount: span.droppedAttributesCount,
      DroppedEventsCount: span.droppedEventsCount,
      DroppedLinksCount: span.droppedLinksCount,
      ScopeAttributes: this.cached(this.scopes, span.scope, span.scope.attributes),
      ScopeDroppedAttributesCount: span.scope.droppedAttributesCount,
      ScopeSchemaUrl: span.scope.schemaUrl,
      ResourceDroppedAttributesCount: span.resource.droppedAttributesCount,
      ResourceSchemaUrl: span.resource.schemaUrl,
      'Events.DroppedAttributesCount': span.events.map((e) => e.droppedAttributesCount),
      'Links.Flags': span.links.map((l) => l.flags),
      'Links.DroppedAttributesCount': span.links.map((l) => l.droppedAttributesCount),
    };
  }

  toRecordSpan(
    { span, serviceName }: ValidatedSpan,
    spanAttributes: Record<string, string>,
  ): RecordSpan {
    const start = span.startTimeUnixNano;
    const duration = span.endTimeUnixNano - start;
    return {
      spanId: span.spanId,
      parentSpanId: span.parentSpanId,
      name: span.name,
      kind: span.kind,
      serviceName,
      startTimeUnixNano: start,
      durationNano: Number(duration > MAX_SAFE ? MAX_SAFE : duration),
      statusCode: span.status.code,
      statusMessage: span.status.message,
      attributes: spanAttributes,
      events: span.events.map((e) => {
        const offset = e.timeUnixNano - start;
        return {
          name: e.name,
          offsetNano: Number(offset < 0n ? 0n : offset > MAX_SAFE ? MAX_SAFE : offset),
        };
      }),
      links: span.links.map((l) => ({ traceId: l.traceId, spanId: l.spanId })),
    };
  }

  private cached<K extends object>(
    cache: WeakMap<K, Record<string, string>>,
    key: K,
    attributes: Attributes,
  ): Record<string, string> {
    let m = cache.get(key);
    if (!m) {
      m = attributesToStringMap(attributes);
      cache.set(key, m);
    }
    return m;
  }
}
