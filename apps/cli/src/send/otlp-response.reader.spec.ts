import { encodeExportResponse, encodeStatus } from '@t2t/receiver';
import { readPartialSuccess, readStatusMessage } from './otlp-response.reader';

describe(readPartialSuccess.name, () => {
  it.each([
    ['protobuf', 'otlp_proto', 'application/x-protobuf'],
    ['JSON', 'otlp_json', 'application/json'],
  ] as const)('reads the partial success the receiver writes in %s', (_, encoding, type) => {
    const body = encodeExportResponse(encoding, {
      rejectedSpans: 3,
      errorMessage: 'span 2: invalid trace id',
    });
    expect(readPartialSuccess(body, type)).toEqual({
      rejectedSpans: 3,
      errorMessage: 'span 2: invalid trace id',
    });
    expect(readPartialSuccess(encodeExportResponse(encoding), type)).toEqual({
      rejectedSpans: 0,
      errorMessage: '',
    });
  });

  it('reads nothing rejected from a body it cannot read', () => {
    expect(readPartialSuccess(Buffer.from('{not json'), 'application/json')).toEqual({
      rejectedSpans: 0,
      errorMessage: '',
    });
    expect(readPartialSuccess(Buffer.from([0x0a, 0xff]), 'application/x-protobuf')).toEqual({
      rejectedSpans: 0,
      errorMessage: '',
    });
  });
});

describe(readStatusMessage.name, () => {
  it('reads google.rpc.Status in protobuf and JSON, and plain text otherwise', () => {
    expect(
      readStatusMessage(encodeStatus('otlp_proto', 3, 'bad payload'), 'application/x-protobuf'),
    ).toBe('bad payload');
    expect(readStatusMessage(encodeStatus('otlp_json', 3, 'bad payload'), 'application/json')).toBe(
      'bad payload',
    );
    expect(readStatusMessage(Buffer.from('Bad Gateway'), 'text/plain')).toBe('Bad Gateway');
  });
});
