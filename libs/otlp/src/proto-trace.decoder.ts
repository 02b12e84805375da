import type {
  Attributes,
  InstrumentationScope,
  Resource,
  Span,
  SpanEvent,
  SpanLink,
} from '@t2t/domain';
import { decodeKeyValueInto } from './proto-common.decoder';
import { WireReader } from './wire.reader';

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

// Tags are (field << 3) | wire type; field numbers from opentelemetry-proto trace.proto,
// resource.proto and common.proto. Each message also has a bit mask of its known field numbers and
// their names, used only to reject a known field that arrives with the wrong wire type.
const REQUEST_RESOURCE_SPANS = 0x0a; // 1
const REQUEST_KNOWN = 1 << 1;
const REQUEST_NAMES = ['', 'resource_spans'];

const RS_RESOURCE = 0x0a; // 1
const RS_SCOPE_SPANS = 0x12; // 2
const RS_SCHEMA_URL = 0x1a; // 3
const RS_KNOWN = 0b1110;
const RS_NAMES = ['', 'resource', 'scope_spans', 'schema_url'];

const RESOURCE_ATTRIBUTES = 0x0a; // 1
const RESOURCE_DROPPED = 0x10; // 2
const RESOURCE_KNOWN = 0b110;
const RESOURCE_NAMES = ['', 'attributes', 'dropped_attributes_count'];

const SS_SCOPE = 0x0a; // 1
const SS_SPANS = 0x12; // 2
const SS_SCHEMA_URL = 0x1a; // 3
const SS_KNOWN = 0b1110;
const SS_NAMES = ['', 'scope', 'spans', 'schema_url'];

const SCOPE_NAME = 0x0a; // 1
const SCOPE_VERSION = 0x12; // 2
const SCOPE_ATTRIBUTES = 0x1a; // 3
const SCOPE_DROPPED = 0x20; // 4
const SCOPE_KNOWN = 0b11110;
const SCOPE_NAMES = ['', 'name', 'version', 'attributes', 'dropped_attributes_count'];

const SPAN_TRACE_ID = 0x0a; // 1 bytes
const SPAN_SPAN_ID = 0x12; // 2 bytes
const SPAN_TRACE_STATE = 0x1a; // 3 string
const SPAN_PARENT_SPAN_ID = 0x22; // 4 bytes
const SPAN_NAME = 0x2a; // 5 string
const SPAN_KIND = 0x30; // 6 enum
const SPAN_START = 0x39; // 7 fixed64
const SPAN_END = 0x41; // 8 fixed64
const SPAN_ATTRIBUTES = 0x4a; // 9 KeyValue
const SPAN_DROPPED_ATTRIBUTES = 0x50; // 10 uint32
const SPAN_EVENTS = 0x5a; // 11 Event
const SPAN_DROPPED_EVENTS = 0x60; // 12 uint32
const SPAN_LINKS = 0x6a; // 13 Link
const SPAN_DROPPED_LINKS = 0x70; // 14 uint32
const SPAN_STATUS = 0x7a; // 15 Status
const SPAN_FLAGS = 0x85; // 16 fixed32 (two-byte tag 0x85 0x01, read as one varint)
const SPAN_KNOWN = 0x1fffe;
const SPAN_NAMES = [
  '',
  'trace_id',
  'span_id',
  'trace_state',
  'parent_span_id',
  'name',
  'kind',
  'start_time_unix_nano',
  'end_time_unix_nano',
  'attributes',
  'dropped_attributes_count',
  'events',
  'dropped_events_count',
  'links',
  'dropped_links_count',
  'status',
  'flags',
];

const EVENT_TIME = 0x09; // 1 fixed64
const EVENT_NAME = 0x12; // 2 string
const EVENT_ATTRIBUTES = 0x1a; // 3 KeyValue
const EVENT_DROPPED = 0x20; // 4 uint32
const EVENT_KNOWN = 0b11110;
const EVENT_NAMES = ['', 'time_unix_nano', 'name', 'attributes', 'dropped_attributes_count'];

const LINK_TRACE_ID = 0x0a; // 1 bytes
const LINK_SPAN_ID = 0x12; // 2 bytes
const LINK_TRACE_STATE = 0x1a; // 3 string
const LINK_ATTRIBUTES = 0x22; // 4 KeyValue
const LINK_DROPPED = 0x28; // 5 uint32
const LINK_FLAGS = 0x35; // 6 fixed32
const LINK_KNOWN = 0b1111110;
const LINK_NAMES = [
  '',
  'trace_id',
  'span_id',
  'trace_state',
  'attributes',
  'dropped_attributes_count',
  'flags',
];

// Status field 1 (deprecated_code) is reserved in current protos; it is skipped like any unknown.
const STATUS_MESSAGE = 0x12; // 2 string
const STATUS_CODE = 0x18; // 3 enum
const STATUS_KNOWN = 0b1100;
const STATUS_NAMES = ['', 'deprecated_code', 'message', 'code'];

