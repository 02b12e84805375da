import { JsonTraceSerializer } from '@opentelemetry/otlp-transformer';
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import { SpanKind, StatusCode } from '@t2t/domain';
import { attrs } from '../test/domain-spans.fixture';
import { expectedDomainSpan, recordRichSpans } from '../test/sdk-spans.fixture';
import { decodeTraceRequestJson } from './json-trace.decoder';
import { OtlpDecodeError } from './otlp-decode.error';

const TRACE_ID = '5b8efff798038103d269b633813fc60c';
const SPAN_ID = 'eee19b7ec3c1b174';

/** A request holding one span with the given fields, in the given resource and scope. */
function oneSpan(span: object, scopeSpans: object = {}, resourceSpans: object = {}): string {
  return JSON.stringify({
    resourceSpans: [{ ...resourceSpans, scopeSpans: [{ ...scopeSpans, spans: [span] }] }],
  });
}

function decodeError(input: string): OtlpDecodeError {
  try {
    decodeTraceRequestJson(input);
  } catch (err) {
    if (err instanceof OtlpDecodeError) return err;
    throw err;
  }
  throw new Error('decoded without error');
}

describe('decodeTraceRequestJson', () => {
  describe('against the OpenTelemetry JS SDK and otlp-transformer', () => {
    const sdkSpans = recordRichSpans();
    const json = JsonTraceSerializer.serializeRequest(sdkSpans)!;

    it('decodes every span with every field as the SDK span held it', () => {
      const decoded = decodeTraceRequestJson(json);
      expect(decoded).toHaveLength(sdkSpans.length);
      for (const sdkSpan of sdkSpans) {
        const span = decoded.find((s) => s.spanId === sdkSpan.spanContext().spanId);
        expect(span).toStrictEqual(expectedDomainSpan(sdkSpan));
      }
      const [first] = decoded;
      for (const s of decoded.filter((d) => d.resource.attributes['service.name'] === 'checkout')) {
        expect(s.resource).toBe(first.resource);
      }
    });

    it('decodes the text and the UTF-8 bytes alike', () => {
      expect(decodeTraceRequestJson(new TextDecoder().decode(json))).toStrictEqual(
        decodeTraceRequestJson(json),
      );
    });

    // What otlp-transformer 0.223 writes, pinned so a change in it is noticed: hex ids (as OTLP/JSON
    // specifies, not proto3 JSON's base64), timestamps as strings, but int attributes as JSON
    // numbers and non-finite doubles as null, which JSON.stringify makes of NaN and Infinity.
    it('accepts the shapes otlp-transformer writes, including its lossy ones', () => {
      const exporter = new InMemorySpanExporter();
      const provider = new BasicTracerProvider({
        spanProcessors: [new SimpleSpanProcessor(exporter)],
      });
      provider
        .getTracer('t')
        .startSpan('x', { attributes: { nan: NaN, inf: Infinity, two: 2.0, big: 2 ** 60 } })
        .end();
      const text = new TextDecoder().decode(
        JsonTraceSerializer.serializeRequest(exporter.getFinishedSpans()),
      );
      const span = JSON.parse(text).resourceSpans[0].scopeSpans[0].spans[0];
      expect(span.traceId).toMatch(/^[0-9a-f]{32}$/);
      expect(typeof span.startTimeUnixNano).toBe('string');
      expect(text).toContain('{"key":"nan","value":{"doubleValue":null}}');
      expect(text).toContain('{"key":"two","value":{"intValue":2}}');
      expect(text).toContain('{"key":"big","value":{"intValue":1152921504606847000}}');

      const [decoded] = decodeTraceRequestJson(text);
      expect(decoded.attributes.nan).toBeNull();
      expect(decoded.attributes.inf).toBeNull();
      expect(decoded.attributes.two).toBe(2n);
      // JSON.parse reads 1152921504606847000 back as the double 2^60, so the value survives here.
      expect(decoded.attributes.big).toBe(2n ** 60n);
    });
  });

  describe('accepted spellings', () => {
    it('reads proto snake_case names, enum names, uppercase ids and integers in either form', () => {
      const [span] = decodeTraceRequestJson(
        oneSpan(
          {
            trace_id: TRACE_ID.toUpperCase(),
            span_id: SPAN_ID,
            parent_span_id: 'ABCDEF0123456789',
            trace_state: 'a=b',
            flags: '769',
            name: 'op',
            kind: 'SPAN_KIND_SERVER',
            start_time_unix_nano: '18446744073709551615',
            end_time_unix_nano: 1_700_000_000_000_000,
            attributes: [
              { key: 'i', value: { int_value: '-9223372036854775808' } },
              { key: 'n', value: { intValue: 42 } },
              { key: 'd', value: { double_value: 'NaN' } },
              { key: 'inf', value: { doubleValue: 'Infinity' } },
              { key: 'ninf', value: { doubleValue: '-Infinity' } },
              { key: 'dstr', value: { doubleValue: '1.5e3' } },
              { key: 'b', value: { bool_value: false } },
              { key: 's', value: { string_value: '' } },
              { key: 'bytes', value: { bytes_value: 'AQL/' } },
              { key: 'urlsafe', value: { bytesValue: '-_8' } },
              { key: 'arr', value: { array_value: { values: [{ intValue: 1 }, {}] } } },
              {
                key: 'kv',
                value: { kvlist_value: { values: [{ key: 'k', value: { stringValue: 'v' } }] } },
              },
              { key: 'empty', value: {} },
              { key: 'missing' },
              { key: 'nulled', value: { stringValue: null } },
            ],
            dropped_attributes_count: 1,
            events: [{ time_unix_nano: '5', name: 'e', dropped_attributes_count: '2' }],
            dropped_events_count: 3,
            links: [
              {
                trace_id: TRACE_ID,
                span_id: SPAN_ID,
                trace_state: 'x',
                dropped_attributes_count: 4,
                flags: 256,
              },
            ],
            dropped_links_count: 5,
            status: { code: 'STATUS_CODE_ERROR', message: 'm' },
          },
          { scope: { name: 'lib', dropped_attributes_count: 6 }, schema_url: 'ss' },
          { resource: { dropped_attributes_count: 7 }, schema_url: 'rs' },
        ),
      );
      expect(span).toStrictEqual({
        traceId: TRACE_ID,
        spanId: SPAN_ID,
        parentSpanId: 'abcdef0123456789',
        traceState: 'a=b',
        flags: 769,
        name: 'op',
        kind: SpanKind.Server,
        startTimeUnixNano: 2n ** 64n - 1n,
        endTimeUnixNano: 1_700_000_000_000_000n,
        attributes: attrs([
          ['i', -(2n ** 63n)],
          ['n', 42n],
          ['d', NaN],
          ['inf', Infinity],
          ['ninf', -Infinity],
          ['dstr', 1500],
          ['b', false],
          ['s', ''],
          ['bytes', new Uint8Array([1, 2, 255])],
          ['urlsafe', new Uint8Array([251, 255])],
          ['arr', [1n, null]],
          ['kv', { kvlist: [['k', 'v']] }],
          ['empty', null],
          ['missing', null],
          ['nulled', null],
        ]),
        droppedAttributesCount: 1,
        events: [{ timeUnixNano: 5n, name: 'e', attributes: attrs([]), droppedAttributesCount: 2 }],
        droppedEventsCount: 3,
        links: [
          {
            traceId: TRACE_ID,
            spanId: SPAN_ID,
            traceState: 'x',
            attributes: attrs([]),
            droppedAttributesCount: 4,
            flags: 256,
          },
        ],
        droppedLinksCount: 5,
        status: { code: StatusCode.Error, message: 'm' },
        resource: { attributes: attrs([]), droppedAttributesCount: 7, schemaUrl: 'rs' },
        scope: {
          name: 'lib',
          version: '',
          attributes: attrs([]),
          droppedAttributesCount: 6,
          schemaUrl: 'ss',
        },
      });
    });

    it('ignores unknown keys and treats null as not set', () => {
      const [span] = decodeTraceRequestJson(
        oneSpan(
          { traceId: TRACE_ID, futureField: { a: [1] }, name: null, kind: null, status: null },
          { futureScopeField: 1 },
          { resource: { schemaUrl: 'not a Resource field', attributes: null }, extra: true },
        ),
      );
      expect(span.name).toBe('');
      expect(span.kind).toBe(SpanKind.Unspecified);
      expect(span.resource.schemaUrl).toBe('');
      expect(decodeTraceRequestJson('{}')).toEqual([]);
      expect(decodeTraceRequestJson('{"resourceSpans":null}')).toEqual([]);
    });

    it('keeps "__proto__" as an attribute key, not a prototype', () => {
      const [span] = decodeTraceRequestJson(
        oneSpan({ attributes: [{ key: '__proto__', value: { stringValue: 'x' } }] }),
      );
      expect(Object.getPrototypeOf(span.attributes)).toBeNull();
      expect(Object.keys(span.attributes)).toEqual(['__proto__']);
      expect(span.attributes.__proto__).toBe('x');
    });
  });

  describe('wrong shapes', () => {
    it.each([
      [
        'a timestamp that is not an integer',
        oneSpan({ startTimeUnixNano: '12.5' }),
        'resourceSpans[0].scopeSpans[0].spans[0].startTimeUnixNano: expected an integer',
      ],
      [
        'a negative timestamp',
        oneSpan({ end_time_unix_nano: -1 }),
        'resourceSpans[0].scopeSpans[0].spans[0].end_time_unix_nano: out of range for an unsigned 64-bit integer',
      ],
      [
        'a timestamp past uint64',
        oneSpan({ startTimeUnixNano: '18446744073709551616' }),
        'resourceSpans[0].scopeSpans[0].spans[0].startTimeUnixNano: out of range for an unsigned 64-bit integer',
      ],
      [
        'an id that is not hex',
        oneSpan({ traceId: 'W48O//eYA4E=' }),
        'resourceSpans[0].scopeSpans[0].spans[0].traceId: expected a hex id',
      ],
      [
        'an unknown enum name',
        oneSpan({ kind: 'SERVER' }),
        'resourceSpans[0].scopeSpans[0].spans[0].kind: expected an enum integer or one of SPAN_KIND_UNSPECIFIED',
      ],
      [
        'a bad int in a nested attribute',
        oneSpan({
          links: [
            {},
            { attributes: [{ key: 'k', value: { arrayValue: { values: [{ intValue: 1.5 }] } } }] },
          ],
        }),
        'resourceSpans[0].scopeSpans[0].spans[0].links[1].attributes[0].value.arrayValue.values[0].intValue: expected an integer',
      ],
      [
        'an int64 out of range',
        oneSpan({ attributes: [{ key: 'k', value: { intValue: '9223372036854775808' } }] }),
        'resourceSpans[0].scopeSpans[0].spans[0].attributes[0].value.intValue: out of range for a 64-bit integer',
      ],
      [
        'two members of the AnyValue oneof',
        oneSpan({ attributes: [{ key: 'k', value: { stringValue: 'a', intValue: 1 } }] }),
        'resourceSpans[0].scopeSpans[0].spans[0].attributes[0].value.intValue: more than one value of the oneof is set',
      ],
      [
        'bytes that are not base64',
        oneSpan({ attributes: [{ key: 'k', value: { bytesValue: 'not base64!' } }] }),
        'resourceSpans[0].scopeSpans[0].spans[0].attributes[0].value.bytesValue: expected base64',
      ],
      [
        'a scope that is not an object',
        oneSpan({}, { scope: 'lib' }),
        'resourceSpans[0].scopeSpans[0].scope: expected an object',
      ],
      [
        'spans that are not an array',
        JSON.stringify({ resource_spans: [{ scope_spans: [{ spans: {} }] }] }),
        'resource_spans[0].scope_spans[0].spans: expected an array',
      ],
      [
        'a resource attribute with a numeric key',
        JSON.stringify({ resourceSpans: [{ resource: { attributes: [{ key: 1 }] } }] }),
        'resourceSpans[0].resource.attributes[0].key: expected a string',
      ],
      ['a root that is not an object', '[1]', 'expected an object'],
      [
        'a count out of range',
        oneSpan({ droppedLinksCount: 2 ** 32 }),
        'spans[0].droppedLinksCount: expected an unsigned 32-bit integer',
      ],
      [
        'a status code of the wrong type',
        oneSpan({ status: { code: true } }),
        'spans[0].status.code: expected an enum',
      ],
    ])('names the path of %s', (_what, input, message) => {
      expect(decodeError(input).message).toContain(message);
    });

    it('reports text that is not JSON', () => {
      expect(decodeError('{"resourceSpans": [').message).toMatch(/^invalid JSON: /);
    });

    it('refuses AnyValue nesting deeper than 100', () => {
      let value: object = { stringValue: 'bottom' };
      for (let i = 0; i < 200; i++) value = { arrayValue: { values: [value] } };
      expect(decodeError(oneSpan({ attributes: [{ key: 'k', value }] })).message).toMatch(
        /nested too deeply$/,
      );
    });
  });
});
