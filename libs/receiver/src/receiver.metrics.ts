import { status as GrpcStatus } from '@grpc/grpc-js';
import type { Counter, Histogram } from 'prom-client';
import type { MetricsRegistry } from '@t2t/platform';
import type { GrpcCallOutcome, GrpcReceiverObserver } from './otlp-grpc.receiver';
import type { ReceiverObserver, RequestOutcome } from './otlp-http.receiver';

const SECONDS_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

/** The receiver's Prometheus metrics, counted once per request when it is answered. */
export class ReceiverMetrics implements ReceiverObserver {
  private readonly requests: Counter;
  private readonly bytes: Counter;
  private readonly spans: Counter;
  private readonly backpressure: Counter;
  private readonly seconds: Histogram;

  constructor(registry: MetricsRegistry, load: () => { requests: number; bytes: number }) {
    this.requests = registry.counter(
      't2t_otlp_http_requests_total',
      'OTLP/HTTP requests by status code sent (0: the client left first) and encoding (otlp_proto, otlp_json, or none when the content type was not OTLP).',
      ['status', 'encoding'],
    );
    this.bytes = registry.counter(
      't2t_otlp_http_request_bytes_total',
      'Request body bytes read: as sent (wire) and after decompression (decompressed).',
      ['stage'],
    );
    this.spans = registry.counter(
      't2t_otlp_http_spans_total',
      'Spans received: accepted by the intake, or rejected by its validation (reported to the client as partial success).',
      ['outcome'],
    );
    this.backpressure = registry.counter(
      't2t_otlp_http_backpressure_total',
      '503 answers with Retry-After, by reason: intake (it asked), intake_timeout, intake_error, in_flight (OTLP_HTTP_MAX_IN_FLIGHT_BYTES reached), draining (shutting down).',
      ['reason'],
    );
    this.seconds = registry.histogram(
      't2t_otlp_http_request_seconds',
      'Time from request headers to the answer, reading and intake included.',
      SECONDS_BUCKETS,
    );
    registry.gauge(
      't2t_otlp_http_in_flight_requests',
      'Requests being read or handed to the intake.',
      [],
      (g) => g.set(load().requests),
    );
    registry.gauge(
      't2t_otlp_http_in_flight_bytes',
      'Decompressed request bytes held (limit OTLP_HTTP_MAX_IN_FLIGHT_BYTES).',
      [],
      (g) => g.set(load().bytes),
    );
  }

  requestFinished(o: RequestOutcome): void {
    this.requests.inc({ status: String(o.status), encoding: o.encoding ?? 'none' });
    if (o.wireBytes > 0) this.bytes.inc({ stage: 'wire' }, o.wireBytes);
    if (o.bodyBytes > 0) this.bytes.inc({ stage: 'decompressed' }, o.bodyBytes);
    if (o.acceptedSpans) this.spans.inc({ outcome: 'accepted' }, o.acceptedSpans);
    if (o.rejectedSpans > 0) this.spans.inc({ outcome: 'rejected' }, o.rejectedSpans);
    if (o.backpressure) this.backpressure.inc({ reason: o.backpressure });
    this.seconds.observe(o.seconds);
  }
}

/**
 * The OTLP/gRPC receiver's Prometheus metrics, counted once per call when it is answered. Calls
 * grpc-js refuses before the handler (message too large, undecompressable, unknown method) are not
 * among them.
 */
export class GrpcReceiverMetrics implements GrpcReceiverObserver {
  private readonly calls: Counter;
  private readonly bytes: Counter;
  private readonly spans: Counter;
  private readonly backpressure: Counter;
  private readonly seconds: Histogram;

  constructor(registry: MetricsRegistry, load: () => { requests: number; bytes: number }) {
    this.calls = registry.counter(
      't2t_otlp_grpc_requests_total',
      'OTLP/gRPC Export calls by status code sent (OK, INVALID_ARGUMENT, RESOURCE_EXHAUSTED, UNAVAILABLE...; CANCELLED or DEADLINE_EXCEEDED: the client stopped waiting first).',
      ['code'],
    );
    this.bytes = registry.counter(
      't2t_otlp_grpc_request_bytes_total',
      'Request message bytes handled, after decompression.',
    );
    this.spans = registry.counter(
      't2t_otlp_grpc_spans_total',
      'Spans received: accepted by the intake, or rejected by its validation (reported to the client as partial success).',
      ['outcome'],
    );
    this.backpressure = registry.counter(
      't2t_otlp_grpc_backpressure_total',
      'Retryable refusals (RESOURCE_EXHAUSTED or UNAVAILABLE with RetryInfo), by reason: intake (it asked), intake_timeout, intake_error, in_flight (OTLP_GRPC_MAX_IN_FLIGHT_BYTES reached), draining (shutting down).',
      ['reason'],
    );
    this.seconds = registry.histogram(
      't2t_otlp_grpc_request_seconds',
      'Time from the whole request message being received to the answer (intake included).',
      SECONDS_BUCKETS,
    );
    registry.gauge(
      't2t_otlp_grpc_in_flight_requests',
      'Calls handed to the intake and not yet answered.',
      [],
      (g) => g.set(load().requests),
    );
    registry.gauge(
      't2t_otlp_grpc_in_flight_bytes',
      'Request bytes those calls hold (limit OTLP_GRPC_MAX_IN_FLIGHT_BYTES).',
      [],
      (g) => g.set(load().bytes),
    );
  }

  callFinished(o: GrpcCallOutcome): void {
    this.calls.inc({ code: GrpcStatus[o.code] ?? String(o.code) });
    if (o.bodyBytes > 0) this.bytes.inc(o.bodyBytes);
    if (o.acceptedSpans) this.spans.inc({ outcome: 'accepted' }, o.acceptedSpans);
    if (o.rejectedSpans > 0) this.spans.inc({ outcome: 'rejected' }, o.rejectedSpans);
    if (o.backpressure) this.backpressure.inc({ reason: o.backpressure });
    this.seconds.observe(o.seconds);
  }
}
