import { OtlpDecodeError } from './otlp-decode.error';
import { MAX_INTERNED_BYTES, Utf8Interner, type Utf8Slicer } from './utf8.interner';

/** Protobuf wire types (the low 3 bits of a tag). */
export const WIRE_VARINT = 0;
export const WIRE_FIXED64 = 1;
export const WIRE_LEN = 2;
export const WIRE_START_GROUP = 3;
export const WIRE_END_GROUP = 4;
export const WIRE_FIXED32 = 5;

/** Deeper nesting than this is refused rather than risking a stack overflow on hostile input. */
export const MAX_NESTING_DEPTH = 100;

/** Shared by all readers: the strings worth interning recur across requests, not just within one. */
const interner = new Utf8Interner();

/**
 * Buffer's native decoders. They are undocumented but have been on every Node Buffer since 0.x and
 * are what `toString` calls after argument checks; calling them directly measured fastest for the
 * short strings OTLP is made of (bench: ~50 ns per string against ~100 ns for TextDecoder on a
 * subarray), and `hexSlice` beat a 256-entry lookup table with string concatenation by 2x.
 */
interface NativeSlices extends Utf8Slicer {
  hexSlice(start: number, end: number): string;
}

/**
 * A cursor over protobuf bytes. Every read takes `end`, the end of the message being read, so a
 * field can never run past its enclosing message: each read either stays inside it or throws
 * `OtlpDecodeError` with the byte offset. Reads of one byte (tags, small lengths and enums) take a
 * fast path; the rest fall through to checked loops.
 */
export class WireReader {
  readonly bytes: Uint8Array;
  readonly end: number;
  pos = 0;
  private readonly view: DataView;
  private readonly native: NativeSlices;

  constructor(input: Uint8Array) {
    // A plain Uint8Array view, so `slice` copies even when the caller handed us a Buffer (whose
    // `slice` would alias the input and pin the whole Kafka batch in memory).
    this.bytes = new Uint8Array(input.buffer, input.byteOffset, input.byteLength);
    this.end = input.byteLength;
    this.view = new DataView(input.buffer, input.byteOffset, input.byteLength);
    this.native = Buffer.from(
      input.buffer,
      input.byteOffset,
      input.byteLength,
    ) as unknown as NativeSlices;
  }

  /** A varint of up to 32 bits (uint32, int32 and enum fields): higher bits are dropped. */
  uint32(end: number): number {
    const pos = this.pos;
    if (pos < end) {
      const b = this.bytes[pos];
      if (b < 0x80) {
        this.pos = pos + 1;
        return b;
      }
    }
    return this.uint32Slow(end) >>> 0;
  }

  /** int32 and enum fields: negative values arrive as 10-byte varints. */
  int32(end: number): number {
    return this.uint32(end) | 0;
  }

  private uint32Slow(end: number): number {
    const bytes = this.bytes;
    const start = this.pos;
    let pos = start;
    let value = 0;
    for (let shift = 0; shift < 70; shift += 7) {
      if (pos >= end) throw this.fail('truncated varint', start);
      const b = bytes[pos++];
      if (shift < 32) value |= (b & 0x7f) << shift;
      if (b < 0x80) {
        this.pos = pos;
        return value;
      }
    }
    throw this.fail('varint longer than 10 bytes', start);
  }

  /** An int64 varint as a signed bigint (AnyValue.int_value). */
  int64(end: number): bigint {
    const bytes = this.bytes;
    const start = this.pos;
    let pos = start;
    let lo = 0;
    let hi = 0;
    let b = 0;
    for (let shift = 0; shift < 28; shift += 7) {
      if (pos >= end) throw this.fail('truncated varint', start);
      b = bytes[pos++];
      lo |= (b & 0x7f) << shift;
      if (b < 0x80) {
        this.pos = pos;
        return BigInt(lo);
      }
    }
    if (pos >= end) throw this.fail('truncated varint', start);
    b = bytes[pos++];
    lo |= (b & 0x0f) << 28;
    hi = (b & 0x7f) >> 4;
    if (b >= 0x80) {
      for (let shift = 3; ; shift += 7) {
        if (shift > 31) throw this.fail('varint longer than 10 bytes', start);
        if (pos >= end) throw this.fail('truncated varint', start);
        b = bytes[pos++];
        hi |= (b & 0x7f) << shift;
        if (b < 0x80) break;
      }
    }
    this.pos = pos;
    if (hi === 0) return BigInt(lo >>> 0);
    // Small negatives (sign-extended int32) are common enough to skip the 64-bit assembly.
    if (hi === -1 && lo < 0) return BigInt(lo);
    return BigInt.asIntN(64, (BigInt(hi >>> 0) << 32n) | BigInt(lo >>> 0));
  }

