/**
 * 64-bit FNV-1a over 16-bit units, in plain 32-bit integer arithmetic (no BigInt, no allocation).
 * For strings of code units below 256 it is exactly FNV-1a 64 over bytes (the spec's test vectors
 * hold: "a" → af63dc4c8601ec8c); wider code units are mixed in whole, which keeps it unambiguous.
 *
 * Used for subtree hashes, label hashes and shingles: it runs for every node of every trace, where
 * a node:crypto call per node would cost more than all the rest of the fingerprint. It is not
 * collision-resistant against an adversary, which is fine for telemetry structure.
 */
export class Fnv64 {
  hi = OFFSET_HI;
  lo = OFFSET_LO;

  reset(): this {
    this.hi = OFFSET_HI;
    this.lo = OFFSET_LO;
    return this;
  }

  /** Mixes one 16-bit unit: xor into the low bits, multiply by the FNV prime 2^40 + 0x1b3. */
  unit(u: number): void {
    const lo = (this.lo ^ u) >>> 0;
    // lo * 0x1b3 < 2^41: exact in a double. (lo << 8) into hi is the 2^40 term's contribution.
    const product = lo * 0x1b3;
    const low = product >>> 0;
    const carry = (product - low) / 0x100000000;
    this.hi = (Math.imul(this.hi, 0x1b3) + carry + (lo << 8)) >>> 0;
    this.lo = low;
  }

  /** Mixes a 32-bit value as two units, high half first. */
  word(w: number): void {
    this.unit(w >>> 16);
    this.unit(w & 0xffff);
  }

  string(s: string): void {
    for (let i = 0; i < s.length; i++) this.unit(s.charCodeAt(i));
  }

  /** 16 lowercase hex characters. */
  hex(): string {
    return toHex64(this.hi, this.lo);
  }
}

const OFFSET_HI = 0xcbf29ce4;
const OFFSET_LO = 0x84222325;

/** `hi:lo` as 16 lowercase hex characters. */
export function toHex64(hi: number, lo: number): string {
  return hex32(hi) + hex32(lo);
}

/** Byte → two hex characters: four lookups beat Number#toString(16) plus padding. */
const HEX_BYTE = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));

function hex32(n: number): string {
  return (
    HEX_BYTE[n >>> 24] +
    HEX_BYTE[(n >>> 16) & 0xff] +
    HEX_BYTE[(n >>> 8) & 0xff] +
    HEX_BYTE[n & 0xff]
  );
}
