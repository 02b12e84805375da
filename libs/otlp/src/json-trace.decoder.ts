import type {
  Attributes,
  InstrumentationScope,
  Resource,
  Span,
  SpanEvent,
  SpanLink,
} from '@t2t/domain';
import {
  asArray,
  asObject,
  readAttributesInto,
  readEnum,
  readId,
  readString,
  readUint32,
  readUint64,
  type JsonObject,
} from './json-common.decoder';
import { JsonShapeError, rethrowWithin } from './json-path.error';
import { OtlpDecodeError } from './otlp-decode.error';

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

const SPAN_KIND_NAMES: Readonly<Record<string, number>> = {
  SPAN_KIND_UNSPECIFIED: 0,
  SPAN_KIND_INTERNAL: 1,
  SPAN_KIND_SERVER: 2,
  SPAN_KIND_CLIENT: 3,
  SPAN_KIND_PRODUCER: 4,
  SPAN_KIND_CONSUMER: 5,
};

const STATUS_CODE_NAMES: Readonly<Record<string, number>> = {
  STATUS_CODE_UNSET: 0,
  STATUS_CODE_OK: 1,
  STATUS_CODE_ERROR: 2,
};

const textDecoder = new TextDecoder();

/**
 * Decodes an OTLP/JSON ExportTraceServiceRequest (what OTLP/HTTP JSON clients send and what the
 * Collector's kafka exporter writes with `encoding: otlp_json`) into spans, in document order, with
 * the same sharing of Resource and InstrumentationScope objects as the protobuf decoder. Unknown
 * keys are ignored and null means "not set"; a wrong shape throws `OtlpDecodeError` naming the JSON
 * path, e.g. `resourceSpans[0].scopeSpans[1].spans[3].startTimeUnixNano: expected an integer`.
 */
export function decodeTraceRequestJson(text: string | Uint8Array): Span[] {
  let doc: unknown;
  try {
    doc = JSON.parse(typeof text === 'string' ? text : textDecoder.decode(text));
  } catch (err) {
    throw new OtlpDecodeError(`invalid JSON: ${(err as Error).message}`);
  }
  const spans: Span[] = [];
  try {
    const root = asObject(doc);
    for (const key in root) {
      if ((key !== 'resourceSpans' && key !== 'resource_spans') || root[key] === null) continue;
      try {
        eachItem(root[key], (item) => decodeResourceSpans(item, spans));
      } catch (err) {
        rethrowWithin(err, key);
      }
    }
  } catch (err) {
    if (err instanceof JsonShapeError) throw err.toDecodeError();
    throw err;
  }
  return spans;
}

/** Calls `fn` for each element of a JSON array, adding the index to the path of any error. */
function eachItem(v: unknown, fn: (item: unknown) => void): void {
  const list = asArray(v);
  for (let i = 0; i < list.length; i++) {
    try {
      fn(list[i]);
    } catch (err) {
      rethrowWithin(err, i);
    }
  }
}

/**
 * Object keys may come in any order, but every span needs the finished Resource: resource and
 * schema URL are read before the scope spans.
 */
function decodeResourceSpans(v: unknown, out: Span[]): void {
  const o = asObject(v);
  const resource: Mutable<Resource> = {
    attributes: Object.create(null) as Attributes,
    droppedAttributesCount: 0,
    schemaUrl: '',
  };
  let scopeSpansKey = '';
  for (const key in o) {
    const field = o[key];
    if (field === null) continue;
    try {
      switch (key) {
        case 'resource':
          decodeResourceInto(field, resource);
          break;
        case 'schemaUrl':
        case 'schema_url':
          resource.schemaUrl = readString(field);
          break;
        case 'scopeSpans':
        case 'scope_spans':
          scopeSpansKey = key;
          break;
      }
    } catch (err) {
      rethrowWithin(err, key);
    }
  }
  if (scopeSpansKey === '') return;
  try {
    eachItem(o[scopeSpansKey], (item) => decodeScopeSpans(item, resource, out));
  } catch (err) {
    rethrowWithin(err, scopeSpansKey);
  }
}

function decodeResourceInto(v: unknown, resource: Mutable<Resource>): void {
  const o = asObject(v);
  for (const key in o) {
    const field = o[key];
    if (field === null) continue;
    try {
      if (key === 'attributes') readAttributesInto(field, resource.attributes);
      else if (key === 'droppedAttributesCount' || key === 'dropped_attributes_count') {
        resource.droppedAttributesCount = readUint32(field);
      }
    } catch (err) {
      rethrowWithin(err, key);
    }
  }
}

function decodeScopeSpans(v: unknown, resource: Resource, out: Span[]): void {
  const o = asObject(v);
  const scope: Mutable<InstrumentationScope> = {
    name: '',
    version: '',
    attributes: Object.create(null) as Attributes,
    droppedAttributesCount: 0,
    schemaUrl: '',
  };
  let spansKey = '';
  for (const key in o) {
    const field = o[key];
    if (field === null) continue;
    try {
      switch (key) {
        case 'scope':
          decodeScopeInto(field, scope);
          break;
        case 'schemaUrl':
        case 'schema_url':
          scope.schemaUrl = readString(field);
          break;
        case 'spans':
          spansKey = key;
          break;
      }
    } catch (err) {
      rethrowWithin(err, key);
    }
  }
  if (spansKey === '') return;
  try {
    eachItem(o[spansKey], (item) => out.push(decodeSpan(asObject(item), resource, scope)));
  } catch (err) {
    rethrowWithin(err, spansKey);
  }
}

