import { ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer';
import type { Span } from '@t2t/domain';
import { buildDomainSpans } from '../test/domain-spans.fixture';
import { recordRichSpans } from '../test/sdk-spans.fixture';
import { OtlpDecodeError } from './otlp-decode.error';
import { decodeTraceRequestProto } from './proto-trace.decoder';
import { encodeTraceRequestProto } from './proto-trace.encoder';

describe('encodeTraceRequestProto', () => {
  it('round-trips every field and every AnyValue type through decodeTraceRequestProto', () => {
    const spans = buildDomainSpans();
    expect(decodeTraceRequestProto(encodeTraceRequestProto(spans))).toStrictEqual(spans);
  });

  it('keeps resource and scope sharing through the round trip', () => {
    const decoded = decodeTraceRequestProto(encodeTraceRequestProto(buildDomainSpans()));
    expect(decoded[1].resource).toBe(decoded[0].resource);
    expect(decoded[1].scope).toBe(decoded[0].scope);
    expect(decoded[2].scope).not.toBe(decoded[0].scope);
    expect(decoded[3].resource).not.toBe(decoded[0].resource);
  });

  it('re-encodes SDK spans decoded from otlp-transformer without losing anything', () => {
    const spans = decodeTraceRequestProto(
      ProtobufTraceSerializer.serializeRequest(recordRichSpans())!,
    );
    expect(decodeTraceRequestProto(encodeTraceRequestProto(spans))).toStrictEqual(spans);
  });

  it('groups interleaved spans by resource, then scope, in order of first appearance', () => {
    const [a1, a2, a3, b1] = buildDomainSpans().filter((_, i) => i !== 3);
    const shuffled: Span[] = [b1, a1, a3, a2];
    const decoded = decodeTraceRequestProto(encodeTraceRequestProto(shuffled));
    expect(decoded.map((s) => s.spanId)).toEqual([b1, a1, a2, a3].map((s) => s.spanId));
  });

  it('writes equal but distinct resource objects as separate ResourceSpans', () => {
    const [span] = buildDomainSpans();
    const twin: Span = { ...span, resource: { ...span.resource } };
    const decoded = decodeTraceRequestProto(encodeTraceRequestProto([span, twin]));
    expect(decoded[0].resource).not.toBe(decoded[1].resource);
    expect(decoded[0].resource).toStrictEqual(decoded[1].resource);
  });

  it('encodes nothing for no spans', () => {
    expect(encodeTraceRequestProto([])).toEqual(new Uint8Array(0));
  });

  it('either decodes or throws OtlpDecodeError for every truncation of its output', () => {
    const bytes = encodeTraceRequestProto(buildDomainSpans());
    for (let len = 0; len < bytes.length; len++) {
      try {
        decodeTraceRequestProto(bytes.subarray(0, len));
      } catch (err) {
        expect(err).toBeInstanceOf(OtlpDecodeError);
      }
    }
  });

  it('refuses values the wire cannot carry', () => {
    const [span] = buildDomainSpans();
    expect(() => encodeTraceRequestProto([{ ...span, traceId: 'xyz' }])).toThrow(
      'traceId is not a hex string: "xyz"',
    );
    expect(() => encodeTraceRequestProto([{ ...span, startTimeUnixNano: -1n }])).toThrow(
      RangeError,
    );
    expect(() => encodeTraceRequestProto([{ ...span, attributes: { big: 2n ** 63n } }])).toThrow(
      'int64 out of range',
    );
  });
});
