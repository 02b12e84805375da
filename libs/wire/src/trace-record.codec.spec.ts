import {
  decodeTraceRecord,
  encodeTraceRecord,
  type RecordSpan,
  type TraceRecord,
  TraceRecordError,
} from './trace-record.codec';

function span(overrides: Partial<RecordSpan> = {}): RecordSpan {
  return {
    spanId: 'b7ad6b7169203331',
    parentSpanId: '',
    name: 'GET /users/{id}',
    kind: 2,
    serviceName: 'user-api',
    startTimeUnixNano: 1767225600123456789n,
    durationNano: 18_000_123,
    statusCode: 1,
    statusMessage: '',
    attributes: { 'http.route': '/users/{id}', 'http.response.status_code': '200' },
    events: [],
    links: [],
    ...overrides,
  };
}

const record: TraceRecord = {
  traceId: '0af7651916cd43dd8448eb211c80319c',
  spans: [
    span(),
    span({
      spanId: '00f067aa0ba902b7',
      parentSpanId: 'b7ad6b7169203331',
      name: 'INSERT orders',
      kind: 3,
      serviceName: 'orders-db-writer',
      startTimeUnixNano: 18446744073709551615n,
      durationNano: Number.MAX_SAFE_INTEGER,
      statusCode: 2,
      statusMessage: 'deadlock détecté ✗',
      attributes: {
        ['__proto__']: 'data, not a prototype',
        '': 'empty key',
        'db.statement': 'INSERT INTO orders VALUES (1)',
      },
      events: [
        { name: 'exception', offsetNano: 0 },
        { name: 'retry', offsetNano: 1_500_000 },
      ],
      links: [{ traceId: '4bf92f3577b34da6a3ce929d0e0e4736', spanId: '00f067aa0ba902b7' }],
    }),
  ],
};

describe('trace record codec', () => {
  it('round-trips every field', () => {
    const decoded = decodeTraceRecord(encodeTraceRecord(record));
    expect(decoded).toEqual(record);
    expect(Object.keys(decoded.spans[1].attributes)).toContain('__proto__');
  });

  it('stores each distinct string once per record', () => {
    const many: TraceRecord = {
      traceId: record.traceId,
      spans: Array.from({ length: 50 }, (_, i) =>
        span({ spanId: `00000000000000${i.toString(16).padStart(2, '0')}` }),
      ),
    };
    const bytes = encodeTraceRecord(many);
    const occurrences = bytes.toString('latin1').split('http.response.status_code').length - 1;
    expect(occurrences).toBe(1);
    // 50 spans with the same name, service and attributes: well under 64 bytes a span.
    expect(bytes.length).toBeLessThan(50 * 64);
  });

  it('accepts upper-case hex ids and writes them back lower-case', () => {
    const upper = {
      traceId: record.traceId.toUpperCase(),
      spans: [span({ spanId: 'B7AD6B7169203331' })],
    };
    expect(decodeTraceRecord(encodeTraceRecord(upper)).spans[0].spanId).toBe('b7ad6b7169203331');
  });

  it.each([
    ['a short trace id', { traceId: 'abcd', spans: [] }, 'must be 32 hex characters'],
    [
      'a non-hex span id',
      { traceId: record.traceId, spans: [span({ spanId: 'zzzzzzzzzzzzzzzz' })] },
      'is not hexadecimal',
    ],
    [
      'a negative duration',
      { traceId: record.traceId, spans: [span({ durationNano: -1 })] },
      'cannot encode -1',
    ],
  ])('refuses to encode %s', (_, bad, message) => {
    expect(() => encodeTraceRecord(bad)).toThrow(message);
  });

  it('rejects truncated records at every length with a TraceRecordError', () => {
    const bytes = encodeTraceRecord(record);
    for (let len = 0; len < bytes.length; len++) {
      expect(() => decodeTraceRecord(bytes.subarray(0, len))).toThrow(TraceRecordError);
    }
  });

  it('rejects other formats and versions', () => {
    expect(() => decodeTraceRecord(Buffer.from('{"resourceSpans":[]}'))).toThrow('bad magic');
    const bytes = Buffer.from(encodeTraceRecord(record));
    bytes[2] = 9;
    expect(() => decodeTraceRecord(bytes)).toThrow('version 9 is not supported');
    expect(() =>
      decodeTraceRecord(Buffer.concat([encodeTraceRecord(record), Buffer.from([0])])),
    ).toThrow('1 trailing byte');
  });
});
