import { Logger } from '@nestjs/common';
import {
  type Chunk,
  type ChunkOutput,
  type ChunkWriter,
  CONTENT_TYPES,
  HEADERS,
  type MessageProducer,
  type OutgoingMessage,
  PermanentWriteError,
  type RecordHeaders,
  type SendRequest,
  type SourceRecord,
  TimeSlicer,
} from '@t2t/messaging';
import { encodeTraceRequestJson } from '@t2t/otlp';
import type { SpanRepository, SpanRow } from '@t2t/storage';
import { encodeTraceRecord, TENANT_RECORD_HEADER } from '@t2t/wire';
import type { IngestMetrics } from './ingest.metrics';
import { SourceProgressTracker } from './pipeline/source-progress.tracker';
import type {
  OtlpMessagePreparer,
  PreparedMessage,
  TenantTrace,
} from './pipeline/otlp-message.preparer';

export interface IngestWriterOptions {
  outputTopic: string;
  dlqTopic: string;
  /** Dead-letter values above this are cut (header x-t2t-dlq-truncated holds the original size). */
  dlqMaxValueBytes: number;
  /** See INGEST_REORDER_WINDOW (default 0: none). */
  reorderWindowMs?: number;
  /** Testing only: exit with SIGKILL right after a chunk is written, before its offset is committed. */
  crashAfterWrite: boolean;
}

/**
 * ClickHouse error codes that mean "this data is refused", not "the server is unavailable":
 * retrying the same rows cannot succeed, so after a few attempts the chunk is dead-lettered.
 * (27 CANNOT_PARSE_INPUT_ASSERTION_FAILED, 6 CANNOT_PARSE_TEXT, 53 TYPE_MISMATCH, 70 CANNOT_CONVERT_TYPE,
 * 117 INCORRECT_DATA, 130 CANNOT_READ_ARRAY_FROM_TEXT, 131 TOO_LARGE_STRING_SIZE, 190 SIZES_OF_ARRAYS_DONT_MATCH)
 */
const REFUSED_DATA_CODES = new Set(['6', '27', '53', '70', '117', '130', '131', '190']);

/** Bytes per producer request; see send(). */
const SEND_BYTES = 768 * 1024;

function truncateReason(reason: string): string {
  return reason.length > 4000 ? `${reason.slice(0, 4000)}… (${reason.length} chars)` : reason;
}

/** Makes one chunk of `otlp_spans` durable: spans in ClickHouse, traces re-keyed, bad input dead-lettered. */
export class IngestChunkWriter implements ChunkWriter<PreparedMessage> {
  private readonly log = new Logger('ingest');
  /** Per source partition (`topic/partition`, bounded by the partitions this replica reads): event time reached. */
  private readonly progress: SourceProgressTracker;
  /** A chunk is up to 50,000 spans: its work is done in slices, the event loop let go between. */
  private readonly slicer = new TimeSlicer();

  constructor(
    private readonly preparer: OtlpMessagePreparer,
    private readonly spans: SpanRepository,
    private readonly producer: MessageProducer,
    private readonly metrics: IngestMetrics,
    private readonly options: IngestWriterOptions,
  ) {
    this.progress = new SourceProgressTracker(options.reorderWindowMs ?? 0);
  }

  prepare(record: SourceRecord): PreparedMessage {
    return this.preparer.prepare(record);
  }

  weight(p: PreparedMessage): { rows: number; bytes: number } {
    return { rows: p.kind === 'spans' ? p.rows.length : 0, bytes: p.bytes };
  }

