import {
  StatusCode,
  type AnyValue,
  type Attributes,
  type InstrumentationScope,
  type Resource,
  type Span,
} from '@t2t/domain';
import { isHexBytes } from './hex.codec';
import { groupSpansByResource } from './resource-spans.grouping';

type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };
type JsonObject = { [key: string]: JsonValue };

/**
 * Encodes spans as an OTLP/JSON ExportTraceServiceRequest: lowerCamelCase keys, hex ids, enums as
 * integers, 64-bit integers as decimal strings, bytes as base64 and non-finite doubles as the
 * strings "NaN", "Infinity" and "-Infinity", as the Collector writes it. Fields at their default
 * are left out. Grouping and order are those of encodeTraceRequestProto. The dead-letter path uses
 * this for rejected spans, so it accepts whatever the domain model can hold except ids that are not
 * hex (RangeError), which OTLP/JSON cannot carry.
 */
export function encodeTraceRequestJson(spans: readonly Span[]): string {
  const resourceSpans = groupSpansByResource(spans).map((group) => {
    const out: JsonObject = {
      resource: resourceJson(group.resource),
      scopeSpans: group.scopes.map(({ scope, spans: scopeSpans }) => {
        const ss: JsonObject = { scope: scopeJson(scope), spans: scopeSpans.map(spanJson) };
        if (scope.schemaUrl !== '') ss.schemaUrl = scope.schemaUrl;
        return ss;
      }),
    };
    if (group.resource.schemaUrl !== '') out.schemaUrl = group.resource.schemaUrl;
    return out;
  });
  return JSON.stringify({ resourceSpans });
}

function resourceJson(resource: Resource): JsonObject {
  const out: JsonObject = { attributes: attributesJson(resource.attributes) };
  if (resource.droppedAttributesCount !== 0) {
    out.droppedAttributesCount = resource.droppedAttributesCount;
  }
  return out;
}

function scopeJson(scope: InstrumentationScope): JsonObject {
  const out: JsonObject = { name: scope.name };
  if (scope.version !== '') out.version = scope.version;
  const attributes = attributesJson(scope.attributes);
  if (attributes.length > 0) out.attributes = attributes;
  if (scope.droppedAttributesCount !== 0) out.droppedAttributesCount = scope.droppedAttributesCount;
  return out;
}

function spanJson(span: Span): JsonObject {
  const out: JsonObject = {
    traceId: hexId(span.traceId, 'traceId'),
    spanId: hexId(span.spanId, 'spanId'),
  };
  if (span.parentSpanId !== '') out.parentSpanId = hexId(span.parentSpanId, 'parentSpanId');
  if (span.traceState !== '') out.traceState = span.traceState;
  if (span.flags !== 0) out.flags = span.flags;
  out.name = span.name;
  out.kind = span.kind;
  out.startTimeUnixNano = span.startTimeUnixNano.toString();
  out.endTimeUnixNano = span.endTimeUnixNano.toString();
  const attributes = attributesJson(span.attributes);
  if (attributes.length > 0) out.attributes = attributes;
  if (span.droppedAttributesCount !== 0) out.droppedAttributesCount = span.droppedAttributesCount;
  if (span.events.length > 0) {
    out.events = span.events.map((e) => {
      const event: JsonObject = { timeUnixNano: e.timeUnixNano.toString(), name: e.name };
      const eventAttributes = attributesJson(e.attributes);
      if (eventAttributes.length > 0) event.attributes = eventAttributes;
      if (e.droppedAttributesCount !== 0) event.droppedAttributesCount = e.droppedAttributesCount;
      return event;
    });
  }
  if (span.droppedEventsCount !== 0) out.droppedEventsCount = span.droppedEventsCount;
  if (span.links.length > 0) {
    out.links = span.links.map((l) => {
      const link: JsonObject = {
        traceId: hexId(l.traceId, 'link traceId'),
        spanId: hexId(l.spanId, 'link spanId'),
      };
      if (l.traceState !== '') link.traceState = l.traceState;
      const linkAttributes = attributesJson(l.attributes);
      if (linkAttributes.length > 0) link.attributes = linkAttributes;
      if (l.droppedAttributesCount !== 0) link.droppedAttributesCount = l.droppedAttributesCount;
      if (l.flags !== 0) link.flags = l.flags;
      return link;
    });
  }
  if (span.droppedLinksCount !== 0) out.droppedLinksCount = span.droppedLinksCount;
  const status: JsonObject = {};
  if (span.status.message !== '') status.message = span.status.message;
  if (span.status.code !== StatusCode.Unset) status.code = span.status.code;
  out.status = status;
  return out;
}

function hexId(id: string, what: string): string {
  if (!isHexBytes(id)) throw new RangeError(`${what} is not a hex string: ${JSON.stringify(id)}`);
  return id.toLowerCase();
}

function attributesJson(attrs: Attributes): JsonValue[] {
  const out: JsonValue[] = [];
  for (const key in attrs) out.push({ key, value: anyValueJson(attrs[key]) });
  return out;
}

function anyValueJson(value: AnyValue): JsonObject {
  switch (typeof value) {
    case 'string':
      return { stringValue: value };
    case 'boolean':
      return { boolValue: value };
    case 'bigint':
      return { intValue: value.toString() };
    case 'number':
      return { doubleValue: doubleJson(value) };
  }
  if (value === null) return {};
  if (value instanceof Uint8Array) {
    return {
      bytesValue: Buffer.from(value.buffer, value.byteOffset, value.length).toString('base64'),
    };
  }
  if (Array.isArray(value)) return { arrayValue: { values: value.map(anyValueJson) } };
  return {
    kvlistValue: {
      values: value.kvlist.map(([key, item]) => ({ key, value: anyValueJson(item) })),
    },
  };
}

/** JSON numbers cannot say NaN, ±Infinity or -0; proto3 JSON allows strings for doubles. */
function doubleJson(v: number): number | string {
  if (Number.isFinite(v)) return Object.is(v, -0) ? '-0' : v;
  return String(v);
}
