import {
  StatusCode,
  type InstrumentationScope,
  type Resource,
  type Span,
  type SpanEvent,
  type SpanLink,
} from '@t2t/domain';
import { hexToBytes } from './hex.codec';
import { writeAttributes } from './proto-common.encoder';
import { groupSpansByResource } from './resource-spans.grouping';
import { WireWriter } from './wire.writer';

/**
 * Encodes spans as an OTLP ExportTraceServiceRequest in protobuf wire format (for the produce CLI
 * and test data generators). Spans are grouped into ResourceSpans and ScopeSpans by the identity
 * of their resource and scope objects; see groupSpansByResource for the resulting order. Fields at
 * their proto3 default are left out. Throws RangeError for a value the wire cannot carry (an id
 * that is not hex, an int64 or timestamp out of range).
 */
export function encodeTraceRequestProto(spans: readonly Span[]): Uint8Array {
  const w = new WireWriter();
  for (const group of groupSpansByResource(spans)) {
    const resourceSpans = w.begin(1);
    writeResource(w, group.resource);
    for (const { scope, spans: scopeSpans } of group.scopes) {
      const mark = w.begin(2);
      writeScope(w, scope);
      for (const span of scopeSpans) writeSpan(w, span);
      w.stringField(3, scope.schemaUrl);
      w.end(mark);
    }
    w.stringField(3, group.resource.schemaUrl);
    w.end(resourceSpans);
  }
  return w.finish();
}

function writeResource(w: WireWriter, resource: Resource): void {
  const mark = w.begin(1);
  writeAttributes(w, 1, resource.attributes);
  w.uint32Field(2, resource.droppedAttributesCount);
  w.end(mark);
}

function writeScope(w: WireWriter, scope: InstrumentationScope): void {
  const mark = w.begin(1);
  w.stringField(1, scope.name);
  w.stringField(2, scope.version);
  writeAttributes(w, 3, scope.attributes);
  w.uint32Field(4, scope.droppedAttributesCount);
  w.end(mark);
}

function writeSpan(w: WireWriter, span: Span): void {
  const mark = w.begin(2);
  w.bytesField(1, hexToBytes(span.traceId, 'traceId'));
  w.bytesField(2, hexToBytes(span.spanId, 'spanId'));
  w.stringField(3, span.traceState);
  w.bytesField(4, hexToBytes(span.parentSpanId, 'parentSpanId'));
  w.stringField(5, span.name);
  w.uint32Field(6, span.kind);
  w.fixed64Field(7, span.startTimeUnixNano);
  w.fixed64Field(8, span.endTimeUnixNano);
  writeAttributes(w, 9, span.attributes);
  w.uint32Field(10, span.droppedAttributesCount);
  for (const event of span.events) writeEvent(w, event);
  w.uint32Field(12, span.droppedEventsCount);
  for (const link of span.links) writeLink(w, link);
  w.uint32Field(14, span.droppedLinksCount);
  if (span.status.code !== StatusCode.Unset || span.status.message !== '') {
    const status = w.begin(15);
    w.stringField(2, span.status.message);
    w.uint32Field(3, span.status.code);
    w.end(status);
  }
  w.fixed32Field(16, span.flags);
  w.end(mark);
}

function writeEvent(w: WireWriter, event: SpanEvent): void {
  const mark = w.begin(11);
  w.fixed64Field(1, event.timeUnixNano);
  w.stringField(2, event.name);
  writeAttributes(w, 3, event.attributes);
  w.uint32Field(4, event.droppedAttributesCount);
  w.end(mark);
}

function writeLink(w: WireWriter, link: SpanLink): void {
  const mark = w.begin(13);
  w.bytesField(1, hexToBytes(link.traceId, 'link traceId'));
  w.bytesField(2, hexToBytes(link.spanId, 'link spanId'));
  w.stringField(3, link.traceState);
  writeAttributes(w, 4, link.attributes);
  w.uint32Field(5, link.droppedAttributesCount);
  w.fixed32Field(6, link.flags);
  w.end(mark);
}
