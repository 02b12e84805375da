/**
 * A fixed-size, direct-mapped cache from short UTF-8 byte sequences to the strings they decode to.
 *
 * OTLP repeats the same short strings in every span (attribute keys, method names, service names).
 * Decoding each occurrence costs a native call, a fresh allocation and, for attribute keys, V8
 * hashing and interning the new string when it becomes a property name. Hashing and comparing a
 * few bytes in JS is cheaper than that, and a hit hands back the same, already interned string. It
 * raised proto decode throughput by about a third on the benchmark workload. High-cardinality values
 * just miss and overwrite a slot; the size stays fixed (SLOTS x MAX_BYTES bytes plus the strings).
 */
const SLOTS = 4096; // a power of two
/** Longer strings are rarely repeated and cost more to hash than to decode. */
export const MAX_INTERNED_BYTES = 40;

/** Decodes `[start, end)` of the bytes the interner was asked about (Buffer#utf8Slice). */
export interface Utf8Slicer {
  utf8Slice(start: number, end: number): string;
}

export class Utf8Interner {
  private readonly lengths = new Uint8Array(SLOTS);
  private readonly pool = new Uint8Array(SLOTS * MAX_INTERNED_BYTES);
  private readonly strings: string[] = new Array<string>(SLOTS).fill('');

  /**
   * The string for `bytes[start, start + len)`, where `0 < len <= MAX_INTERNED_BYTES`; `decoder`
   * views the same bytes and decodes them on a miss.
   */
  get(bytes: Uint8Array, start: number, len: number, decoder: Utf8Slicer): string {
    const end = start + len;
    let h = len;
    for (let i = start; i < end; i++) h = Math.imul(h ^ bytes[i], 0x01000193);
    const slot = (h ^ (h >>> 15)) & (SLOTS - 1);
    const pool = this.pool;
    const base = slot * MAX_INTERNED_BYTES;
    if (this.lengths[slot] === len) {
      let i = 0;
      while (i < len && pool[base + i] === bytes[start + i]) i++;
      if (i === len) return this.strings[slot];
    }
    const s = decoder.utf8Slice(start, end);
    for (let i = 0; i < len; i++) pool[base + i] = bytes[start + i];
    this.lengths[slot] = len;
    this.strings[slot] = s;
    return s;
  }
}
