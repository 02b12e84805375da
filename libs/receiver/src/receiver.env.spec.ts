import { kafkaIntakeEnv, receiverEnv, receiverEnvProblems } from './receiver.env';

describe('receiver options', () => {
  it('defaults to the OTLP/HTTP port on every interface with bounded bodies', () => {
    expect(receiverEnv.parse({})).toEqual({
      enabled: true,
      host: '0.0.0.0',
      port: 4318,
      maxRequestBytes: 16 * 1024 * 1024,
      maxDecompressedBytes: 64 * 1024 * 1024,
      maxInFlightBytes: 256 * 1024 * 1024,
      readTimeoutMs: 30_000,
      intakeTimeoutMs: 5_000,
      idleTimeoutMs: 120_000,
      drainTimeoutMs: 10_000,
    });
    expect(kafkaIntakeEnv.parse({})).toEqual({
      topic: 'otlp_spans',
      maxMessageBytes: 8 * 1024 * 1024,
      maxQueuedBytes: 64 * 1024 * 1024,
      compression: 'gzip',
      retryAfterMs: 2000,
    });
  });

  it('names every bad key', () => {
    expect(() =>
      receiverEnv.parse({ OTLP_HTTP_PORT: '70000', OTLP_HTTP_READ_TIMEOUT: 'soon' }),
    ).toThrow(/OTLP_HTTP_PORT: 70000 is above the maximum 65535\n.*OTLP_HTTP_READ_TIMEOUT/);
    expect(() => kafkaIntakeEnv.parse({ OTLP_HTTP_KAFKA_TOPIC: 'a topic' })).toThrow(
      /OTLP_HTTP_KAFKA_TOPIC: "a topic" is not a valid Kafka topic name/,
    );
  });

  it('refuses an in-flight budget smaller than one request', () => {
    const config = receiverEnv.parse({
      OTLP_HTTP_MAX_DECOMPRESSED_BYTES: '2048',
      OTLP_HTTP_MAX_IN_FLIGHT_BYTES: '1024',
    });
    expect(receiverEnvProblems(config)).toEqual([
      {
        key: 'OTLP_HTTP_MAX_IN_FLIGHT_BYTES',
        problem:
          '1024 is below OTLP_HTTP_MAX_DECOMPRESSED_BYTES (2048): a request of the allowed size could never be read',
      },
    ]);
    expect(receiverEnvProblems(receiverEnv.parse({}))).toEqual([]);
  });
});
