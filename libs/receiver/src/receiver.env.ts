import {
  bool,
  type ConfigOf,
  defineEnv,
  duration,
  type EnvProblem,
  int,
  oneOf,
  str,
} from '@t2t/config';
import { TOPICS } from '@t2t/messaging';

const MiB = 1024 * 1024;

/** The OTLP/HTTP trace receiver's options (the HTTP side; where spans go is the intake's business). */
export const receiverEnv = defineEnv('otlp-http', {
  enabled: bool({
    key: 'OTLP_HTTP_ENABLED',
    default: true,
    doc: 'Serve `POST /v1/traces` (OTLP/HTTP, protobuf and JSON) on its own port.',
  }),
  host: str({
    key: 'OTLP_HTTP_HOST',
    default: '0.0.0.0',
    doc: 'Interface the OTLP/HTTP receiver binds to.',
  }),
  port: int({
    key: 'OTLP_HTTP_PORT',
    default: 4318,
    min: 0,
    max: 65535,
    doc: 'Port of the OTLP/HTTP receiver (4318 is the OTLP/HTTP default); 0 picks a free port (printed at start-up).',
  }),
  maxRequestBytes: int({
    key: 'OTLP_HTTP_MAX_REQUEST_BYTES',
    default: 16 * MiB,
    min: 1024,
    unit: 'bytes',
    doc: 'Largest request body as sent (before decompression); larger requests get 413.',
  }),
  maxDecompressedBytes: int({
    key: 'OTLP_HTTP_MAX_DECOMPRESSED_BYTES',
    default: 64 * MiB,
    min: 1024,
    unit: 'bytes',
    doc: 'Largest request body after decompression; decompression stops there and the request gets 413 (a gzip bomb costs at most this much memory).',
  }),
  maxInFlightBytes: int({
    key: 'OTLP_HTTP_MAX_IN_FLIGHT_BYTES',
    default: 256 * MiB,
    min: 1024,
    unit: 'bytes',
    doc: 'Decompressed bytes all requests being read or handed to the intake may hold together; beyond it requests get 503 with `Retry-After`. At least `OTLP_HTTP_MAX_DECOMPRESSED_BYTES`.',
  }),
  readTimeoutMs: duration({
    key: 'OTLP_HTTP_READ_TIMEOUT',
    default: 30_000,
    min: 100,
    doc: 'A request (headers and body) must arrive within this; slower clients get 408 and the connection is closed.',
  }),
  intakeTimeoutMs: duration({
    key: 'OTLP_HTTP_INTAKE_TIMEOUT',
    default: 5_000,
    min: 100,
    doc: "How long the intake may take to accept a request before the client gets 503 with `Retry-After` (keep it below the clients' export timeout: 10s for the OpenTelemetry SDKs).",
  }),
  idleTimeoutMs: duration({
    key: 'OTLP_HTTP_IDLE_TIMEOUT',
    default: 120_000,
    min: 1000,
    doc: "Idle keep-alive connections are closed after this. Longer than the Collector's 90s idle-connection timeout, so that client closes first; a client that sends as the receiver closes sees a reset and retries.",
  }),
  drainTimeoutMs: duration({
    key: 'OTLP_HTTP_DRAIN_TIMEOUT',
    default: 10_000,
    min: 0,
    doc: 'On shutdown, how long requests in flight may take to finish after the receiver stops accepting; then their connections are cut.',
  }),
});

export type ReceiverConfig = ConfigOf<typeof receiverEnv>;

/** Rules across the receiver's options, for a service's `composeEnv` check (and checked at start). */
export function receiverEnvProblems(c: ReceiverConfig): EnvProblem[] {
  const problems: EnvProblem[] = [];
  if (c.maxInFlightBytes < c.maxDecompressedBytes)
    problems.push({
      key: 'OTLP_HTTP_MAX_IN_FLIGHT_BYTES',
      problem: `${c.maxInFlightBytes} is below OTLP_HTTP_MAX_DECOMPRESSED_BYTES (${c.maxDecompressedBytes}): a request of the allowed size could never be read`,
    });
  return problems;
}

/**
 * The OTLP/gRPC trace receiver's options (`TraceService/Export`; it hands requests to the same
 * intake as the OTLP/HTTP receiver).
 */
