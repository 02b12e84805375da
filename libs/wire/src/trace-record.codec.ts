/**
 * The record ingest writes to `spans_by_trace` and clustering reads: the spans of ONE trace from
 * one ingest batch, in a compact binary form. Clustering reads far more of these than anything
 * else, so the format favours cheap decoding and small size over generality:
 *
 *   'T' 'R' version(1)  traceId(16 raw bytes)
 *   strings: varint n, then n × (varint byteLength, UTF-8)      — every string once per record
 *   spans:   varint n, then per span:
 *     spanId(8) flags(1: bit0 has parent) [parentSpanId(8)]
 *     name(str#) kind(1) service(str#) start(u64 LE ns) duration(varint ns) status(1) statusMessage(str#)
 *     attributes: varint n, n × (key str#, value str#)
 *     events:     varint n, n × (name str#, offset from start varint ns)
 *     links:      varint n, n × (traceId(16) spanId(8))
 *
 * Attribute values are the strings the `spans` table stores (see libs/otlp attributeValueToString),
 * so clustering sees exactly what ClickHouse holds. Durations and event offsets are varints of
 * non-negative safe integers (104 days of nanoseconds); ingest repairs end < start before encoding.
 */

import { MAX_INTERNED_BYTES, Utf8Interner } from '@t2t/otlp';

export const TRACE_RECORD_VERSION = 1;

/** Strings repeat across records (services, attribute keys, routes): decode each once. */
const interner = new Utf8Interner();

/** A span as the clustering stage needs it: flat, with string attributes. */
export interface RecordSpan {
  spanId: string;
  /** '' for a root span. */
  parentSpanId: string;
  name: string;
  kind: number;
  serviceName: string;
  startTimeUnixNano: bigint;
  durationNano: number;
  statusCode: number;
  statusMessage: string;
  attributes: Record<string, string>;
  events: { name: string; offsetNano: number }[];
  links: { traceId: string; spanId: string }[];
}

export interface TraceRecord {
  /** 32 lowercase hex characters. */
  traceId: string;
  spans: RecordSpan[];
}

export class TraceRecordError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TraceRecordError';
  }
}

const HEX_VALUE = new Int8Array(128).fill(-1);
for (let i = 0; i < 10; i++) HEX_VALUE[48 + i] = i;
for (let i = 0; i < 6; i++) {
  HEX_VALUE[97 + i] = 10 + i;
  HEX_VALUE[65 + i] = 10 + i;
}

class Writer {
  buf: Buffer;
  pos = 0;

  constructor(size: number) {
    this.buf = Buffer.allocUnsafe(size);
  }

  ensure(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    const next = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.pos + n));
    this.buf.copy(next, 0, 0, this.pos);
    this.buf = next;
  }

  byte(b: number): void {
    this.ensure(1);
    this.buf[this.pos++] = b;
  }

  varint(n: number): void {
    if (!Number.isSafeInteger(n) || n < 0)
      throw new TraceRecordError(`cannot encode ${n} as a varint`);
    this.ensure(10);
    while (n >= 0x80) {
      this.buf[this.pos++] = (n % 0x80) | 0x80;
      n = Math.floor(n / 0x80);
    }
    this.buf[this.pos++] = n;
  }

  u64(n: bigint): void {
    this.ensure(8);
    this.buf.writeBigUInt64LE(n, this.pos);
    this.pos += 8;
  }

  hex(id: string, bytes: number): void {
    if (id.length !== bytes * 2)
      throw new TraceRecordError(`id "${id}" must be ${bytes * 2} hex characters`);
    this.ensure(bytes);
    for (let i = 0; i < bytes; i++) {
      const hi = HEX_VALUE[id.charCodeAt(2 * i)] ?? -1;
      const lo = HEX_VALUE[id.charCodeAt(2 * i + 1)] ?? -1;
      if (hi < 0 || lo < 0) throw new TraceRecordError(`id "${id}" is not hexadecimal`);
      this.buf[this.pos++] = (hi << 4) | lo;
    }
  }

  utf8(s: string): void {
    const len = Buffer.byteLength(s);
    this.varint(len);
    this.ensure(len);
    this.pos += this.buf.write(s, this.pos, len, 'utf8');
  }
}

/** Interns strings per record; index 0 is always ''. */
class StringTable {
  readonly list: string[] = [''];
  private readonly index = new Map<string, number>([['', 0]]);

  id(s: string): number {
    let i = this.index.get(s);
    if (i === undefined) {
      i = this.list.length;
      this.list.push(s);
      this.index.set(s, i);
    }
    return i;
  }
}