/**
 * Decodes an OTLP ExportTraceServiceRequest (or TracesData, the same bytes) in protobuf wire format
 * into spans, in wire order. Every span of one ResourceSpans shares one `Resource` object and every
 * span of one ScopeSpans one `InstrumentationScope` object. Unknown fields are skipped; malformed
 * input throws `OtlpDecodeError` naming the fault and its byte offset.
 *
 * This is ingest's hot path, hence no intermediate message objects: fields go straight from the
 * bytes into the final span objects.
 */
export function decodeTraceRequestProto(bytes: Uint8Array): Span[] {
  const r = new WireReader(bytes);
  const end = r.end;
  const spans: Span[] = [];
  while (r.pos < end) {
    const tag = r.uint32(end);
    if (tag === REQUEST_RESOURCE_SPANS) decodeResourceSpans(r, r.lengthEnd(end), spans);
    else r.skip(tag, end, REQUEST_KNOWN, 'ExportTraceServiceRequest', REQUEST_NAMES);
  }
  return spans;
}

/**
 * Protobuf allows fields in any order, so the resource (and schema_url) may follow the spans that
 * must point at it. A first pass reads them and only steps over scope_spans (a tag and a length
 * each); the second pass decodes the scope_spans.
 */
function decodeResourceSpans(r: WireReader, end: number, out: Span[]): void {
  const start = r.pos;
  const resource: Mutable<Resource> = {
    attributes: Object.create(null) as Attributes,
    droppedAttributesCount: 0,
    schemaUrl: '',
  };
  let hasScopeSpans = false;
  while (r.pos < end) {
    const tag = r.uint32(end);
    if (tag === RS_SCOPE_SPANS) {
      r.pos = r.lengthEnd(end);
      hasScopeSpans = true;
    } else if (tag === RS_RESOURCE) decodeResourceInto(r, r.lengthEnd(end), resource);
    else if (tag === RS_SCHEMA_URL) resource.schemaUrl = r.string(end);
    else r.skip(tag, end, RS_KNOWN, 'ResourceSpans', RS_NAMES);
  }
  if (!hasScopeSpans) return;
  r.pos = start;
  while (r.pos < end) {
    const tag = r.uint32(end);
    if (tag === RS_SCOPE_SPANS) decodeScopeSpans(r, r.lengthEnd(end), resource, out);
    else r.skipChecked(tag, end);
  }
}

/** Decodes into `resource`, so a repeated resource field merges as protobuf specifies. */
function decodeResourceInto(r: WireReader, end: number, resource: Mutable<Resource>): void {
  while (r.pos < end) {
    const tag = r.uint32(end);
    if (tag === RESOURCE_ATTRIBUTES) decodeKeyValueInto(r, r.lengthEnd(end), resource.attributes);
    else if (tag === RESOURCE_DROPPED) resource.droppedAttributesCount = r.uint32(end);
    else r.skip(tag, end, RESOURCE_KNOWN, 'Resource', RESOURCE_NAMES);
  }
}

/** Two passes for the same reason as decodeResourceSpans. */
function decodeScopeSpans(r: WireReader, end: number, resource: Resource, out: Span[]): void {
  const start = r.pos;
  const scope: Mutable<InstrumentationScope> = {
    name: '',
    version: '',
    attributes: Object.create(null) as Attributes,
    droppedAttributesCount: 0,
    schemaUrl: '',
  };
  let hasSpans = false;
  while (r.pos < end) {
    const tag = r.uint32(end);
    if (tag === SS_SPANS) {
      r.pos = r.lengthEnd(end);
      hasSpans = true;
    } else if (tag === SS_SCOPE) decodeScopeInto(r, r.lengthEnd(end), scope);
    else if (tag === SS_SCHEMA_URL) scope.schemaUrl = r.string(end);
    else r.skip(tag, end, SS_KNOWN, 'ScopeSpans', SS_NAMES);
  }
  if (!hasSpans) return;
  r.pos = start;
  while (r.pos < end) {
    const tag = r.uint32(end);
    if (tag === SS_SPANS) out.push(decodeSpan(r, r.lengthEnd(end), resource, scope));
    else r.skipChecked(tag, end);
  }
}

function decodeScopeInto(r: WireReader, end: number, scope: Mutable<InstrumentationScope>): void {
  while (r.pos < end) {
    const tag = r.uint32(end);
    switch (tag) {
      case SCOPE_NAME:
        scope.name = r.string(end);
        break;
      case SCOPE_VERSION:
        scope.version = r.string(end);
        break;
      case SCOPE_ATTRIBUTES:
        decodeKeyValueInto(r, r.lengthEnd(end), scope.attributes);
        break;
      case SCOPE_DROPPED:
        scope.droppedAttributesCount = r.uint32(end);
        break;
      default:
        r.skip(tag, end, SCOPE_KNOWN, 'InstrumentationScope', SCOPE_NAMES);
    }
  }
}

