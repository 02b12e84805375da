import type { OtlpEncoding } from '@t2t/messaging';

/**
 * The two bodies the receiver answers with, in the request's encoding:
 *
 * - `ExportTraceServiceResponse` (opentelemetry/proto/collector/trace/v1/trace_service.proto):
 *   field 1 `partial_success` = `ExportTracePartialSuccess` { 1 `rejected_spans` int64,
 *   2 `error_message` string }.
 * - `google.rpc.Status` for errors, as the OTLP/HTTP spec asks: 1 `code` int32, 2 `message` string
 *   (3 `details` only in the OTLP/gRPC retry status below).
 *
 * and, for OTLP/gRPC, the `grpc-status-details-bin` trailer of a retryable error: a
 * `google.rpc.Status` whose 3 `details` holds one `google.protobuf.Any` { 1 `type_url` string,
 * 2 `value` bytes } wrapping a `google.rpc.RetryInfo` { 1 `retry_delay` google.protobuf.Duration
 * { 1 `seconds` int64, 2 `nanos` int32 } }.
 *
 * Hand-written: a handful of small messages of scalar fields do not justify a protobuf runtime.
 */

export interface PartialSuccess {
  rejectedSpans: number;
  errorMessage: string;
}

/** gRPC status codes used in error bodies (google/rpc/code.proto). */
export const RPC_CODES = {
  invalidArgument: 3,
  deadlineExceeded: 4,
  notFound: 5,
  resourceExhausted: 8,
  unimplemented: 12,
  internal: 13,
  unavailable: 14,
} as const;

/** Longest message put in a response; intake messages may list many spans. */
const MAX_MESSAGE_CHARS = 2000;

/** A message cut to a length fit for a response body or a gRPC status (with the original length). */
export function clipMessage(message: string): string {
  return message.length > MAX_MESSAGE_CHARS
    ? `${message.slice(0, MAX_MESSAGE_CHARS)}… (${message.length} chars)`
    : message;
}

const WIRE_VARINT = 0;
const WIRE_LEN = 2;

/** Non-negative integers up to 2^53 (span counts); bit operators would cut them to 32 bits. */
function varint(n: number, out: number[]): void {
  let v = n;
  while (v >= 0x80) {
    out.push((v % 0x80) | 0x80);
    v = Math.floor(v / 0x80);
  }
  out.push(v);
}

function tag(field: number, wireType: number, out: number[]): void {
  varint(field * 8 + wireType, out);
}

function stringField(field: number, s: string, out: number[]): void {
  if (s === '') return;
  const bytes = Buffer.from(s, 'utf8');
  tag(field, WIRE_LEN, out);
  varint(bytes.length, out);
  for (const b of bytes) out.push(b);
}

function bytesField(field: number, bytes: ArrayLike<number>, out: number[]): void {
  tag(field, WIRE_LEN, out);
  varint(bytes.length, out);
  for (let i = 0; i < bytes.length; i++) out.push(bytes[i]);
}

function varintField(field: number, n: number, out: number[]): void {
  if (n === 0) return;
  tag(field, WIRE_VARINT, out);
  varint(n, out);
}

function checkCount(n: number): void {
  if (!Number.isSafeInteger(n) || n < 0) throw new RangeError(`not a span count: ${n}`);
}

/**
 * The success body. Without `partial` (or with nothing in it) it is the empty message / `{}`, which
 * the spec asks for when everything was accepted.
 */
export function encodeExportResponse(encoding: OtlpEncoding, partial?: PartialSuccess): Buffer {
  const empty = !partial || (partial.rejectedSpans === 0 && partial.errorMessage === '');
  if (partial) checkCount(partial.rejectedSpans);
  if (encoding === 'otlp_json') {
    if (empty) return Buffer.from('{}');
    // int64 as a decimal string, as proto3 JSON writes it (and the Collector does).
    const body: Record<string, string> = {};
    if (partial.rejectedSpans !== 0) body.rejectedSpans = String(partial.rejectedSpans);
    if (partial.errorMessage !== '') body.errorMessage = partial.errorMessage;
    return Buffer.from(JSON.stringify({ partialSuccess: body }));
  }
  if (empty) return Buffer.alloc(0);
  const inner: number[] = [];
  varintField(1, partial.rejectedSpans, inner);
  stringField(2, partial.errorMessage, inner);
  const out: number[] = [];
  tag(1, WIRE_LEN, out);
  varint(inner.length, out);
  return Buffer.concat([Buffer.from(out), Buffer.from(inner)]);
}

/** An error body (`google.rpc.Status`). */
export function encodeStatus(encoding: OtlpEncoding, code: number, message: string): Buffer {
  if (encoding === 'otlp_json') return Buffer.from(JSON.stringify({ code, message }));
  const out: number[] = [];
  varintField(1, code, out);
  stringField(2, message, out);
  return Buffer.from(out);
}

export const RETRY_INFO_TYPE_URL = 'type.googleapis.com/google.rpc.RetryInfo';

/**
 * The `google.rpc.Status` an OTLP/gRPC server puts in the `grpc-status-details-bin` trailer to say
 * a request may be retried, and when: the OTLP spec has clients retry RESOURCE_EXHAUSTED only when
 * it carries a `RetryInfo`, and wait its `retry_delay`. `code` and `message` repeat the call's
 * status, as gRPC requires. The delay is whole milliseconds.
 */
export function encodeRetryStatus(code: number, message: string, retryDelayMs: number): Buffer {
  if (!Number.isSafeInteger(retryDelayMs) || retryDelayMs < 0)
    throw new RangeError(`not a retry delay in milliseconds: ${retryDelayMs}`);
  const duration: number[] = [];
  varintField(1, Math.floor(retryDelayMs / 1000), duration);
  varintField(2, (retryDelayMs % 1000) * 1_000_000, duration);
  const retryInfo: number[] = [];
  bytesField(1, duration, retryInfo);
  const any: number[] = [];
  stringField(1, RETRY_INFO_TYPE_URL, any);
  bytesField(2, retryInfo, any);
  const out: number[] = [];
  varintField(1, code, out);
  stringField(2, message, out);
  bytesField(3, any, out);
  return Buffer.from(out);
}
