import { ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer';
import { SpanKind, StatusCode, type AnyValue, type Span } from '@t2t/domain';
import { attrs } from '../test/domain-spans.fixture';
import {
  UNKNOWN_FIELDS,
  attr,
  bytes,
  double,
  fixed32,
  fixed64,
  hex,
  msg,
  str,
  varint,
  varintBytes,
} from '../test/proto.builder';
import { expectedDomainSpan, recordRichSpans } from '../test/sdk-spans.fixture';
import { OtlpDecodeError } from './otlp-decode.error';
import { decodeTraceRequestProto } from './proto-trace.decoder';

const TRACE_ID = '5b8efff798038103d269b633813fc60c';

/** Decodes, or returns the OtlpDecodeError; anything else thrown fails the test. */
function decodeOrError(input: Uint8Array): Span[] | OtlpDecodeError {
  try {
    return decodeTraceRequestProto(input);
  } catch (err) {
    if (err instanceof OtlpDecodeError) return err;
    throw new Error(`not an OtlpDecodeError: ${String(err)}`);
  }
}

/** A seeded PRNG (mulberry32), so a failing fuzz case can be replayed. */
function random(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  };
}

describe('decodeTraceRequestProto', () => {
  describe('against the OpenTelemetry JS SDK and otlp-transformer', () => {
    const sdkSpans = recordRichSpans();
    const decoded = decodeTraceRequestProto(ProtobufTraceSerializer.serializeRequest(sdkSpans)!);

    it('decodes every span with every field as the SDK span held it', () => {
      expect(decoded).toHaveLength(sdkSpans.length);
      for (const sdkSpan of sdkSpans) {
        const span = decoded.find((s) => s.spanId === sdkSpan.spanContext().spanId);
        expect(span).toStrictEqual(expectedDomainSpan(sdkSpan));
      }
    });

    it('covers what the fixture promises (so the comparison above means something)', () => {
      const server = decoded.find((s) => s.kind === SpanKind.Server)!;
      expect(server.startTimeUnixNano).toBe(1_700_000_000_123_456_789n);
      expect(server.traceState).toBe('vendor1=abc,vendor2=x:y');
      expect(server.flags).toBe(0x301);
      expect(server.status).toEqual({ code: StatusCode.Error, message: 'upstream timed out' });
      expect(server.attributes['big.negative']).toBe(-9_007_199_254_740_991n);
      expect(server.attributes['num.array']).toEqual([1n, 2.5, -3n]);
      expect(server.links[0].attributes['link.attempt']).toBe(2n);
      expect(server.events).toHaveLength(2);
      expect(new Set(decoded.map((s) => s.kind))).toEqual(new Set([1, 2, 3, 4, 5]));
      expect(decoded.find((s) => s.scope.name === '@t2t/db')!.scope.attributes).toEqual(
        attrs([
          ['scope.flavour', 'sql'],
          ['scope.level', 3n],
        ]),
      );
    });

    it('shares one Resource per ResourceSpans and one InstrumentationScope per ScopeSpans', () => {
      const byService = (name: string) =>
        decoded.filter((s) => s.resource.attributes['service.name'] === name);
      const checkout = byService('checkout');
      const payments = byService('payments');
      expect(checkout.length).toBeGreaterThan(1);
      for (const s of checkout) expect(s.resource).toBe(checkout[0].resource);
      for (const s of payments) expect(s.resource).toBe(payments[0].resource);
      expect(checkout[0].resource).not.toBe(payments[0].resource);
      for (const s of payments) expect(s.scope).toBe(payments[0].scope);
      expect(new Set(decoded.map((s) => s.scope)).size).toBe(3);
    });

    it('creates attribute objects without a prototype', () => {
      for (const s of decoded) {
        expect(Object.getPrototypeOf(s.attributes)).toBeNull();
        expect(Object.getPrototypeOf(s.resource.attributes)).toBeNull();
        expect(Object.getPrototypeOf(s.scope.attributes)).toBeNull();
      }
    });
  });

  describe('hand-assembled messages', () => {
    const ANY: Record<string, Uint8Array> = {
      string: msg(str(1, 'v')),
      bool: msg(varint(2, 1)),
      int: msg(varint(3, -(2n ** 63n))),
      double: msg(double(4, -0)),
      array: msg(bytes(5, msg(bytes(1, msg(str(1, 'x'))), bytes(1, msg())))),
      kvlist: msg(bytes(6, msg(bytes(1, msg(str(1, 'k'), bytes(2, msg(varint(3, 7)))))))),
      bytes: msg(bytes(7, [1, 2, 3])),
      empty: msg(),
    };
    const EXPECTED_ANY: Record<string, AnyValue> = {
      string: 'v',
      bool: true,
      int: -(2n ** 63n),
      double: -0,
      array: ['x', null],
      kvlist: { kvlist: [['k', 7n]] },
      bytes: new Uint8Array([1, 2, 3]),
      empty: null,
    };

    /** A request using every field of every message, with `extra` appended to each message. */
    function request(extra: Uint8Array): Uint8Array {
      const m = (...fields: Uint8Array[]) => msg(extra, ...fields, extra);
      const kv = (field: number, key: string, value: Uint8Array) =>
        bytes(field, m(str(1, key), bytes(2, value)));
      const anyAttrs = (field: number) => Object.entries(ANY).map(([k, v]) => kv(field, k, m(v)));
      const span = m(
        hex(1, TRACE_ID),
        hex(2, '0102030405060708'),
        str(3, 'a=b'),
        hex(4, '1112131415161718'),
        fixed32(16, 0x201),
        str(5, 'op'),
        varint(6, 3),
        fixed64(7, 2n ** 64n - 1n),
        fixed64(8, 1n),
        ...anyAttrs(9),
        varint(10, 1),
        bytes(11, m(fixed64(1, 5n), str(2, 'ev'), kv(3, 'e', m(ANY.bool)), varint(4, 2))),
        varint(12, 3),
        bytes(
          13,
          m(
            hex(1, TRACE_ID),
            hex(2, '2122232425262728'),
            str(3, 'c=d'),
            kv(4, 'l', m(ANY.int)),
            varint(5, 4),
            fixed32(6, 0x100),
          ),
        ),
        varint(14, 5),
        bytes(15, m(varint(1, 2), str(2, 'bad'), varint(3, 2))),
      );
      const scope = m(str(1, 'lib'), str(2, '1.2'), kv(3, 's', m(ANY.string)), varint(4, 6));
      const resource = m(kv(1, 'service.name', m(ANY.string)), varint(2, 7));
      const scopeSpans = m(bytes(1, scope), bytes(2, span), str(3, 'scope-schema'));
      return m(bytes(1, m(bytes(1, resource), bytes(2, scopeSpans), str(3, 'res-schema'))));
    }

    const expected = {
      traceId: TRACE_ID,
      spanId: '0102030405060708',
      parentSpanId: '1112131415161718',
      traceState: 'a=b',
      flags: 0x201,
      name: 'op',
      kind: SpanKind.Client,
      startTimeUnixNano: 2n ** 64n - 1n,
      endTimeUnixNano: 1n,
      attributes: attrs(Object.entries(EXPECTED_ANY)),
      droppedAttributesCount: 1,
      events: [
        {
          timeUnixNano: 5n,
          name: 'ev',
          attributes: attrs([['e', true]]),
          droppedAttributesCount: 2,
        },
      ],
      droppedEventsCount: 3,
      links: [
        {
          traceId: TRACE_ID,
          spanId: '2122232425262728',
          traceState: 'c=d',
          attributes: attrs([['l', -(2n ** 63n)]]),
          droppedAttributesCount: 4,
          flags: 0x100,
        },
      ],
      droppedLinksCount: 5,
      status: { code: StatusCode.Error, message: 'bad' },
      resource: {
        attributes: attrs([['service.name', 'v']]),
        droppedAttributesCount: 7,
        schemaUrl: 'res-schema',
      },
      scope: {
        name: 'lib',
        version: '1.2',
        attributes: attrs([['s', 'v']]),
        droppedAttributesCount: 6,
        schemaUrl: 'scope-schema',
      },
    };

    it('decodes every field of every message (field numbers checked independently)', () => {
      expect(decodeTraceRequestProto(request(msg()))).toStrictEqual([expected]);
    });

    it('skips unknown fields of every wire type, groups included, in every message', () => {
      expect(decodeTraceRequestProto(request(UNKNOWN_FIELDS))).toStrictEqual([expected]);
    });

    it('finds the resource and scope wherever they sit among the spans', () => {
      const span = msg(hex(1, TRACE_ID), str(5, 'late'));
      const input = msg(
        bytes(
          1,
          msg(
            str(3, 'schema first'),
            bytes(2, msg(bytes(2, span), str(3, 's1'), bytes(1, msg(str(1, 'scope after'))))),
            bytes(1, msg(attr(1, 'k', msg(str(1, 'resource after'))))),
          ),
        ),
      );
      const [decoded] = decodeTraceRequestProto(input);
      expect(decoded.resource.attributes.k).toBe('resource after');
      expect(decoded.resource.schemaUrl).toBe('schema first');
      expect(decoded.scope.name).toBe('scope after');
      expect(decoded.scope.schemaUrl).toBe('s1');
    });

    it('merges a repeated resource field and lets the last repeated attribute key win', () => {
      const resource1 = msg(attr(1, 'a', msg(str(1, '1'))), attr(1, 'dup', msg(str(1, 'first'))));
      const resource2 = msg(attr(1, 'b', msg(str(1, '2'))), attr(1, 'dup', msg(str(1, 'last'))));
      const input = msg(
        bytes(
          1,
          msg(bytes(1, resource1), bytes(2, msg(bytes(2, msg(str(5, 'x'))))), bytes(1, resource2)),
        ),
      );
      const [decoded] = decodeTraceRequestProto(input);
      expect(decoded.resource.attributes).toStrictEqual(
        attrs([
          ['a', '1'],
          ['dup', 'last'],
          ['b', '2'],
        ]),
      );
    });

    it('gives absent resource, scope and status their defaults, and keeps ids of any length', () => {
      const input = msg(
        bytes(1, msg(bytes(2, msg(bytes(2, msg(hex(1, '0102030405060708'), bytes(2, []))))))),
      );
      expect(decodeTraceRequestProto(input)).toStrictEqual([
        expect.objectContaining({
          traceId: '0102030405060708',
          spanId: '',
          status: { code: StatusCode.Unset, message: '' },
          resource: { attributes: attrs([]), droppedAttributesCount: 0, schemaUrl: '' },
          scope: {
            name: '',
            version: '',
            attributes: attrs([]),
            droppedAttributesCount: 0,
            schemaUrl: '',
          },
        }),
      ]);
    });

    it('decodes an empty request, and ResourceSpans or ScopeSpans without spans, to no spans', () => {
      expect(decodeTraceRequestProto(new Uint8Array(0))).toEqual([]);
      expect(decodeTraceRequestProto(msg(bytes(1, msg(bytes(1, msg()), bytes(2, msg())))))).toEqual(
        [],
      );
    });

    it('reads negative enums (10-byte varints) and non-canonical varints', () => {
      const padded = [0x85 | 0x80, 0x80, 0x80, 0x00]; // 5, written in 4 bytes
      const span = msg(varint(6, -1), new Uint8Array([0x50, ...padded]));
      const [decoded] = decodeTraceRequestProto(msg(bytes(1, msg(bytes(2, msg(bytes(2, span)))))));
      expect(decoded.kind).toBe(-1);
      expect(decoded.droppedAttributesCount).toBe(5);
    });

    it('turns invalid UTF-8 into U+FFFD', () => {
      const span = msg(bytes(5, [0x61, 0xff, 0x62]));
      const [decoded] = decodeTraceRequestProto(msg(bytes(1, msg(bytes(2, msg(bytes(2, span)))))));
      expect(decoded.name).toBe('a\uFFFDb');
    });

    it('decodes a Buffer the same as a Uint8Array, and copies bytes values out of it', () => {
      const input = request(msg());
      const buffer = Buffer.concat([Buffer.from('junk before'), input]).subarray(11);
      const [decoded] = decodeTraceRequestProto(buffer);
      expect(decoded).toStrictEqual(expected);
      const value = decoded.attributes.bytes as Uint8Array;
      expect(value.buffer).not.toBe(buffer.buffer);
      expect(Object.getPrototypeOf(value)).toBe(Uint8Array.prototype);
    });

    it('does not let interned strings leak between different bytes of the same length', () => {
      // More distinct same-length names than the interner has slots, so some must share a slot.
      const names = Array.from({ length: 10_000 }, (_, i) => `n${String(i).padStart(5, '0')}`);
      names.push('äb', 'bä');
      const spans = names.map((name) =>
        bytes(2, msg(str(5, name), attr(9, name, msg(str(1, name))))),
      );
      const input = msg(bytes(1, msg(bytes(2, msg(...spans)))));
      for (let round = 0; round < 2; round++) {
        const decoded = decodeTraceRequestProto(input);
        expect(decoded.map((s) => s.name)).toEqual(names);
        expect(decoded.map((s) => Object.keys(s.attributes)[0])).toEqual(names);
      }
    });
  });

  describe('malformed input', () => {
    const valid = ProtobufTraceSerializer.serializeRequest(recordRichSpans())!;

    it('either decodes or throws OtlpDecodeError for every truncation of a valid request', () => {
      let errors = 0;
      for (let len = 0; len < valid.length; len++) {
        const result = decodeOrError(valid.subarray(0, len));
        if (result instanceof OtlpDecodeError) {
          errors++;
          expect(result.message).toMatch(/ at byte \d+$/);
          expect(result.offset).toBeGreaterThanOrEqual(0);
          expect(result.offset).toBeLessThanOrEqual(len);
        }
      }
      expect(errors).toBeGreaterThan(valid.length / 2);
    });

    it('either decodes or throws OtlpDecodeError for random garbage and random corruption', () => {
      const rand = random(42);
      for (let i = 0; i < 3000; i++) {
        const garbage = Uint8Array.from({ length: Math.floor(rand() * 64) }, () => rand() * 256);
        decodeOrError(garbage);
        const corrupt = valid.slice();
        for (let flips = 1 + Math.floor(rand() * 4); flips > 0; flips--) {
          corrupt[Math.floor(rand() * corrupt.length)] = rand() * 256;
        }
        decodeOrError(corrupt);
      }
    });

    const inSpan = (...fields: Uint8Array[]) => {
      const span = msg(...fields);
      return msg(bytes(1, msg(bytes(2, msg(bytes(2, span))))));
    };

    it.each([
      ['a truncated varint', inSpan(new Uint8Array([0x50, 0x80])), /^truncated varint at byte 7$/],
      [
        'a length past the end of its message',
        // The outer buffer has room for the 5 bytes; the enclosing ResourceSpans does not.
        msg(bytes(1, msg(new Uint8Array([0x12, 0x05, 0x0a, 0x01]))), str(99, 'trailing')),
        /^length 5 runs past the end of the enclosing message at byte 3$/,
      ],
      [
        'a wrong wire type for a known field',
        inSpan(bytes(7, [1, 2, 3, 4, 5, 6, 7, 8])),
        /^Span\.start_time_unix_nano \(field 7\) has unexpected wire type 2 at byte 7$/,
      ],
      [
        'a string where a number belongs',
        inSpan(str(10, 'x')),
        /^Span\.dropped_attributes_count \(field 10\) has unexpected wire type 2/,
      ],
      [
        'a truncated fixed64',
        inSpan(new Uint8Array([0x39, 1, 2, 3])),
        /^truncated fixed64 at byte 7$/,
      ],
      [
        'a varint over 10 bytes',
        inSpan(new Uint8Array([0x50, ...Array(10).fill(0x80), 1])),
        /varint longer than 10 bytes/,
      ],
      [
        'a length over 2^32 that would wrap to a small one',
        inSpan(new Uint8Array([0x2a, ...varintBytes(2n ** 32n + 1n), 0x41])),
        /^length 4294967297 runs past/,
      ],
      ['field number 0', inSpan(new Uint8Array([0x00, 0x01])), /field number 0/],
      ['wire type 7', inSpan(new Uint8Array([0xff, 0x07])), /invalid wire type 7/],
      ['a stray end-group tag', inSpan(new Uint8Array([0x9c, 0x06])), /unexpected end-group tag/],
      [
        'an unterminated group',
        inSpan(new Uint8Array([0x9b, 0x06, 0x08, 0x01])),
        /unterminated group/,
      ],
    ])('rejects %s', (_what, input, message) => {
      const result = decodeOrError(input);
      expect(result).toBeInstanceOf(OtlpDecodeError);
      expect((result as OtlpDecodeError).message).toMatch(message);
    });

    it('refuses AnyValue nesting deeper than 100 instead of overflowing the stack', () => {
      let value = msg(str(1, 'bottom'));
      for (let i = 0; i < 1000; i++) value = msg(bytes(5, msg(bytes(1, value))));
      const result = decodeOrError(inSpan(attr(9, 'deep', value)));
      expect((result as OtlpDecodeError).message).toMatch(/nested too deeply/);
    });
  });
});
