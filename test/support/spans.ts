import { randomBytes } from 'node:crypto';
import {
  type Attributes,
  type InstrumentationScope,
  type Resource,
  type Span,
  SpanKind,
  StatusCode,
} from '@t2t/domain';

/** Attribute objects as the decoders build them (null prototype). */
export function attrs(values: Record<string, Attributes[string]>): Attributes {
  return Object.assign(Object.create(null) as Attributes, values);
}

export const hexId = (bytes: number) => randomBytes(bytes).toString('hex');

export function makeResource(
  service: string,
  extra: Record<string, Attributes[string]> = {},
): Resource {
  return {
    attributes: attrs({ 'service.name': service, ...extra }),
    droppedAttributesCount: 0,
    schemaUrl: '',
  };
}

export function makeScope(
  name = '@opentelemetry/instrumentation-http',
  version = '0.57.0',
): InstrumentationScope {
  return { name, version, attributes: attrs({}), droppedAttributesCount: 0, schemaUrl: '' };
}

/** 2026-01-01T00:00:00Z in ns: a fixed, valid time so tests are deterministic. */
export const T0 = 1_767_225_600_000_000_000n;

export function makeSpan(
  overrides: Partial<Span> & { resource: Resource; scope: InstrumentationScope },
): Span {
  return {
    traceId: hexId(16),
    spanId: hexId(8),
    parentSpanId: '',
    traceState: '',
    flags: 1,
    name: 'GET /users/{id}',
    kind: SpanKind.Server,
    startTimeUnixNano: T0,
    endTimeUnixNano: T0 + 5_000_000n,
    attributes: attrs({
      'http.request.method': 'GET',
      'http.route': '/users/{id}',
      'http.response.status_code': 200n,
    }),
    droppedAttributesCount: 0,
    events: [],
    droppedEventsCount: 0,
    links: [],
    droppedLinksCount: 0,
    status: { code: StatusCode.Unset, message: '' },
    ...overrides,
  };
}

/**
 * A small trace: a server span with a database call and an outgoing call, so tests have
 * parents, children, several kinds and attribute types.
 */
export function makeTrace(
  resource: Resource,
  scope: InstrumentationScope,
  start: bigint = T0,
): Span[] {
  const traceId = hexId(16);
  const root = makeSpan({
    traceId,
    resource,
    scope,
    startTimeUnixNano: start,
    endTimeUnixNano: start + 20_000_000n,
  });
  const db = makeSpan({
    traceId,
    parentSpanId: root.spanId,
    resource,
    scope,
    name: 'SELECT users',
    kind: SpanKind.Client,
    startTimeUnixNano: start + 1_000_000n,
    endTimeUnixNano: start + 4_000_000n,
    attributes: attrs({
      'db.system': 'postgresql',
      'db.statement': 'SELECT * FROM users WHERE id = $1',
      'db.rows': 1n,
      cached: false,
    }),
    events: [
      {
        timeUnixNano: start + 2_000_000n,
        name: 'query.sent',
        attributes: attrs({ bytes: 120n }),
        droppedAttributesCount: 0,
      },
    ],
  });
  const call = makeSpan({
    traceId,
    parentSpanId: root.spanId,
    resource,
    scope,
    name: 'POST /potatoes',
    kind: SpanKind.Client,
    startTimeUnixNano: start + 5_000_000n,
    endTimeUnixNano: start + 15_000_000n,
    attributes: attrs({
      'http.request.method': 'POST',
      'server.address': 'potato-handler',
      ratio: 0.25,
    }),
    links: [
      {
        traceId: hexId(16),
        spanId: hexId(8),
        traceState: 'a=b',
        attributes: attrs({ 'link.kind': 'follows' }),
        droppedAttributesCount: 0,
        flags: 1,
      },
    ],
    status: { code: StatusCode.Error, message: 'potato overflow' },
  });
  return [root, db, call];
}
