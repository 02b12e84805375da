import type { Span } from '@t2t/domain';
import {
  encodingFromContentType,
  HEADERS,
  type OtlpEncoding,
  type SourceRecord,
} from '@t2t/messaging';
import {
  attributesToStringMap,
  type DecodedRequests,
  decodeTraceRequestJson,
  decodeTraceRequestProto,
  OtlpDecodeError,
} from '@t2t/otlp';
import type { SpanRow } from '@t2t/storage';
import type { RecordSpan } from '@t2t/wire';
import { SpanRowMapper } from './span-row.mapper';
import { type RejectReason, type RepairReason, validateSpans } from './span.validator';

/** Why a whole message goes to the dead-letter topic. */
export type DeadMessageReason = 'oversized' | 'undecodable' | 'empty';

/** One `otlp_spans` message after decoding and validation: what to store, re-key and dead-letter. */
export type PreparedMessage =
  | { kind: 'dead'; reason: DeadMessageReason; detail: string; bytes: number }
  | {
      kind: 'spans';
      encoding: OtlpEncoding;
      bytes: number;
      rows: SpanRow[];
      /** Record spans grouped by trace id, in arrival order. */
      byTrace: Map<string, RecordSpan[]>;
      rejected: { span: Span; reason: RejectReason; detail: string }[];
      repairs: Partial<Record<RepairReason, number>>;
    };

export interface PreparerOptions {
  defaultEncoding: OtlpEncoding;
  maxMessageBytes: number;
  maxFutureSkewMs: number;
  /** Clock, injectable for tests. */
  now?: () => number;
  /**
   * Spans the receiver of this process already decoded from a record's value (the in-process
   * transport delivers the Buffer it produced): taken instead of decoding the value again.
   */
  decoded?: DecodedRequests;
}

function headerString(v: Buffer | string | (Buffer | string)[] | undefined): string | undefined {
  if (v === undefined) return undefined;
  const first = Array.isArray(v) ? v[0] : v;
  return first === undefined ? undefined : first.toString();
}

/** Decode + validate + map, for one message. Pure apart from the clock; never throws on input. */
export class OtlpMessagePreparer {
  private readonly mapper = new SpanRowMapper();

  constructor(private readonly options: PreparerOptions) {}

  prepare(record: SourceRecord): PreparedMessage {
    const value = record.value;
    const bytes = value?.length ?? 0;
    if (!value || bytes === 0)
      return { kind: 'dead', reason: 'empty', detail: 'message has no value', bytes };
    if (bytes > this.options.maxMessageBytes) {
      return {
        kind: 'dead',
        reason: 'oversized',
        detail: `message of ${bytes} bytes exceeds INGEST_MAX_MESSAGE_BYTES (${this.options.maxMessageBytes})`,
        bytes,
      };
    }
    const encoding =
      encodingFromContentType(headerString(record.headers[HEADERS.contentType])) ??
      this.options.defaultEncoding;
    let spans: Span[] | undefined = this.options.decoded?.take(value);
    try {
      spans ??=
        encoding === 'otlp_json' ? decodeTraceRequestJson(value) : decodeTraceRequestProto(value);
    } catch (e) {
      if (!(e instanceof OtlpDecodeError)) throw e;
      return {
        kind: 'dead',
        reason: 'undecodable',
        detail: `cannot decode as ${encoding}: ${e.message}`,
        bytes,
      };
    }
    const nowMs = (this.options.now ?? Date.now)();
    const validation = validateSpans(spans, {
      nowUnixNano: BigInt(nowMs) * 1_000_000n,
      maxFutureSkewNano: BigInt(this.options.maxFutureSkewMs) * 1_000_000n,
    });
    const rows: SpanRow[] = [];
    const byTrace = new Map<string, RecordSpan[]>();
    for (const v of validation.accepted) {
      const attributes = attributesToStringMap(v.span.attributes);
      rows.push(this.mapper.toRow(v, attributes));
      const list = byTrace.get(v.span.traceId);
      const rs = this.mapper.toRecordSpan(v, attributes);
      if (list) list.push(rs);
      else byTrace.set(v.span.traceId, [rs]);
    }
    return {
      kind: 'spans',
      encoding,
      bytes,
      rows,
      byTrace,
      rejected: validation.rejected,
      repairs: validation.repairs,
    };
  }
}
