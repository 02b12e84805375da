/**
 * Hand-assembles protobuf bytes for decoder tests: fields in any order, unknown fields, groups,
 * wrong wire types and non-canonical varints, none of which a real encoder would produce. Written
 * independently of the library's WireWriter so the two cannot share a mistake.
 */
export type Field = Uint8Array;

export function varintBytes(v: bigint | number): number[] {
  let u = BigInt.asUintN(64, BigInt(v));
  const out: number[] = [];
  while (u > 0x7fn) {
    out.push(Number(u & 0x7fn) | 0x80);
    u >>= 7n;
  }
  out.push(Number(u));
  return out;
}

function tag(field: number, wireType: number): number[] {
  return varintBytes((field << 3) | wireType);
}

function concat(parts: ArrayLike<number>[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let pos = 0;
  for (const p of parts) {
    out.set(p, pos);
    pos += p.length;
  }
  return out;
}

/** A message body: its fields back to back. */
export const msg = (...fields: Field[]): Uint8Array => concat(fields);

export const varint = (field: number, v: bigint | number): Field =>
  concat([tag(field, 0), varintBytes(v)]);

export const fixed64 = (field: number, v: bigint): Field => {
  const b = new Uint8Array(8);
  new DataView(b.buffer).setBigUint64(0, BigInt.asUintN(64, v), true);
  return concat([tag(field, 1), b]);
};

export const double = (field: number, v: number): Field => {
  const b = new Uint8Array(8);
  new DataView(b.buffer).setFloat64(0, v, true);
  return concat([tag(field, 1), b]);
};

export const fixed32 = (field: number, v: number): Field => {
  const b = new Uint8Array(4);
  new DataView(b.buffer).setUint32(0, v, true);
  return concat([tag(field, 5), b]);
};

export const bytes = (field: number, body: ArrayLike<number>): Field =>
  concat([tag(field, 2), varintBytes(body.length), body]);

export const str = (field: number, s: string): Field => bytes(field, new TextEncoder().encode(s));

export const hex = (field: number, h: string): Field => bytes(field, Buffer.from(h, 'hex'));

/** A deprecated group: start tag, fields, end tag. */
export const group = (field: number, ...fields: Field[]): Field =>
  concat([tag(field, 3), ...fields, tag(field, 4)]);

/** One unknown field 99 of every wire type, groups included. */
export const UNKNOWN_FIELDS: Field = msg(
  varint(99, 12345678901234n),
  fixed64(99, 7n),
  str(99, 'from a newer proto'),
  fixed32(99, 3),
  group(99, varint(1, 1), str(2, 'inside a group'), group(3, fixed32(4, 5))),
);

/** A KeyValue in `field` (attributes are field 1, 3, 4 or 9 depending on the message). */
export const attr = (field: number, key: string, anyValue: Uint8Array): Field =>
  bytes(field, msg(str(1, key), bytes(2, anyValue)));
