import {
  grpcReceiverEnv,
  grpcReceiverEnvProblems,
  kafkaIntakeEnv,
  receiverEnv,
  receiverEnvProblems,
} from './receiver.env';

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
      maxBacklogBytes: 256 * 1024 * 1024,
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

  it("defaults the OTLP/gRPC receiver to port 4317 on every interface, with HTTP's limits", () => {
    expect(grpcReceiverEnv.parse({})).toEqual({
      enabled: true,
      host: '0.0.0.0',
      port: 4317,
      maxReceiveBytes: 64 * 1024 * 1024,
      maxInFlightBytes: 256 * 1024 * 1024,
      intakeTimeoutMs: 5_000,
      drainTimeoutMs: 10_000,
    });
    expect(grpcReceiverEnvProblems(grpcReceiverEnv.parse({}))).toEqual([]);
    expect(() => grpcReceiverEnv.parse({ OTLP_GRPC_PORT: '-1' })).toThrow(/OTLP_GRPC_PORT/);
  });

  it('refuses a gRPC in-flight budget smaller than one message', () => {
    const config = grpcReceiverEnv.parse({
      OTLP_GRPC_MAX_RECEIVE_BYTES: '4096',
      OTLP_GRPC_MAX_IN_FLIGHT_BYTES: '2048',
    });
    expect(grpcReceiverEnvProblems(config)).toEqual([
      {
        key: 'OTLP_GRPC_MAX_IN_FLIGHT_BYTES',
        problem:
          '2048 is below OTLP_GRPC_MAX_RECEIVE_BYTES (4096): a request of the allowed size could never be handed to the intake',
      },
    ]);
  });
});
