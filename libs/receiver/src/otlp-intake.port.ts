/**
 * The receivers' next hop. A receiver speaks its protocol, OTLP/HTTP or OTLP/gRPC (limits,
 * decompression, status codes); an intake decides what happens to a request's spans: produce them
 * to Kafka, hand them to an in-process ingest, record them in a test. The receivers know nothing
 * else about it.
 */

import { tenantEnv } from '@t2t/wire';

/** `TENANT_HEADER`'s default, for receivers and intakes built without the option. */
export const DEFAULT_TENANT_HEADER = tenantEnv.parse({}).header;

/** One decompressed OTLP `ExportTraceServiceRequest`, as the client sent it. */
export interface IntakeRequest {
  /** The request body after decompression (HTTP or gRPC); not decoded. The intake must not modify it. */
  body: Buffer;
  encoding: 'otlp_proto' | 'otlp_json';
  /**
   * When the receiver started reading the request (OTLP/gRPC: when the whole message had arrived),
   * in Unix milliseconds.
   */
  receivedAt: number;
  /**
   * The tenant the request names (OTLP/HTTP header or gRPC metadata `TENANT_HEADER`), already
   * checked to be a well-formed tenant name; absent when it names none (ingest then looks at the
   * resources' tenant attribute).
   */
  tenant?: string;
}

export type IntakeResult =
  /**
   * The spans are durable as far as the intake's guarantees go; the client is told it may drop
   * them. `rejectedSpans` of them failed validation and will never be stored (partial success;
   * `message` says why). A message with `rejectedSpans: 0` is passed to the client as a warning.
   */
  | {
      kind: 'accepted';
      rejectedSpans: number;
      message?: string;
      /**
       * Spans taken, not counting the rejected ones, when the intake decoded the request (for the
       * receiver's metrics); left out when unknown.
       */
      acceptedSpans?: number;
    }
  /** Temporarily unable to take more (broker down, queue full): the client retries after the hint. */
  | { kind: 'backpressure'; retryAfterMs: number; cause?: BackpressureCause }
  /** The payload itself is wrong (does not decode, too large for the destination): retrying cannot help. */
  | { kind: 'invalid'; message: string };

/**
 * Why an intake cannot take a request now, for protocols that tell the two apart (OTLP/gRPC
 * answers RESOURCE_EXHAUSTED and UNAVAILABLE; OTLP/HTTP answers 503 to both):
 * - `overloaded`: the intake works but is full (its queue is at its bound); it drains by itself.
 * - `unavailable`: where the spans go cannot be reached (broker down), or the intake is stopping.
 * Left out, a receiver takes it as `unavailable`, which every OTLP client retries.
 */
export type BackpressureCause = 'overloaded' | 'unavailable';

export interface OtlpIntake {
  /**
   * Resolves once the request is handled. Should not throw: a rejection is answered with 503 or
   * UNAVAILABLE (the client retries, so an intake that throws for a given payload makes that client
   * retry it to its limit). The receivers stop calling this before their module is destroyed; an
   * intake releases its resources in `onApplicationShutdown`, which Nest runs after every
   * `onModuleDestroy`.
   */
  submit(request: IntakeRequest): Promise<IntakeResult>;
}
