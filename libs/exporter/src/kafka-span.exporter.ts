import { context, diag } from '@opentelemetry/api';
import { type ExportResult, ExportResultCode, suppressTracing } from '@opentelemetry/core';
import { JsonTraceSerializer, ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer';
import type { ReadableSpan, SpanExporter } from '@opentelemetry/sdk-trace-base';
import {
  assertTopicName,
  type Compression,
  CONTENT_TYPES,
  HEADERS,
  type MessageProducer,
  type MessagingClient,
  type OtlpEncoding,
  type OutgoingMessage,
  TOPICS,
} from '@t2t/messaging';

export interface KafkaSpanExporterOptions {
  /**
   * Client to create the producer from. The exporter then owns the producer: it connects on the
   * first export (and again after a failed attempt) and disconnects in `shutdown()`. Give exactly
   * one of `kafka` and `producer`.
   */
  kafka?: MessagingClient;
  /**
   * A producer the caller owns and has connected; the exporter only sends with it and never
   * disconnects it. Producers of the messaging port partition keys like Java clients do, so trace
   * ids land where a Java producer would put them.
   */
  producer?: MessageProducer;
  /** Topic to write to. Default `otlp_spans`, the topic ingest reads. */
  topic?: string;
  /** Value encoding: `otlp_proto` (default; smaller, what the Collector writes) or `otlp_json`. */
  encoding?: OtlpEncoding;
  /**
   * Record batch compression. Default gzip: every record repeats its resource and scope, and the
   * batch compresses that repetition away (typically 5-10x smaller on the wire and on disk); gzip
   * is the one codec every Kafka client reads without a plug-in. The CPU cost is paid on the
   * BatchSpanProcessor's background export, not on the request path.
   */
  compression?: Compression;
  /**
   * Acknowledgements to wait for. Default -1 (all in-sync replicas): SUCCESS then means the
   * spans survive a broker failure. 0 is not offered, since a failure could never be reported.
   */
  acks?: -1 | 1;
  /** How long the broker may take to acknowledge one produce request, in ms. Default 30000. */
  timeoutMs?: number;
}

/** Why an export failed, with how much was lost; the cause is the producer's error. */
export class KafkaSpanExportError extends Error {
  constructor(
    readonly spans: number,
    readonly traces: number,
    readonly topic: string,
    cause: unknown,
  ) {
    super(
      `could not export ${spans} span(s) of ${traces} trace(s) to Kafka topic ${topic}: ${
        cause instanceof Error ? cause.message : String(cause)
      }`,
      { cause },
    );
    this.name = 'KafkaSpanExportError';
  }
}

const SERIALIZERS = {
  otlp_proto: { serializer: ProtobufTraceSerializer, contentType: CONTENT_TYPES.otlpProto },
  otlp_json: { serializer: JsonTraceSerializer, contentType: CONTENT_TYPES.otlpJson },
} as const;

/**
 * OpenTelemetry SDK span exporter that writes OTLP `ExportTraceServiceRequest`s to Kafka, one
 * record per trace and export call, keyed by the trace id. Keying by trace id keeps the spans of a
 * trace on one partition, so downstream stages see a trace's pieces in order.
 *
 * Failures (broker unreachable, topic missing, record too large) are reported to the caller as
 * FAILED with a `KafkaSpanExportError` naming how many spans were lost; `export` never throws.
 */
export class KafkaSpanExporter implements SpanExporter {
  private readonly producer: MessageProducer;
  private readonly ownsProducer: boolean;
  private readonly topic: string;
  private readonly encoding: OtlpEncoding;
  private readonly compression: Compression;
  private readonly acks: -1 | 1;
  private readonly timeoutMs: number | undefined;
  /** Shared by concurrent exports; cleared on failure so the next export tries again. */
  private connecting: Promise<void> | undefined;
  /** Exports whose callback has not run yet; forceFlush and shutdown wait for them. */
  private readonly pending = new Set<Promise<void>>();
  private stopping: Promise<void> | undefined;

  constructor(options: KafkaSpanExporterOptions) {
    if (!options.kafka === !options.producer) {
      throw new Error('KafkaSpanExporter needs exactly one of `kafka` and `producer`');
    }
    this.topic = options.topic ?? TOPICS.spans;
    assertTopicName(this.topic);
    this.encoding = options.encoding ?? 'otlp_proto';
    if (!(this.encoding in SERIALIZERS)) {
      throw new Error(`KafkaSpanExporter: unknown encoding "${String(this.encoding)}"`);
    }
    this.compression = options.compression ?? 'gzip';
    this.acks = options.acks ?? -1;
    this.timeoutMs = options.timeoutMs;
    this.ownsProducer = !options.producer;
    // The port's producers partition keys with Java-compatible murmur2: a trace id maps to the
    // same partition from any client.
    this.producer = options.producer ?? options.kafka!.producer();
  }

  export(spans: ReadableSpan[], resultCallback: (result: ExportResult) => void): void {
    if (this.stopping) {
      resultCallback({
        code: ExportResultCode.FAILED,
        error: new KafkaSpanExportError(
          spans.length,
          countTraces(spans),
          this.topic,
          new Error('the exporter is shut down'),
        ),
      });
      return;
    }
    const task = this.send(spans)
      .then(
        (): ExportResult => ({ code: ExportResultCode.SUCCESS }),
        (e: unknown): ExportResult => ({
          code: ExportResultCode.FAILED,
          error: new KafkaSpanExportError(spans.length, countTraces(spans), this.topic, e),
        }),
      )
      .then((result) => {
        try {
          resultCallback(result);
        } catch (e) {
          // A throwing callback must not become an unhandled rejection in the host application.
          diag.error('KafkaSpanExporter: the export result callback threw', e);
        }
      });
    this.pending.add(task);
    void task.finally(() => this.pending.delete(task));
  }

  /** Resolves when every export started before the call has been acknowledged or has failed. */
  async forceFlush(): Promise<void> {
    await Promise.all([...this.pending]);
  }

  /** Refuses new exports, waits for the pending ones, then disconnects the producer it owns. */
  shutdown(): Promise<void> {
    this.stopping ??= this.stop();
    return this.stopping;
  }

  private async stop(): Promise<void> {
    await this.forceFlush();
    if (!this.ownsProducer) return;
    try {
      await this.producer.disconnect();
    } catch (e) {
      // Nothing is left to send at this point; a failed goodbye to the broker loses no spans.
      diag.warn('KafkaSpanExporter: disconnecting the producer failed', e);
    }
  }

  private async send(spans: ReadableSpan[]): Promise<void> {
    if (spans.length === 0) return;
    const messages = this.toMessages(spans);
    // The producer's own network calls must not be traced, or an instrumented kafkajs (or net/dns)
    // would feed the exporter spans about its own exports, forever.
    await context.with(suppressTracing(context.active()), async () => {
      await this.connect();
      await this.producer.send({
        topic: this.topic,
        messages,
        acks: this.acks,
        compression: this.compression,
        timeoutMs: this.timeoutMs,
      });
    });
  }

  /** One record per trace: the request holding exactly that trace's spans, in export order. */
  private toMessages(spans: ReadableSpan[]): OutgoingMessage[] {
    const byTrace = groupByTrace(spans);
    const { serializer, contentType } = SERIALIZERS[this.encoding];
    const messages: OutgoingMessage[] = [];
    for (const [traceId, group] of byTrace) {
      const bytes = serializer.serializeRequest(group);
      if (!bytes) throw new Error(`the ${this.encoding} serializer returned nothing`);
      messages.push({
        key: traceId,
        value: Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength),
        headers: { [HEADERS.contentType]: contentType },
      });
    }
    return messages;
  }

  private connect(): Promise<void> {
    if (!this.ownsProducer) return Promise.resolve();
    this.connecting ??= this.producer.connect().catch((e: unknown) => {
      this.connecting = undefined;
      throw e;
    });
    return this.connecting;
  }
}

/** Spans grouped by trace id, groups in order of first appearance. */
export function groupByTrace(spans: readonly ReadableSpan[]): Map<string, ReadableSpan[]> {
  const byTrace = new Map<string, ReadableSpan[]>();
  for (const span of spans) {
    const traceId = span.spanContext().traceId;
    const group = byTrace.get(traceId);
    if (group) group.push(span);
    else byTrace.set(traceId, [span]);
  }
  return byTrace;
}

function countTraces(spans: readonly ReadableSpan[]): number {
  return new Set(spans.map((s) => s.spanContext().traceId)).size;
}