export const grpcReceiverEnv = defineEnv('otlp-grpc', {
  enabled: bool({
    key: 'OTLP_GRPC_ENABLED',
    default: true,
    doc: 'Serve OTLP/gRPC (`opentelemetry.proto.collector.trace.v1.TraceService/Export`) on its own port.',
  }),
  host: str({
    key: 'OTLP_GRPC_HOST',
    default: '0.0.0.0',
    doc: 'Interface the OTLP/gRPC receiver binds to.',
  }),
  port: int({
    key: 'OTLP_GRPC_PORT',
    default: 4317,
    min: 0,
    max: 65535,
    doc: 'Port of the OTLP/gRPC receiver (4317 is the OTLP/gRPC default); 0 picks a free port (printed at start-up).',
  }),
  maxReceiveBytes: int({
    key: 'OTLP_GRPC_MAX_RECEIVE_BYTES',
    default: 64 * MiB,
    min: 1024,
    unit: 'bytes',
    doc: 'Largest request message, as sent and after gzip/deflate decompression (decompression stops there); larger ones get RESOURCE_EXHAUSTED without RetryInfo, which OTLP clients do not retry.',
  }),
  maxInFlightBytes: int({
    key: 'OTLP_GRPC_MAX_IN_FLIGHT_BYTES',
    default: 256 * MiB,
    min: 1024,
    unit: 'bytes',
    doc: 'Decompressed bytes of the requests handed to the intake and not yet answered, together; beyond it requests get RESOURCE_EXHAUSTED with RetryInfo. At least `OTLP_GRPC_MAX_RECEIVE_BYTES`.',
  }),
  intakeTimeoutMs: duration({
    key: 'OTLP_GRPC_INTAKE_TIMEOUT',
    default: 5_000,
    min: 100,
    doc: "How long the intake may take to accept a request before the client gets UNAVAILABLE with RetryInfo (keep it below the clients' export timeout: 10s for the OpenTelemetry SDKs).",
  }),
  drainTimeoutMs: duration({
    key: 'OTLP_GRPC_DRAIN_TIMEOUT',
    default: 10_000,
    min: 0,
    doc: 'On shutdown, how long calls in flight may take to finish after the receiver stops accepting; then their connections are cut.',
  }),
});

export type GrpcReceiverConfig = ConfigOf<typeof grpcReceiverEnv>;

/** Rules across the OTLP/gRPC receiver's options, for a service's `composeEnv` check (and checked at start). */
export function grpcReceiverEnvProblems(c: GrpcReceiverConfig): EnvProblem[] {
  if (c.maxInFlightBytes >= c.maxReceiveBytes) return [];
  return [
    {
      key: 'OTLP_GRPC_MAX_IN_FLIGHT_BYTES',
      problem: `${c.maxInFlightBytes} is below OTLP_GRPC_MAX_RECEIVE_BYTES (${c.maxReceiveBytes}): a request of the allowed size could never be handed to the intake`,
    },
  ];
}

const topicName = {
  pattern: /^[A-Za-z0-9._-]{1,249}$/,
  patternHint: 'is not a valid Kafka topic name',
};

/** Options of the Kafka intake: where received requests are produced to. */
export const kafkaIntakeEnv = defineEnv('otlp-http-kafka', {
  topic: str({
    key: 'OTLP_HTTP_KAFKA_TOPIC',
    default: TOPICS.spans,
    ...topicName,
    doc: 'Topic each received request is produced to, as one record (the topic ingest consumes).',
  }),
  maxMessageBytes: int({
    key: 'OTLP_HTTP_KAFKA_MAX_MESSAGE_BYTES',
    default: 8 * MiB,
    min: 1024,
    unit: 'bytes',
    doc: 'Decompressed requests larger than this are refused with 400 (ingest dead-letters records above `INGEST_MAX_MESSAGE_BYTES`, 8 MiB by default); keep the two equal.',
  }),
  maxQueuedBytes: int({
    key: 'OTLP_HTTP_KAFKA_MAX_QUEUED_BYTES',
    default: 64 * MiB,
    min: 1024,
    unit: 'bytes',
    doc: "Bytes of requests waiting for the broker's acknowledgement; beyond it requests get 503 with `Retry-After` (the producer queue is full).",
  }),
  maxBacklogBytes: int({
    key: 'OTLP_HTTP_EMBEDDED_MAX_BACKLOG_BYTES',
    default: 256 * MiB,
    min: 1024,
    unit: 'bytes',
    doc: 'Embedded default (no `KAFKA_BROKERS`): bytes of received requests ingest has not stored yet; beyond it requests get 503 with `Retry-After: 1`, so a sender faster than the process can store waits instead of filling its memory.',
  }),
  compression: oneOf({
    key: 'OTLP_HTTP_KAFKA_COMPRESSION',
    default: 'gzip',
    values: ['gzip', 'none'] as const,
    doc: "Record batch compression. The broker's `max.message.bytes` applies to the compressed batch, and OTLP compresses 5-10x.",
  }),
  retryAfterMs: duration({
    key: 'OTLP_HTTP_KAFKA_RETRY_AFTER',
    default: 2_000,
    min: 0,
    doc: 'After a failed send (broker unavailable), requests get 503 at once for this long, with it as `Retry-After`, instead of each waiting for the broker.',
  }),
});

export type KafkaIntakeConfig = ConfigOf<typeof kafkaIntakeEnv>;