export function encodeTraceRecord(record: TraceRecord): Buffer {
  const strings = new StringTable();
  // Body first (it fills the string table), then the header with the table.
  const body = new Writer(256 + record.spans.length * 160);
  body.varint(record.spans.length);
  for (const s of record.spans) {
    body.hex(s.spanId, 8);
    const hasParent = s.parentSpanId !== '';
    body.byte(hasParent ? 1 : 0);
    if (hasParent) body.hex(s.parentSpanId, 8);
    body.varint(strings.id(s.name));
    body.byte(s.kind);
    body.varint(strings.id(s.serviceName));
    body.u64(s.startTimeUnixNano);
    body.varint(s.durationNano);
    body.byte(s.statusCode);
    body.varint(strings.id(s.statusMessage));
    const keys = Object.keys(s.attributes);
    body.varint(keys.length);
    for (const k of keys) {
      body.varint(strings.id(k));
      body.varint(strings.id(s.attributes[k]));
    }
    body.varint(s.events.length);
    for (const e of s.events) {
      body.varint(strings.id(e.name));
      body.varint(e.offsetNano);
    }
    body.varint(s.links.length);
    for (const l of s.links) {
      body.hex(l.traceId, 16);
      body.hex(l.spanId, 8);
    }
  }
  const head = new Writer(64 + strings.list.length * 24);
  head.byte(0x54); // 'T'
  head.byte(0x52); // 'R'
  head.byte(TRACE_RECORD_VERSION);
  head.hex(record.traceId, 16);
  head.varint(strings.list.length - 1);
  for (let i = 1; i < strings.list.length; i++) head.utf8(strings.list[i]);
  head.ensure(body.pos);
  body.buf.copy(head.buf, head.pos, 0, body.pos);
  return head.buf.subarray(0, head.pos + body.pos);
}

class Reader {
  pos = 0;
  constructor(private readonly buf: Buffer) {}

  need(n: number): void {
    if (this.pos + n > this.buf.length) {
      throw new TraceRecordError(
        `trace record truncated: need ${n} byte(s) at offset ${this.pos}, have ${this.buf.length - this.pos}`,
      );
    }
  }

  byte(): number {
    this.need(1);
    return this.buf[this.pos++];
  }

  varint(): number {
    let result = 0;
    let scale = 1;
    for (let i = 0; i < 8; i++) {
      const b = this.byte();
      result += (b & 0x7f) * scale;
      if (b < 0x80) return result;
      scale *= 0x80;
    }
    throw new TraceRecordError(`varint too long at offset ${this.pos}`);
  }

  u64(): bigint {
    this.need(8);
    const v = this.buf.readBigUInt64LE(this.pos);
    this.pos += 8;
    return v;
  }

  hex(bytes: number): string {
    this.need(bytes);
    const s = this.buf.toString('hex', this.pos, this.pos + bytes);
    this.pos += bytes;
    return s;
  }

  utf8(): string {
    const len = this.varint();
    this.need(len);
    const s =
      len > 0 && len <= MAX_INTERNED_BYTES
        ? interner.get(this.buf, this.pos, len, this)
        : this.buf.toString('utf8', this.pos, this.pos + len);
    this.pos += len;
    return s;
  }

  /** For the interner: decodes a range on a miss. */
  utf8Slice(start: number, end: number): string {
    return this.buf.toString('utf8', start, end);
  }

  str(table: string[]): string {
    const i = this.varint();
    const s = table[i];
    if (s === undefined)
      throw new TraceRecordError(`string #${i} is not in the record's table of ${table.length}`);
    return s;
  }
}

export function decodeTraceRecord(buf: Buffer): TraceRecord {
  const r = new Reader(buf);
  if (r.byte() !== 0x54 || r.byte() !== 0x52)
    throw new TraceRecordError('not a trace record (bad magic)');
  const version = r.byte();
  if (version !== TRACE_RECORD_VERSION) {
    throw new TraceRecordError(
      `trace record version ${version} is not supported (this build reads ${TRACE_RECORD_VERSION})`,
    );
  }
  const traceId = r.hex(16);
  const stringCount = r.varint();
  const table: string[] = [''];
  for (let i = 0; i < stringCount; i++) table.push(r.utf8());
  const spanCount = r.varint();
  const spans: RecordSpan[] = [];
  for (let i = 0; i < spanCount; i++) {
    const spanId = r.hex(8);
    const flags = r.byte();
    const parentSpanId = flags & 1 ? r.hex(8) : '';
    const name = r.str(table);
    const kind = r.byte();
    const serviceName = r.str(table);
    const startTimeUnixNano = r.u64();
    const durationNano = r.varint();
    const statusCode = r.byte();
    const statusMessage = r.str(table);
    const attributes: Record<string, string> = Object.create(null) as Record<string, string>;
    for (let n = r.varint(); n > 0; n--) {
      const k = r.str(table);
      attributes[k] = r.str(table);
    }
    const events: RecordSpan['events'] = [];
    for (let n = r.varint(); n > 0; n--)
      events.push({ name: r.str(table), offsetNano: r.varint() });
    const links: RecordSpan['links'] = [];
    for (let n = r.varint(); n > 0; n--) links.push({ traceId: r.hex(16), spanId: r.hex(8) });
    spans.push({
      spanId,
      parentSpanId,
      name,
      kind,
      serviceName,
      startTimeUnixNano,
      durationNano,
      statusCode,
      statusMessage,
      attributes,
      events,
      links,
    });
  }
  if (r.pos !== buf.length)
    throw new TraceRecordError(`trace record has ${buf.length - r.pos} trailing byte(s)`);
  return { traceId, spans };
}
