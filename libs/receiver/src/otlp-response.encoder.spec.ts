import { JsonTraceSerializer, ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer';
import { decodeRetryStatus } from '../test/grpc-status.decoder';
import {
  clipMessage,
  encodeExportResponse,
  encodeRetryStatus,
  encodeStatus,
  RPC_CODES,
} from './otlp-response.encoder';

/** google.rpc.Status, read by hand: the SDK has no decoder for it. */
function readStatus(buf: Buffer): { code: number; message: string } {
  let i = 0;
  let code = 0;
  let message = '';
  while (i < buf.length) {
    const tag = buf[i++];
    if (tag === 0x08) code = buf[i++];
    else if (tag === 0x12) {
      const len = buf[i++];
      message = buf.subarray(i, i + len).toString('utf8');
      i += len;
    } else throw new Error(`unexpected tag ${tag}`);
  }
  return { code, message };
}

describe('OTLP response encoding', () => {
  it('writes the empty success response', () => {
    expect(encodeExportResponse('otlp_proto')).toHaveLength(0);
    expect(encodeExportResponse('otlp_json').toString()).toBe('{}');
    expect(encodeExportResponse('otlp_proto', { rejectedSpans: 0, errorMessage: '' })).toHaveLength(
      0,
    );
  });

  it('writes partial success as the OpenTelemetry SDK reads it', () => {
    const partial = { rejectedSpans: 3, errorMessage: 'span 3 has no trace id; ünïcode' };
    expect(
      ProtobufTraceSerializer.deserializeResponse(encodeExportResponse('otlp_proto', partial)),
    ).toEqual({ partialSuccess: partial });
    expect(
      JsonTraceSerializer.deserializeResponse(encodeExportResponse('otlp_json', partial)),
    ).toEqual({ partialSuccess: { rejectedSpans: '3', errorMessage: partial.errorMessage } });
  });

  it('writes counts past 32 bits and a warning without rejected spans', () => {
    expect(
      ProtobufTraceSerializer.deserializeResponse(
        encodeExportResponse('otlp_proto', { rejectedSpans: 2 ** 40 + 5, errorMessage: '' }),
      ),
    ).toEqual({ partialSuccess: { rejectedSpans: 2 ** 40 + 5 } });
    expect(
      ProtobufTraceSerializer.deserializeResponse(
        encodeExportResponse('otlp_proto', { rejectedSpans: 0, errorMessage: 'use gzip' }),
      ),
    ).toEqual({ partialSuccess: { errorMessage: 'use gzip' } });
    expect(() =>
      encodeExportResponse('otlp_proto', { rejectedSpans: -1, errorMessage: '' }),
    ).toThrow(RangeError);
  });

  it('writes google.rpc.Status bodies in both encodings', () => {
    expect(readStatus(encodeStatus('otlp_proto', RPC_CODES.invalidArgument, 'bad'))).toEqual({
      code: 3,
      message: 'bad',
    });
    expect(
      JSON.parse(encodeStatus('otlp_json', RPC_CODES.unavailable, 'later').toString()),
    ).toEqual({ code: 14, message: 'later' });
  });

  it('writes the gRPC retry status: google.rpc.Status with a RetryInfo detail', () => {
    const message = 'the spans cannot be accepted right now; ünïcode';
    expect(
      decodeRetryStatus(encodeRetryStatus(RPC_CODES.resourceExhausted, message, 2500)),
    ).toEqual({
      code: 8,
      message,
      detailTypes: ['type.googleapis.com/google.rpc.RetryInfo'],
      retryDelayMs: 2500,
    });
    // Whole seconds leave nanos out; a long message needs a multi-byte length.
    const long = 'x'.repeat(1000);
    expect(decodeRetryStatus(encodeRetryStatus(RPC_CODES.unavailable, long, 3000))).toMatchObject({
      code: 14,
      message: long,
      retryDelayMs: 3000,
    });
    expect(() => encodeRetryStatus(RPC_CODES.unavailable, 'x', -1)).toThrow(RangeError);
    expect(() => encodeRetryStatus(RPC_CODES.unavailable, 'x', 1.5)).toThrow(RangeError);
  });

  it('clips long messages and says how long they were', () => {
    expect(clipMessage('short')).toBe('short');
    const clipped = clipMessage('y'.repeat(5000));
    expect(clipped).toBe(`${'y'.repeat(2000)}… (5000 chars)`);
  });
});