  async write(chunk: Chunk<PreparedMessage>): Promise<ChunkOutput> {
    const rows: SpanRow[] = [];
    /** By tenant and trace id: two tenants' traces of the same id are two records. */
    const traces = new Map<string, TenantTrace>();
    const deadLetters: OutgoingMessage[] = [];
    for (const { record, prepared } of chunk.items) {
      if (this.slicer.due()) await this.slicer.pause();
      if (prepared.kind === 'dead') {
        deadLetters.push(
          this.toDeadLetter(
            record,
            record.value ?? Buffer.alloc(0),
            `${prepared.reason}: ${prepared.detail}`,
          ),
        );
        continue;
      }
      for (const row of prepared.rows) rows.push(row);
      for (const [key, trace] of prepared.byTrace) {
        const known = traces.get(key);
        if (known) for (const s of trace.spans) known.spans.push(s);
        else traces.set(key, { ...trace, spans: trace.spans.slice() });
      }
      if (prepared.rejected.length > 0) {
        // Only the rejected spans, re-encoded as OTLP JSON: the rest of the message is stored.
        const reason = prepared.rejected
          .map(
            (r) =>
              `span ${r.span.spanId || '(empty)'} of trace ${r.span.traceId || '(empty)'}: ${r.reason}: ${r.detail}`,
          )
          .join('; ');
        deadLetters.push(
          this.toDeadLetter(
            record,
            Buffer.from(encodeTraceRequestJson(prepared.rejected.map((r) => r.span))),
            reason,
            CONTENT_TYPES.otlpJson,
          ),
        );
      }
    }

    // How far this source has got in event time, for clustering's alignment across sources:
    // records go out in order of their traces' first span start, each stamped with the largest
    // start so far (held for messages overtaken on their way, see SourceProgressTracker), so every
    // record that follows from this source starts at or after its stamp (a stamp of the chunk's
    // largest time would let event time run past the chunk's own rest).
    const source = `${chunk.topic}/${chunk.partition}`;
    const ordered: (TenantTrace & { startNs: bigint })[] = [];
    for (const trace of traces.values()) {
      let startNs = trace.spans[0].startTimeUnixNano;
      for (const s of trace.spans) if (s.startTimeUnixNano < startNs) startNs = s.startTimeUnixNano;
      ordered.push({ ...trace, startNs });
    }
    ordered.sort((a, b) => (a.startNs < b.startNs ? -1 : a.startNs > b.startNs ? 1 : 0));
    const stamps = this.progress.stamp(
      source,
      ordered.map((t) => t.startNs),
    );
    const rekeyed: OutgoingMessage[] = [];
    for (let i = 0; i < ordered.length; i++) {
      if (this.slicer.due()) await this.slicer.pause();
      const { tenant, traceId, spans } = ordered[i];
      rekeyed.push({
        // Keyed by trace id: every record of one tenant's trace lands on one partition (another
        // tenant's trace of the same id may share it; clustering keeps the two apart).
        key: traceId,
        value: encodeTraceRecord({ traceId, spans }),
        headers: {
          [TENANT_RECORD_HEADER]: tenant,
          [HEADERS.source]: source,
          [HEADERS.sourceTime]: stamps[i].toString(),
          ...(chunk.topicPartitions === undefined
            ? {}
            : { [HEADERS.sourcePartitions]: String(chunk.topicPartitions) }),
        },
      });
    }

    await this.insert(rows, chunk.token);

    if (this.options.crashAfterWrite) {
      this.log.warn(
        `INGEST_FAULT=crash-after-write: chunk ${chunk.token} written, killing the process before the commit`,
      );
      process.kill(process.pid, 'SIGKILL');
    }
    this.metrics.chunkStored(
      chunk.items.map((i) => i.prepared),
      rekeyed.length,
    );
    // Trace records and dead letters go out with the chunk's commit (one step in the embedded
    // journal), so a chunk replayed after a crash never re-keys its traces twice there.
    return {
      produce: [
        ...this.requests(this.options.outputTopic, rekeyed),
        ...this.requests(this.options.dlqTopic, deadLetters),
      ],
    };
  }

  async deadLetter(chunk: { items: { record: SourceRecord }[] }, error: Error): Promise<void> {
    const messages = chunk.items.map(({ record }) =>
      this.toDeadLetter(record, record.value ?? Buffer.alloc(0), `write refused: ${error.message}`),
    );
    await this.send(this.options.dlqTopic, messages);
    this.metrics.chunkDeadLettered(chunk.items.length);
  }

  /**
   * Sends records in requests of at most SEND_BYTES. The Kafka client puts all records of a
   * partition from one send() into one record batch, and brokers refuse batches above message.max.bytes (1 MiB by
   * default): a chunk of 50k spans re-keys into several MB.
   */
  private async send(topic: string, messages: OutgoingMessage[]): Promise<void> {
    await Promise.all(this.requests(topic, messages).map((r) => this.producer.send(r)));
  }

  private requests(topic: string, messages: OutgoingMessage[]): SendRequest[] {
    const requests: SendRequest[] = [];
    let batch: OutgoingMessage[] = [];
    let bytes = 0;
    for (const m of messages) {
      const size = (m.value as Buffer).length + 64;
      if (batch.length > 0 && bytes + size > SEND_BYTES) {
        requests.push({ topic, messages: batch, acks: -1 });
        batch = [];
        bytes = 0;
      }
      batch.push(m);
      bytes += size;
    }
    if (batch.length > 0) requests.push({ topic, messages: batch, acks: -1 });
    return requests;
  }

  private async insert(rows: SpanRow[], token: string): Promise<void> {
    if (rows.length === 0) return;
    try {
      await this.spans.insert(rows, { dedupToken: token, pause: () => this.slicer.breathe() });
    } catch (e) {
      const code = (e as { code?: string }).code;
      if (code !== undefined && REFUSED_DATA_CODES.has(code)) {
        throw new PermanentWriteError(`ClickHouse refused the rows: ${(e as Error).message}`, {
          cause: e,
        });
      }
      throw e;
    }
  }

  private toDeadLetter(
    record: SourceRecord,
    value: Buffer,
    reason: string,
    contentType?: string,
  ): OutgoingMessage {
    const headers: RecordHeaders = { ...record.headers };
    headers[HEADERS.dlqReason] = truncateReason(reason);
    headers[HEADERS.dlqSourceTopic] = record.topic;
    headers[HEADERS.dlqSourcePartition] = String(record.partition);
    headers[HEADERS.dlqSourceOffset] = record.offset;
    headers[HEADERS.dlqSourceTimestamp] = record.timestamp;
    if (contentType) headers[HEADERS.contentType] = contentType;
    let out = value;
    if (value.length > this.options.dlqMaxValueBytes) {
      headers[HEADERS.dlqTruncated] = String(value.length);
      out = value.subarray(0, this.options.dlqMaxValueBytes);
    }
    return { key: record.key, value: out, headers };
  }
}
