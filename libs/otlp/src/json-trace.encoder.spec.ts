import { buildDomainSpans } from '../test/domain-spans.fixture';
import { decodeTraceRequestJson } from './json-trace.decoder';
import { encodeTraceRequestJson } from './json-trace.encoder';
import { decodeTraceRequestProto } from './proto-trace.decoder';
import { encodeTraceRequestProto } from './proto-trace.encoder';

describe('encodeTraceRequestJson', () => {
  it('round-trips every field and every AnyValue type through decodeTraceRequestJson', () => {
    const spans = buildDomainSpans();
    expect(decodeTraceRequestJson(encodeTraceRequestJson(spans))).toStrictEqual(spans);
  });

  it('says the same as the protobuf encoding', () => {
    const spans = buildDomainSpans();
    expect(decodeTraceRequestJson(encodeTraceRequestJson(spans))).toStrictEqual(
      decodeTraceRequestProto(encodeTraceRequestProto(spans)),
    );
  });

  it('writes OTLP/JSON as the Collector does: camelCase, hex ids, int64 as strings', () => {
    const [span] = buildDomainSpans();
    const doc = JSON.parse(encodeTraceRequestJson([span]));
    const json = doc.resourceSpans[0].scopeSpans[0].spans[0];
    expect(json.traceId).toBe(span.traceId);
    expect(json.startTimeUnixNano).toBe('1700000000123456789');
    expect(json.kind).toBe(2);
    expect(json.status).toEqual({ code: 2, message: 'it broke: ✗' });
    const value = (key: string) => json.attributes.find((a: any) => a.key === key).value;
    expect(value('int.min')).toEqual({ intValue: '-9223372036854775808' });
    expect(value('double.NaN')).toEqual({ doubleValue: 'NaN' });
    expect(value('double.negative zero')).toEqual({ doubleValue: '-0' });
    expect(value('bytes')).toEqual({ bytesValue: 'AAEC+v8=' });
    expect(value('null')).toEqual({});
    expect(doc.resourceSpans[0].schemaUrl).toBe('https://opentelemetry.io/schemas/1.24.0');
  });

  it('refuses ids that are not hex', () => {
    const [span] = buildDomainSpans();
    expect(() => encodeTraceRequestJson([{ ...span, spanId: 'not-hex' }])).toThrow(RangeError);
  });
});