function decodeSpan(
  r: WireReader,
  end: number,
  resource: Resource,
  scope: InstrumentationScope,
): Span {
  let traceId = '';
  let spanId = '';
  let parentSpanId = '';
  let traceState = '';
  let flags = 0;
  let name = '';
  let kind = 0;
  let startTimeUnixNano = 0n;
  let endTimeUnixNano = 0n;
  const attributes = Object.create(null) as Attributes;
  let droppedAttributesCount = 0;
  const events: SpanEvent[] = [];
  let droppedEventsCount = 0;
  const links: SpanLink[] = [];
  let droppedLinksCount = 0;
  const status: Mutable<Span['status']> = { code: 0, message: '' };
  while (r.pos < end) {
    const tag = r.uint32(end);
    switch (tag) {
      case SPAN_TRACE_ID:
        traceId = r.hex(end);
        break;
      case SPAN_SPAN_ID:
        spanId = r.hex(end);
        break;
      case SPAN_TRACE_STATE:
        traceState = r.string(end);
        break;
      case SPAN_PARENT_SPAN_ID:
        parentSpanId = r.hex(end);
        break;
      case SPAN_NAME:
        name = r.string(end);
        break;
      case SPAN_KIND:
        kind = r.int32(end);
        break;
      case SPAN_START:
        startTimeUnixNano = r.fixed64(end);
        break;
      case SPAN_END:
        endTimeUnixNano = r.fixed64(end);
        break;
      case SPAN_ATTRIBUTES:
        decodeKeyValueInto(r, r.lengthEnd(end), attributes);
        break;
      case SPAN_DROPPED_ATTRIBUTES:
        droppedAttributesCount = r.uint32(end);
        break;
      case SPAN_EVENTS:
        events.push(decodeEvent(r, r.lengthEnd(end)));
        break;
      case SPAN_DROPPED_EVENTS:
        droppedEventsCount = r.uint32(end);
        break;
      case SPAN_LINKS:
        links.push(decodeLink(r, r.lengthEnd(end)));
        break;
      case SPAN_DROPPED_LINKS:
        droppedLinksCount = r.uint32(end);
        break;
      case SPAN_STATUS:
        decodeStatusInto(r, r.lengthEnd(end), status);
        break;
      case SPAN_FLAGS:
        flags = r.fixed32(end);
        break;
      default:
        r.skip(tag, end, SPAN_KNOWN, 'Span', SPAN_NAMES);
    }
  }
  // Same property order as the domain interface, so every decoded span shares one hidden class.
  return {
    traceId,
    spanId,
    parentSpanId,
    traceState,
    flags,
    name,
    kind: kind,
    startTimeUnixNano,
    endTimeUnixNano,
    attributes,
    droppedAttributesCount,
    events,
    droppedEventsCount,
    links,
    droppedLinksCount,
    status,
    resource,
    scope,
  };
}

function decodeEvent(r: WireReader, end: number): SpanEvent {
  let timeUnixNano = 0n;
  let name = '';
  const attributes = Object.create(null) as Attributes;
  let droppedAttributesCount = 0;
  while (r.pos < end) {
    const tag = r.uint32(end);
    switch (tag) {
      case EVENT_TIME:
        timeUnixNano = r.fixed64(end);
        break;
      case EVENT_NAME:
        name = r.string(end);
        break;
      case EVENT_ATTRIBUTES:
        decodeKeyValueInto(r, r.lengthEnd(end), attributes);
        break;
      case EVENT_DROPPED:
        droppedAttributesCount = r.uint32(end);
        break;
      default:
        r.skip(tag, end, EVENT_KNOWN, 'Span.Event', EVENT_NAMES);
    }
  }
  return { timeUnixNano, name, attributes, droppedAttributesCount };
}

function decodeLink(r: WireReader, end: number): SpanLink {
  let traceId = '';
  let spanId = '';
  let traceState = '';
  const attributes = Object.create(null) as Attributes;
  let droppedAttributesCount = 0;
  let flags = 0;
  while (r.pos < end) {
    const tag = r.uint32(end);
    switch (tag) {
      case LINK_TRACE_ID:
        traceId = r.hex(end);
        break;
      case LINK_SPAN_ID:
        spanId = r.hex(end);
        break;
      case LINK_TRACE_STATE:
        traceState = r.string(end);
        break;
      case LINK_ATTRIBUTES:
        decodeKeyValueInto(r, r.lengthEnd(end), attributes);
        break;
      case LINK_DROPPED:
        droppedAttributesCount = r.uint32(end);
        break;
      case LINK_FLAGS:
        flags = r.fixed32(end);
        break;
      default:
        r.skip(tag, end, LINK_KNOWN, 'Span.Link', LINK_NAMES);
    }
  }
  return { traceId, spanId, traceState, attributes, droppedAttributesCount, flags };
}

function decodeStatusInto(r: WireReader, end: number, status: Mutable<Span['status']>): void {
  while (r.pos < end) {
    const tag = r.uint32(end);
    if (tag === STATUS_MESSAGE) status.message = r.string(end);
    else if (tag === STATUS_CODE) status.code = r.int32(end);
    else r.skip(tag, end, STATUS_KNOWN, 'Status', STATUS_NAMES);
  }
}