function decodeScopeInto(v: unknown, scope: Mutable<InstrumentationScope>): void {
  const o = asObject(v);
  for (const key in o) {
    const field = o[key];
    if (field === null) continue;
    try {
      switch (key) {
        case 'name':
          scope.name = readString(field);
          break;
        case 'version':
          scope.version = readString(field);
          break;
        case 'attributes':
          readAttributesInto(field, scope.attributes);
          break;
        case 'droppedAttributesCount':
        case 'dropped_attributes_count':
          scope.droppedAttributesCount = readUint32(field);
          break;
      }
    } catch (err) {
      rethrowWithin(err, key);
    }
  }
}

function decodeSpan(o: JsonObject, resource: Resource, scope: InstrumentationScope): Span {
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
  for (const key in o) {
    const field = o[key];
    if (field === null) continue;
    try {
      switch (key) {
        case 'traceId':
        case 'trace_id':
          traceId = readId(field);
          break;
        case 'spanId':
        case 'span_id':
          spanId = readId(field);
          break;
        case 'parentSpanId':
        case 'parent_span_id':
          parentSpanId = readId(field);
          break;
        case 'traceState':
        case 'trace_state':
          traceState = readString(field);
          break;
        case 'flags':
          flags = readUint32(field);
          break;
        case 'name':
          name = readString(field);
          break;
        case 'kind':
          kind = readEnum(field, SPAN_KIND_NAMES);
          break;
        case 'startTimeUnixNano':
        case 'start_time_unix_nano':
          startTimeUnixNano = readUint64(field);
          break;
        case 'endTimeUnixNano':
        case 'end_time_unix_nano':
          endTimeUnixNano = readUint64(field);
          break;
        case 'attributes':
          readAttributesInto(field, attributes);
          break;
        case 'droppedAttributesCount':
        case 'dropped_attributes_count':
          droppedAttributesCount = readUint32(field);
          break;
        case 'events':
          eachItem(field, (item) => events.push(decodeEvent(item)));
          break;
        case 'droppedEventsCount':
        case 'dropped_events_count':
          droppedEventsCount = readUint32(field);
          break;
        case 'links':
          eachItem(field, (item) => links.push(decodeLink(item)));
          break;
        case 'droppedLinksCount':
        case 'dropped_links_count':
          droppedLinksCount = readUint32(field);
          break;
        case 'status':
          decodeStatusInto(field, status);
          break;
      }
    } catch (err) {
      rethrowWithin(err, key);
    }
  }
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

function decodeEvent(v: unknown): SpanEvent {
  const o = asObject(v);
  let timeUnixNano = 0n;
  let name = '';
  const attributes = Object.create(null) as Attributes;
  let droppedAttributesCount = 0;
  for (const key in o) {
    const field = o[key];
    if (field === null) continue;
    try {
      switch (key) {
        case 'timeUnixNano':
        case 'time_unix_nano':
          timeUnixNano = readUint64(field);
          break;
        case 'name':
          name = readString(field);
          break;
        case 'attributes':
          readAttributesInto(field, attributes);
          break;
        case 'droppedAttributesCount':
        case 'dropped_attributes_count':
          droppedAttributesCount = readUint32(field);
          break;
      }
    } catch (err) {
      rethrowWithin(err, key);
    }
  }
  return { timeUnixNano, name, attributes, droppedAttributesCount };
}

function decodeLink(v: unknown): SpanLink {
  const o = asObject(v);
  let traceId = '';
  let spanId = '';
  let traceState = '';
  const attributes = Object.create(null) as Attributes;
  let droppedAttributesCount = 0;
  let flags = 0;
  for (const key in o) {
    const field = o[key];
    if (field === null) continue;
    try {
      switch (key) {
        case 'traceId':
        case 'trace_id':
          traceId = readId(field);
          break;
        case 'spanId':
        case 'span_id':
          spanId = readId(field);
          break;
        case 'traceState':
        case 'trace_state':
          traceState = readString(field);
          break;
        case 'attributes':
          readAttributesInto(field, attributes);
          break;
        case 'droppedAttributesCount':
        case 'dropped_attributes_count':
          droppedAttributesCount = readUint32(field);
          break;
        case 'flags':
          flags = readUint32(field);
          break;
      }
    } catch (err) {
      rethrowWithin(err, key);
    }
  }
  return { traceId, spanId, traceState, attributes, droppedAttributesCount, flags };
}

function decodeStatusInto(v: unknown, status: Mutable<Span['status']>): void {
  const o = asObject(v);
  for (const key in o) {
    const field = o[key];
    if (field === null) continue;
    try {
      if (key === 'message') status.message = readString(field);
      else if (key === 'code') status.code = readEnum(field, STATUS_CODE_NAMES);
    } catch (err) {
      rethrowWithin(err, key);
    }
  }
}