  /** The length prefix of a length-delimited field, checked against the enclosing message. */
  length(end: number): number {
    const start = this.pos;
    const bytes = this.bytes;
    let pos = start;
    let len = 0;
    // Accumulated by multiplication rather than 32-bit shifts: a hostile 2^32 + 5 must stay huge
    // and fail the bounds check below, not wrap to a plausible 5.
    for (let scale = 1; ; scale *= 128) {
      if (pos >= end) throw this.fail('truncated varint', start);
      if (scale > 2 ** 63) throw this.fail('varint longer than 10 bytes', start);
      const b = bytes[pos++];
      len += (b & 0x7f) * scale;
      if (b < 0x80) break;
    }
    if (len > end - pos) {
      throw this.fail(`length ${len} runs past the end of the enclosing message`, start);
    }
    this.pos = pos;
    return len;
  }

  /** Reads the length prefix of a sub-message and returns the offset where that message ends. */
  lengthEnd(end: number): number {
    const len = this.length(end);
    return this.pos + len;
  }

  fixed32(end: number): number {
    const pos = this.pos;
    if (end - pos < 4) throw this.fail('truncated fixed32', pos);
    this.pos = pos + 4;
    return this.view.getUint32(pos, true);
  }

  /** fixed64 as an unsigned bigint (timestamps). */
  fixed64(end: number): bigint {
    const pos = this.pos;
    if (end - pos < 8) throw this.fail('truncated fixed64', pos);
    this.pos = pos + 8;
    return this.view.getBigUint64(pos, true);
  }

  double(end: number): number {
    const pos = this.pos;
    if (end - pos < 8) throw this.fail('truncated double', pos);
    this.pos = pos + 8;
    return this.view.getFloat64(pos, true);
  }

  /** A length-delimited UTF-8 string; invalid sequences become U+FFFD. */
  string(end: number): string {
    const len = this.length(end);
    const pos = this.pos;
    this.pos = pos + len;
    if (len === 0) return '';
    if (len <= MAX_INTERNED_BYTES) return interner.get(this.bytes, pos, len, this.native);
    return this.native.utf8Slice(pos, pos + len);
  }

  /** Length-delimited bytes as lowercase hex (trace and span ids), whatever their length. */
  hex(end: number): string {
    const len = this.length(end);
    const pos = this.pos;
    this.pos = pos + len;
    return len === 0 ? '' : this.native.hexSlice(pos, pos + len);
  }

  /** Length-delimited bytes, copied so the result does not keep the whole input alive. */
  bytesValue(end: number): Uint8Array {
    const len = this.length(end);
    const pos = this.pos;
    this.pos = pos + len;
    return this.bytes.slice(pos, pos + len);
  }

  /**
   * Skips a field the decoder does not know (forward compatibility), or throws if `tag` belongs to
   * a field it does know but carries another wire type. `known` has bit N set for each known field
   * number N below 32; `message` and `names` only serve the error text.
   */
  skip(tag: number, end: number, known: number, message: string, names: readonly string[]): void {
    const field = tag >>> 3;
    if (field < 32 && ((known >>> field) & 1) === 1) {
      throw this.fail(
        `${message}.${names[field]} (field ${field}) has unexpected wire type ${tag & 7}`,
        this.pos,
      );
    }
    this.skipField(tag, end, 0);
  }

  /** Steps over a field that an earlier pass over the same message already validated. */
  skipChecked(tag: number, end: number): void {
    this.skipField(tag, end, 0);
  }

  private skipField(tag: number, end: number, depth: number): void {
    const field = tag >>> 3;
    const at = this.pos;
    if (field === 0) throw this.fail('field number 0 is not allowed', at);
    switch (tag & 7) {
      case WIRE_VARINT:
        this.uint32(end);
        return;
      case WIRE_FIXED64:
        if (end - at < 8) throw this.fail('truncated fixed64', at);
        this.pos = at + 8;
        return;
      case WIRE_LEN:
        this.pos = this.lengthEnd(end);
        return;
      case WIRE_FIXED32:
        if (end - at < 4) throw this.fail('truncated fixed32', at);
        this.pos = at + 4;
        return;
      case WIRE_START_GROUP: {
        // Groups are deprecated but still legal on the wire: skip to the matching end-group tag.
        if (depth >= MAX_NESTING_DEPTH) throw this.fail('groups nested too deeply', at);
        for (;;) {
          if (this.pos >= end) throw this.fail(`unterminated group (field ${field})`, at);
          const inner = this.uint32(end);
          if ((inner & 7) === WIRE_END_GROUP) {
            if (inner >>> 3 !== field) throw this.fail('mismatched end-group tag', this.pos);
            return;
          }
          this.skipField(inner, end, depth + 1);
        }
      }
      case WIRE_END_GROUP:
        throw this.fail(`unexpected end-group tag (field ${field})`, at);
      default:
        throw this.fail(`invalid wire type ${tag & 7} (field ${field})`, at);
    }
  }

  fail(what: string, offset: number): OtlpDecodeError {
    return new OtlpDecodeError(`${what} at byte ${offset}`, offset);
  }
}
