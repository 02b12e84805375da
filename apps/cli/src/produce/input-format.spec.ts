import { ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer';
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import { CONTENT_TYPE, formatFromName, sniffFormat } from './input-format';

function protobufRequest(): Buffer {
  const memory = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(memory)] });
  provider.getTracer('spec').startSpan('GET /').end();
  return Buffer.from(ProtobufTraceSerializer.serializeRequest(memory.getFinishedSpans())!);
}

describe('input format detection', () => {
  it.each([
    ['traces.json', 'otlp_json'],
    ['dir/TRACES.JSON', 'otlp_json'],
    ['a.jsonl', 'jsonl'],
    ['a.ndjson', 'jsonl'],
    ['a.pb', 'otlp_proto'],
    ['a.bin', 'otlp_proto'],
    ['a.protobuf', 'otlp_proto'],
    ['archive.json.gz', undefined],
    ['README.md', undefined],
    ['no-extension', undefined],
    ['.json', undefined],
  ])('reads the format of %s from its name as %s', (name, format) => {
    expect(formatFromName(name)).toBe(format);
  });

  it('maps every format to its content-type header', () => {
    expect(CONTENT_TYPE).toEqual({
      otlp_json: 'application/json',
      jsonl: 'application/json',
      otlp_proto: 'application/x-protobuf',
    });
  });

  describe('by content (stdin, unknown extensions)', () => {
    it('recognizes a protobuf request, although it starts with a newline byte', () => {
      const pb = protobufRequest();
      expect(pb[0]).toBe(0x0a);
      expect(sniffFormat(pb)).toBe('otlp_proto');
    });

    it('takes JSON that parses as a whole as one document, also pretty-printed', () => {
      expect(sniffFormat(Buffer.from('{"resourceSpans":[]}\n'))).toBe('otlp_json');
      expect(sniffFormat(Buffer.from('\ufeff{\n  "resourceSpans": []\n}\n'))).toBe('otlp_json');
    });

    it('takes several documents, one per line, as JSON Lines', () => {
      expect(sniffFormat(Buffer.from('{"resourceSpans":[]}\n{"resourceSpans":[]}\n'))).toBe(
        'jsonl',
      );
      expect(sniffFormat(Buffer.from('\n{"resourceSpans":[]}\n{broken\n'))).toBe('jsonl');
    });

    it('takes broken JSON whose first line is no document as one document (one error, not many)', () => {
      expect(sniffFormat(Buffer.from('{\n  "resourceSpans": [\n'))).toBe('otlp_json');
    });

    it('takes anything else as protobuf, for the protobuf check to explain', () => {
      expect(sniffFormat(Buffer.from('hello'))).toBe('otlp_proto');
    });
  });
});
