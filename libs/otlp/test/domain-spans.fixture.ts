/**
 * Domain spans for round-trip tests, holding every AnyValue type and the edge cases the encoders
 * must carry unchanged.
 */
import {
  SpanKind,
  StatusCode,
  type AnyValue,
  type Attributes,
  type InstrumentationScope,
  type Resource,
  type Span,
} from '@t2t/domain';

/** A null-prototype attributes object, so keys like "__proto__" are plain data. */
export function attrs(entries: ReadonlyArray<readonly [string, AnyValue]>): Attributes {
  const out = Object.create(null) as Attributes;
  for (const [k, v] of entries) out[k] = v;
  return out;
}

/** One attribute per AnyValue type and per edge case. */
export const EVERY_ANY_VALUE: ReadonlyArray<readonly [string, AnyValue]> = [
  ['string', 'plain'],
  ['string.empty', ''],
  ['string.unicode', 'Grüße, 世界 🚀 \u0000 "quoted" \\ \n'],
  ['bool.true', true],
  ['bool.false', false],
  ['int.zero', 0n],
  ['int.negative', -42n],
  ['int.beyond 2^53', 2n ** 53n + 1n],
  ['int.max', 2n ** 63n - 1n],
  ['int.min', -(2n ** 63n)],
  ['double', 0.1],
  ['double.integral', 3],
  ['double.negative zero', -0],
  ['double.NaN', NaN],
  ['double.Infinity', Infinity],
  ['double.-Infinity', -Infinity],
  ['double.tiny', 5e-324],
  ['bytes', new Uint8Array([0, 1, 2, 250, 255])],
  ['bytes.empty', new Uint8Array(0)],
  ['null', null],
  ['array.empty', []],
  ['array.mixed', ['a', 1n, 2.5, true, null, new Uint8Array([9]), [[], ['nested', [3n]]]]],
  ['kvlist.empty', { kvlist: [] }],
  [
    'kvlist',
    {
      kvlist: [
        ['a', 1n],
        ['__proto__', 'not a prototype'],
        ['a', 'repeated keys are kept in order'],
        ['', null],
        ['nested', { kvlist: [['deep', [{ kvlist: [['deeper', -1.5]] }]]] }],
      ],
    },
  ],
  ['__proto__', 'just a key'],
  ['', 'empty key'],
  ['constructor', 'another inherited name'],
];

function resource(name: string, schemaUrl = ''): Resource {
  return {
    attributes: attrs([
      ['service.name', name],
      ['host.cpus', 8n],
    ]),
    droppedAttributesCount: 2,
    schemaUrl,
  };
}

function scope(name: string, version: string, schemaUrl = ''): InstrumentationScope {
  return {
    name,
    version,
    attributes: attrs([['scope.kind', name]]),
    droppedAttributesCount: 1,
    schemaUrl,
  };
}

function span(r: Resource, s: InstrumentationScope, overrides: Partial<Span> = {}): Span {
  return {
    traceId: '5b8efff798038103d269b633813fc60c',
    spanId: 'eee19b7ec3c1b174',
    parentSpanId: 'eee19b7ec3c1b173',
    traceState: 'rojo=00f067aa0ba902b7',
    flags: 0x301,
    name: 'GET /orders',
    kind: SpanKind.Server,
    startTimeUnixNano: 1_700_000_000_123_456_789n,
    endTimeUnixNano: 18_446_744_073_709_551_615n,
    attributes: attrs(EVERY_ANY_VALUE),
    droppedAttributesCount: 3,
    events: [
      {
        timeUnixNano: 1_700_000_000_200_000_001n,
        name: 'exception',
        attributes: attrs([['exception.message', 'boom']]),
        droppedAttributesCount: 1,
      },
      { timeUnixNano: 0n, name: '', attributes: attrs([]), droppedAttributesCount: 0 },
    ],
    droppedEventsCount: 4,
    links: [
      {
        traceId: '0af7651916cd43dd8448eb211c80319c',
        spanId: '00f067aa0ba902b7',
        traceState: 'congo=t61rcWkgMzE',
        attributes: attrs([['link.kind', 'follows'], ...EVERY_ANY_VALUE.slice(0, 5)]),
        droppedAttributesCount: 5,
        flags: 0x101,
      },
    ],
    droppedLinksCount: 6,
    status: { code: StatusCode.Error, message: 'it broke: ✗' },
    resource: r,
    scope: s,
    ...overrides,
  };
}

/**
 * Spans over two resources and three scopes, grouped as an encoder writes them, including a span
 * with every field at its default (zero-length ids, empty strings, zero times, kind unspecified,
 * empty status) and ids of unusual lengths, which the codec must carry as they are.
 */
export function buildDomainSpans(): Span[] {
  const checkout = resource('checkout', 'https://opentelemetry.io/schemas/1.24.0');
  const payments = resource('payments');
  const http = scope('http', '1.0.0', 'https://opentelemetry.io/schemas/1.21.0');
  const db = scope('db', '');
  const rpc = scope('', '');
  const empty = Object.create(null) as Attributes;
  return [
    span(checkout, http),
    span(checkout, http, { spanId: 'eee19b7ec3c1b175', kind: SpanKind.Client, links: [] }),
    span(checkout, db, { traceId: 'abcdef0123456789', parentSpanId: '', events: [] }),
    span(payments, rpc, {
      traceId: '',
      spanId: '',
      parentSpanId: '',
      traceState: '',
      flags: 0,
      name: '',
      kind: SpanKind.Unspecified,
      startTimeUnixNano: 0n,
      endTimeUnixNano: 0n,
      attributes: empty,
      droppedAttributesCount: 0,
      events: [],
      droppedEventsCount: 0,
      links: [],
      droppedLinksCount: 0,
      status: { code: StatusCode.Unset, message: '' },
    }),
    span(payments, rpc, { kind: SpanKind.Consumer, status: { code: StatusCode.Ok, message: '' } }),
  ];
}
