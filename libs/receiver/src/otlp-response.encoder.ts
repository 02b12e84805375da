import type { OtlpEncoding } from '@t2t/messaging';

/**
 * The two bodies the receiver answers with, in the request's encoding:
 *
 * - `ExportTraceServiceResponse` (opentelemetry/proto/collector/trace/v1/trace_service.proto):
 *   field 1 `partial_success` = `ExportTracePartialSuccess` { 1 `rejected_spans` int64,
 *   2 `error_message` string }.
 * - `google.rpc.Status` for errors, as the OTLP/HTTP spec asks: 1 `code` int32, 2 `message` string
 *   (3 `details` is never sent).
 *
 * Hand-written: two messages of two scalar fields each do not justify a protobuf runtime.
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
