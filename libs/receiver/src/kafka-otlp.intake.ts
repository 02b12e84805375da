import { Logger, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import {
  assertTopicName,
  CONTENT_TYPES,
  createKafka,
  HEADERS,
  type KafkaConfig,
  type MessageProducer,
  type MessagingClient,
  type RecordHeaders,
  TOPICS,
} from '@t2t/messaging';
import type { Span } from '@t2t/domain';
import type { DecodedRequests } from '@t2t/otlp';
import { WorkerThread, workerFile } from '@t2t/platform';
import {
  DEFAULT_TENANT_HEADER,
  type IntakeRequest,
  type IntakeResult,
  type OtlpIntake,
} from './otlp-intake.port';
import { validateOtlpPayload } from './otlp-payload.validator';
import type { KafkaIntakeConfig } from './receiver.env';

export interface KafkaOtlpIntakeOptions {
  /**
   * Client to create the producer from; the intake then owns the producer (connects it, and
   * disconnects it on shutdown). Give exactly one of `kafka` and `producer`.
   */
  kafka?: MessagingClient;
  /** A producer the caller owns and connects; the intake only sends with it. */
  producer?: MessageProducer;
  /** Default `otlp_spans`, the topic ingest consumes. */
  topic?: string;
  /** Bodies larger than this are refused as invalid. Default 8 MiB (ingest's default limit). */
  maxMessageBytes?: number;
  /** Bytes sent but not yet acknowledged beyond which requests get backpressure. Default 64 MiB. */
  maxQueuedBytes?: number;
  /** Default gzip. */
  compression?: 'gzip' | 'none';
  /** After a failed send, how long requests get backpressure at once; also the hint. Default 2 s. */
  retryAfterMs?: number;
  /** Acknowledgements to wait for; default -1 (all in-sync replicas), so "accepted" survives a broker loss. */
  acks?: -1 | 1;
  /**
   * Bodies of at least this many bytes are validated on a worker thread, so decoding a
   * Collector-sized batch (hundreds of milliseconds) does not hold up other requests and the rest
   * of the process. Default: off (everything on the caller's thread).
   */
  offloadBytes?: number;
  /**
   * Where the spans decoded for validation are left for a reader of the produced body in this
   * process (the in-process transport hands ingest the same Buffer), so it need not decode them
   * again. Bodies validated on the worker thread are not left: their spans stay on that thread.
   */
  decoded?: DecodedRequests;
  /**
   * Large JSON bodies (those validated on the worker thread) are produced as the same spans in
   * OTLP protobuf, encoded on that thread, instead of byte for byte: for a reader in this process
   * (the embedded default, where no one else reads the topic), which then decodes protobuf on its
   * event loop instead of JSON, three times faster. Default: off (records are the bodies received).
   */
  transcodeLargeJson?: boolean;
  /**
   * Where the transport holds the topic's unread records in this process (the in-process
   * transport): above this many bytes of them, requests get backpressure until the readers catch
   * up, so a sender faster than the process can store waits instead of filling memory. Default
   * 256 MiB: a safety net, not a pace. A request held back comes again later, and its traces may
   * then come after the ingest reorder window (a 16 MiB bound made 255 of 7,100 traces late in a
   * Collector-sized replay). Kafka keeps its backlog on the brokers' disks; there it does not apply.
   */
  maxBacklogBytes?: number;
  /**
   * Record header that carries a request's tenant (`TENANT_HEADER`, default `x-t2t-tenant`): the
   * one ingest reads, whoever wrote the record.
   */
  tenantHeader?: string;
}

const MiB = 1024 * 1024;

/**
 * The validation thread's young generation: what it decodes is garbage once answered, and V8's
 * default (128 MB here) only kept its heap at 187 MB instead of 105 MB, at the same speed (20
 * Collector-sized JSON bodies of 4.6 MB decoded and re-encoded: 106 and 98 ms each).
 */
const VALIDATION_YOUNG_GENERATION_MB = 32;

/** Retry-After while the topic's backlog in this process is over its bound. */
const BACKLOG_RETRY_AFTER_MS = 1000;

/** From this size on, the service's intake validates on its worker thread. */
const OFFLOAD_BYTES = 256 * 1024;

/** Broker answers that mean "this record can never fit", as opposed to "try again later". */
const TOO_LARGE = new Set(['MESSAGE_TOO_LARGE', 'RECORD_LIST_TOO_LARGE']);

/** The client wraps the broker's error in retry errors; the protocol error is somewhere in the causes. */
function protocolErrorType(e: unknown, depth = 0): string | undefined {
  if (!e || typeof e !== 'object' || depth > 5) return undefined;
  const { type, cause } = e as { type?: unknown; cause?: unknown };
  if (typeof type === 'string') return type;
  return protocolErrorType(cause, depth + 1);
}

/**
 * Produces each received request to Kafka as one record, byte for byte (large JSON bodies as
 * protobuf with `transcodeLargeJson`), with a `content-type` header (and the tenant the request named, under `TENANT_HEADER`), so ingest consumes it exactly
 * as it consumes what other producers write.
 *
 * Validation decodes the whole body with the decoder ingest uses, not a cheaper structural check:
 * "accepted" then means ingest will decode the record too. A different check would sooner or later
 * accept what ingest dead-letters, and the client, told 200, would never learn; a 400 now is the
 * only way it can. The decode also counts the spans for the metrics. It costs about 1.5 µs per
 * span for protobuf and 5 µs for JSON (libs/otlp bench: ~650k and ~200k spans/s), small next to
 * the broker round trip.
 * Span-level rules (ids, timestamps) stay with ingest, which dead-letters and counts violations, so
 * this intake never reports partial success.
 *
 * Backpressure: while the broker is unavailable (a send failed within the last `retryAfterMs`) or
 * more than `maxQueuedBytes` await acknowledgement, requests are answered with backpressure at
 * once instead of piling up in memory. Delivery is at least once: a send that times out at the
 * receiver may still land, and the client then sends the spans again.
 */
export class KafkaOtlpIntake implements OtlpIntake, OnModuleInit, OnApplicationShutdown {
  private readonly log = new Logger('otlp-kafka-intake');
  private readonly producer: MessageProducer;
  private readonly ownsProducer: boolean;
  private readonly topic: string;
  private readonly maxMessageBytes: number;
  private readonly maxQueuedBytes: number;
  private readonly compression: 'gzip' | 'none';
  private readonly retryAfterMs: number;
  private readonly acks: -1 | 1;
  private queuedBytes = 0;
  private readonly pending = new Set<Promise<unknown>>();
  private connecting: Promise<void> | undefined;
  private unavailableUntil = 0;
  private stopping: Promise<void> | undefined;
  private readonly offloadBytes: number;
  private validation: WorkerThread | undefined;
  private readonly decoded: DecodedRequests | undefined;
  private readonly transcodeLargeJson: boolean;
  private readonly maxBacklogBytes: number;
  /** Unread bytes of the topic in this process (see maxBacklogBytes); undefined for Kafka. */
  private readonly backlog: (() => number) | undefined;
  private readonly tenantHeader: string;

  /**
   * From the service's options: a client of its own, named `<client id>-otlp-http`; `decoded` as
   * in the constructor's options.
   */
  static fromConfig(
    kafka: KafkaConfig,
    options: KafkaIntakeConfig & { tenantHeader?: string },
    decoded?: DecodedRequests,
  ): KafkaOtlpIntake {
    return new KafkaOtlpIntake({
      kafka: createKafka(kafka, 'otlp-http'),
      offloadBytes: OFFLOAD_BYTES,
      ...options,
      decoded,
      // The spans' only reader is ingest in this process exactly when it takes decoded bodies.
      transcodeLargeJson: decoded !== undefined,
    });
  }

  constructor(options: KafkaOtlpIntakeOptions) {
    if (!options.kafka === !options.producer)
      throw new Error('KafkaOtlpIntake needs exactly one of `kafka` and `producer`');
    this.topic = options.topic ?? TOPICS.spans;
    assertTopicName(this.topic);
    this.maxMessageBytes = options.maxMessageBytes ?? 8 * MiB;
    this.maxQueuedBytes = options.maxQueuedBytes ?? 64 * MiB;
    this.compression = options.compression ?? 'gzip';
    this.retryAfterMs = options.retryAfterMs ?? 2000;
    this.acks = options.acks ?? -1;
    this.offloadBytes = options.offloadBytes ?? Infinity;
    this.decoded = options.decoded;
    this.transcodeLargeJson = options.transcodeLargeJson ?? false;
    this.maxBacklogBytes = options.maxBacklogBytes ?? 256 * MiB;
    const client = options.kafka;
    this.backlog = client?.backlogBytes ? () => client.backlogBytes!(this.topic) : undefined;
    this.tenantHeader = options.tenantHeader ?? DEFAULT_TENANT_HEADER;
    this.ownsProducer = !options.producer;
    this.producer =
      options.producer ??
      options.kafka!.producer({
        // A few quick retries, then the request gets backpressure and the client's own retry
        // (with its backoff) takes over; long broker-side retries would only hold memory.
        retry: { retries: 3, initialRetryTimeMs: 100, maxRetryTimeMs: 1000 },
      });
    if (this.ownsProducer)
      this.producer.onDisconnect(() => {
        this.connecting = undefined;
      });
  }

  /**
   * Connects in the background: the receiver starts even while the broker is unreachable and
   * answers 503 until it is back, rather than failing the whole service at start-up.
   */
  onModuleInit(): void {
    if (this.ownsProducer)
      this.connect().catch((e: unknown) =>
        this.log.warn(`broker not reachable yet (requests get 503 until it is): ${String(e)}`),
      );
  }

  async submit(request: IntakeRequest): Promise<IntakeResult> {
    if (this.stopping)
      return { kind: 'backpressure', retryAfterMs: this.retryAfterMs, cause: 'unavailable' };
    const { body } = request;
    if (body.length > this.maxMessageBytes)
      return {
        kind: 'invalid',
        message: `request of ${body.length} bytes exceeds the ${this.maxMessageBytes}-byte limit of a pipeline message: send smaller batches`,
      };
    const check = await this.validate(request);
    if (!check.ok) return { kind: 'invalid', message: check.message };
    const spans = check.spans;
    // Nothing to store, and an empty record would only be dead-lettered by ingest.
    if (spans === 0) return { kind: 'accepted', rejectedSpans: 0, acceptedSpans: 0 };

    const wait = this.unavailableUntil - Date.now();
    if (wait > 0) return { kind: 'backpressure', retryAfterMs: wait, cause: 'unavailable' };
    // An empty queue takes any request, so a large one is never starved by the bound.
    if (this.queuedBytes > 0 && this.queuedBytes + body.length > this.maxQueuedBytes)
      return { kind: 'backpressure', retryAfterMs: this.retryAfterMs, cause: 'overloaded' };
    // Unread records held in this process: the readers are behind; a second or so lets them catch up.
    if (this.backlog !== undefined && this.backlog() > this.maxBacklogBytes)
      return { kind: 'backpressure', retryAfterMs: BACKLOG_RETRY_AFTER_MS, cause: 'overloaded' };

    this.queuedBytes += body.length;
    if (check.decoded) this.decoded?.put(body, check.decoded);
    const send = this.send(
      check.proto
        ? {
            ...request,
            body: Buffer.from(check.proto.buffer, check.proto.byteOffset, check.proto.length),
            encoding: 'otlp_proto',
          }
        : request,
    );
    this.pending.add(send);
    try {
      await send;
      return { kind: 'accepted', rejectedSpans: 0, acceptedSpans: spans };
    } catch (e) {
      this.decoded?.take(body);
      const type = protocolErrorType(e);
      if (type && TOO_LARGE.has(type))
        return {
          kind: 'invalid',
          message: `the broker refused the request of ${body.length} bytes as too large for topic ${this.topic} (${type}): send smaller batches`,
        };
      if (Date.now() >= this.unavailableUntil)
        this.log.warn(
          `cannot produce to ${this.topic}; answering 503 for ${this.retryAfterMs} ms: ${e instanceof Error ? e.message : String(e)}`,
        );
      this.unavailableUntil = Date.now() + this.retryAfterMs;
      return { kind: 'backpressure', retryAfterMs: this.retryAfterMs, cause: 'unavailable' };
    } finally {
      this.queuedBytes -= body.length;
      this.pending.delete(send);
    }
  }

  /** Waits for sends in flight, then disconnects the producer it owns. Idempotent. */
  onApplicationShutdown(): Promise<void> {
    this.stopping ??= (async () => {
      await this.validation?.close();
      await Promise.allSettled([...this.pending]);
      if (this.ownsProducer) await this.producer.disconnect();
    })();
    return this.stopping;
  }

  /** Decodes the body (see validateOtlpPayload); large ones on the validation thread. */
  private async validate(
    request: IntakeRequest,
  ): Promise<
    | { ok: true; spans: number; decoded?: Span[]; proto?: Uint8Array }
    | { ok: false; message: string }
  > {
    if (request.body.length >= this.offloadBytes) {
      this.validation ??= new WorkerThread(
        workerFile(__filename, 'validation.worker'),
        'otlp validation',
        undefined,
        VALIDATION_YOUNG_GENERATION_MB,
      );
      return this.validation.run('validate', {
        body: request.body,
        encoding: request.encoding,
        transcode: this.transcodeLargeJson,
      });
    }
    const check = validateOtlpPayload(request);
    return check.ok ? { ok: true, spans: check.spans.length, decoded: check.spans } : check;
  }

  private async send(request: IntakeRequest): Promise<void> {
    if (this.ownsProducer) await this.connect();
    const headers: RecordHeaders = {
      [HEADERS.contentType]:
        request.encoding === 'otlp_json' ? CONTENT_TYPES.otlpJson : CONTENT_TYPES.otlpProto,
    };
    if (request.tenant !== undefined) headers[this.tenantHeader] = request.tenant;
    await this.producer.send({
      topic: this.topic,
      acks: this.acks,
      compression: this.compression,
      messages: [
        {
          value: request.body,
          timestamp: String(request.receivedAt),
          headers,
        },
      ],
    });
  }

  /** Shared by concurrent requests; forgotten on failure so the next request tries again. */
  private connect(): Promise<void> {
    this.connecting ??= this.producer.connect().catch((e: unknown) => {
      this.connecting = undefined;
      throw e;
    });
    return this.connecting;
  }
}
