import { WIRE_FIXED32, WIRE_FIXED64, WIRE_LEN, WIRE_VARINT } from './wire.reader';

const UINT64_MAX = 2n ** 64n - 1n;
const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

/**
 * An append-only protobuf writer into a growing buffer. Sub-messages get their length written
 * after their content: `begin` reserves one byte for it, and `end` moves the content along in the
 * rare case the length needs more (messages over 127 bytes). That costs a copy per big message but
 * avoids a separate sizing pass over the spans. Encoding is not on the ingest hot path.
 */
export class WireWriter {
  private buf: Buffer = Buffer.allocUnsafeSlow(4096);
  private view = new DataView(this.buf.buffer, this.buf.byteOffset, this.buf.byteLength);
  private pos = 0;

  /** A copy of the bytes written, in a buffer of exactly that size. */
  finish(): Uint8Array {
    return new Uint8Array(this.buf.buffer, this.buf.byteOffset, this.pos).slice();
  }

  /** Starts a length-delimited sub-message in `field`; pass the result to `end`. */
  begin(field: number): number {
    this.tag(field, WIRE_LEN);
    this.ensure(1);
    return this.pos++;
  }

  end(mark: number): void {
    const len = this.pos - mark - 1;
    const size = varintSize(len);
    if (size > 1) {
      this.ensure(size - 1);
      this.buf.copyWithin(mark + size, mark + 1, this.pos);
      this.pos += size - 1;
    }
    const after = this.pos;
    this.pos = mark;
    this.varint(len);
    this.pos = after;
  }

  tag(field: number, wireType: number): void {
    this.varint(((field << 3) | wireType) >>> 0);
  }

  /** uint32 and enum fields; 0 is the proto3 default and is left out. */
  uint32Field(field: number, v: number): void {
    if (v === 0) return;
    this.tag(field, WIRE_VARINT);
    if (v < 0) this.int64(BigInt(v | 0));
    else this.varint(v >>> 0);
  }

  boolField(field: number, v: boolean): void {
    this.tag(field, WIRE_VARINT);
    this.varint(v ? 1 : 0);
  }

  /** int64 as a varint in two's complement (negative values take 10 bytes, as protobuf says). */
  int64Field(field: number, v: bigint): void {
    if (v < INT64_MIN || v > INT64_MAX) throw new RangeError(`int64 out of range: ${v}`);
    this.tag(field, WIRE_VARINT);
    this.int64(v);
  }

  fixed32Field(field: number, v: number): void {
    if (v === 0) return;
    this.tag(field, WIRE_FIXED32);
    this.ensure(4);
    this.view.setUint32(this.pos, v >>> 0, true);
    this.pos += 4;
  }

  fixed64Field(field: number, v: bigint): void {
    if (v === 0n) return;
    if (v < 0n || v > UINT64_MAX) throw new RangeError(`fixed64 out of range: ${v}`);
    this.tag(field, WIRE_FIXED64);
    this.ensure(8);
    this.view.setBigUint64(this.pos, v, true);
    this.pos += 8;
  }

  doubleField(field: number, v: number): void {
    this.tag(field, WIRE_FIXED64);
    this.ensure(8);
    this.view.setFloat64(this.pos, v, true);
    this.pos += 8;
  }

  /** A string field; '' is left out unless `always` (a oneof member must be written to be set). */
  stringField(field: number, s: string, always = false): void {
    if (s === '' && !always) return;
    const len = Buffer.byteLength(s, 'utf8');
    this.tag(field, WIRE_LEN);
    this.varint(len);
    this.ensure(len);
    this.pos += this.buf.write(s, this.pos, len, 'utf8');
  }

  bytesField(field: number, bytes: Uint8Array, always = false): void {
    if (bytes.length === 0 && !always) return;
    this.tag(field, WIRE_LEN);
    this.varint(bytes.length);
    this.ensure(bytes.length);
    this.buf.set(bytes, this.pos);
    this.pos += bytes.length;
  }

  private varint(v: number): void {
    this.ensure(5);
    const buf = this.buf;
    while (v > 0x7f) {
      buf[this.pos++] = (v & 0x7f) | 0x80;
      v >>>= 7;
    }
    buf[this.pos++] = v;
  }

  private int64(v: bigint): void {
    let u = BigInt.asUintN(64, v);
    this.ensure(10);
    while (u > 0x7fn) {
      this.buf[this.pos++] = Number(u & 0x7fn) | 0x80;
      u >>= 7n;
    }
    this.buf[this.pos++] = Number(u);
  }

  private ensure(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.pos + n) size *= 2;
    const next = Buffer.allocUnsafeSlow(size);
    this.buf.copy(next, 0, 0, this.pos);
    this.buf = next;
    this.view = new DataView(next.buffer, next.byteOffset, next.byteLength);
  }
}

function varintSize(v: number): number {
  let size = 1;
  while (v > 0x7f) {
    v >>>= 7;
    size++;
  }
  return size;
}
