import { checkJsonRequest, checkProtoRequest } from './otlp-request.validator';

describe('OTLP request checks', () => {
  describe(checkJsonRequest.name, () => {
    it('accepts an object with a non-empty resourceSpans array', () => {
      expect(
        checkJsonRequest(Buffer.from('{"resourceSpans":[{"scopeSpans":[]}]}')),
      ).toBeUndefined();
    });

    it.each([
      ['{"resourceSpans":[', /^invalid JSON: /],
      ['[1,2]', /^not an ExportTraceServiceRequest: expected a JSON object$/],
      ['null', /expected a JSON object/],
      ['{"resource_spans":[{}]}', /no "resourceSpans" array/],
      ['{"resourceSpans":{}}', /no "resourceSpans" array/],
      ['{"resourceSpans":[]}', /^no spans: "resourceSpans" is empty$/],
    ])('rejects %s', (json, reason) => {
      expect(checkJsonRequest(Buffer.from(json))).toMatch(reason);
    });

    it('rejects invalid UTF-8 instead of letting it be replaced silently', () => {
      const bytes = Buffer.concat([
        Buffer.from('{"resourceSpans":[{"x":"'),
        Buffer.from([0xff]),
        Buffer.from('"}]}'),
      ]);
      expect(checkJsonRequest(bytes)).toBe('not valid UTF-8');
    });
  });

  describe(checkProtoRequest.name, () => {
    // Field 1 (resource_spans), 2 bytes long, holding an empty field 1 (resource).
    const valid = Buffer.from([0x0a, 0x02, 0x0a, 0x00]);

    it('accepts top-level resource_spans, and unknown fields next to them', () => {
      expect(checkProtoRequest(valid)).toBeUndefined();
      // An unknown field 2, varint 150.
      expect(
        checkProtoRequest(Buffer.concat([valid, Buffer.from([0x10, 0x96, 0x01])])),
      ).toBeUndefined();
    });

    it.each([
      [[], 'empty protobuf message'],
      [[0x0a, 0x05, 0x0a], 'field 1 at byte 0 runs past the end (3 bytes)'],
      [[0x0a, 0x80], 'truncated length at byte 1'],
      [[0x10, 0x01], 'no resource_spans (field 1)'],
      [[0x08, 0x01], 'field 1 at byte 0 is not length-delimited'],
      [[0x0b], 'unexpected wire type 3 at byte 0'],
      [[0x00], 'field number 0 at byte 0'],
      [[...Buffer.from('{"resourceSpans":[]}')], 'unexpected wire type 3 at byte 0'],
    ])('rejects %j: %s', (bytes, reason) => {
      const got = checkProtoRequest(Buffer.from(bytes));
      expect(got).toBe(
        bytes.length === 0 ? reason : `not a protobuf ExportTraceServiceRequest: ${reason}`,
      );
    });
  });
});
