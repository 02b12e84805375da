import type { AnyValue, Attributes } from '@t2t/domain';
import { isHexBytes } from './hex.codec';
import { JsonShapeError, rethrowWithin } from './json-path.error';
import { MAX_NESTING_DEPTH } from './wire.reader';

/**
 * Readers for the scalar and common message types of OTLP/JSON, which is the proto3 JSON mapping
 * with OTLP's exceptions: trace and span ids are hex (not base64), enums are integers (names are
 * accepted too), and field names may be lowerCamelCase or the proto's snake_case.
 */

export type JsonObject = Record<string, unknown>;

export function asObject(v: unknown): JsonObject {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) {
    throw new JsonShapeError('expected an object');
  }
  return v as JsonObject;
}

export function asArray(v: unknown): unknown[] {
  if (!Array.isArray(v)) throw new JsonShapeError('expected an array');
  return v;
}

export function readString(v: unknown): string {
  if (typeof v !== 'string') throw new JsonShapeError('expected a string');
  return v;
}

/** A trace or span id: hex of any even length, returned in lowercase. */
export function readId(v: unknown): string {
  if (typeof v !== 'string' || !isHexBytes(v)) throw new JsonShapeError('expected a hex id');
  return v.toLowerCase();
}

const UNSIGNED = /^\d+$/;
const SIGNED = /^-?\d+$/;
const UINT64_MAX = 2n ** 64n - 1n;
const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

/** uint32 fields (counts, flags): a JSON number or a decimal string. */
export function readUint32(v: unknown): number {
  const n = typeof v === 'string' && UNSIGNED.test(v) ? Number(v) : v;
  if (typeof n !== 'number' || !Number.isInteger(n) || n < 0 || n > 0xffffffff) {
    throw new JsonShapeError('expected an unsigned 32-bit integer');
  }
  return n;
}

/**
 * fixed64 timestamps. Proto3 JSON writes 64-bit integers as decimal strings (numbers would lose
 * precision past 2^53), but numbers are accepted as senders write them too.
 */
export function readUint64(v: unknown): bigint {
  const n = readInteger(v, UNSIGNED);
  if (n < 0n || n > UINT64_MAX)
    throw new JsonShapeError('out of range for an unsigned 64-bit integer');
  return n;
}

/** AnyValue.int_value. */
export function readInt64(v: unknown): bigint {
  const n = readInteger(v, SIGNED);
  if (n < INT64_MIN || n > INT64_MAX) throw new JsonShapeError('out of range for a 64-bit integer');
  return n;
}

function readInteger(v: unknown, digits: RegExp): bigint {
  if (typeof v === 'string' && digits.test(v)) return BigInt(v);
  if (typeof v === 'number' && Number.isInteger(v)) return BigInt(v);
  throw new JsonShapeError('expected an integer');
}

/** An enum as its integer or its proto name (`SPAN_KIND_SERVER`). */
export function readEnum(v: unknown, names: Readonly<Record<string, number>>): number {
  if (typeof v === 'number' && Number.isInteger(v) && v >= -0x80000000 && v <= 0x7fffffff) return v;
  if (typeof v === 'string' && Object.hasOwn(names, v)) return names[v];
  throw new JsonShapeError(`expected an enum integer or one of ${Object.keys(names).join(', ')}`);
}

const DECIMAL = /^-?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;

/** Doubles: numbers, or strings for what JSON numbers cannot say ("NaN", "Infinity", "-0"). */
export function readDouble(v: unknown): number {
  if (typeof v === 'number') return v;
  if (typeof v === 'string') {
    if (v === 'NaN') return NaN;
    if (v === 'Infinity') return Infinity;
    if (v === '-Infinity') return -Infinity;
    if (DECIMAL.test(v)) return Number(v);
  }
  throw new JsonShapeError('expected a number, "NaN", "Infinity" or "-Infinity"');
}

const BASE64 = /^(?:[A-Za-z0-9+/_-]{4})*(?:[A-Za-z0-9+/_-]{2}(?:==)?|[A-Za-z0-9+/_-]{3}=?)?$/;

/** bytes: standard or URL-safe base64, padding optional (the proto3 JSON mapping accepts both). */
export function readBase64(v: unknown): Uint8Array {
  if (typeof v !== 'string' || !BASE64.test(v)) throw new JsonShapeError('expected base64');
  // Copied out of Buffer's shared pool into a plain Uint8Array of its own.
  return new Uint8Array(Buffer.from(v, 'base64'));
}

/** A list of KeyValue into an attributes object; the last of repeated keys wins. */
export function readAttributesInto(v: unknown, attrs: Attributes): void {
  const list = asArray(v);
  for (let i = 0; i < list.length; i++) {
    try {
      const [key, value] = readKeyValue(list[i], 0);
      attrs[key] = value;
    } catch (err) {
      rethrowWithin(err, i);
    }
  }
}

function readKeyValue(v: unknown, depth: number): [string, AnyValue] {
  const o = asObject(v);
  let key = '';
  let value: AnyValue = null;
  for (const k in o) {
    const field = o[k];
    if (field === null) continue;
    try {
      if (k === 'key') key = readString(field);
      else if (k === 'value') value = readAnyValue(field, depth);
    } catch (err) {
      rethrowWithin(err, k);
    }
  }
  return [key, value];
}

/** An AnyValue object; `{}` (or every member null) is the empty value, `null`. */
export function readAnyValue(v: unknown, depth: number): AnyValue {
  if (depth > MAX_NESTING_DEPTH) throw new JsonShapeError('AnyValue nested too deeply');
  const o = asObject(v);
  let value: AnyValue = null;
  let found = false;
  for (const k in o) {
    const field = o[k];
    // proto3 JSON: null stands for "not set".
    if (field === null) continue;
    let next: AnyValue;
    try {
      switch (k) {
        case 'stringValue':
        case 'string_value':
          next = readString(field);
          break;
        case 'boolValue':
        case 'bool_value':
          if (typeof field !== 'boolean') throw new JsonShapeError('expected a boolean');
          next = field;
          break;
        case 'intValue':
        case 'int_value':
          next = readInt64(field);
          break;
        case 'doubleValue':
        case 'double_value':
          next = readDouble(field);
          break;
        case 'bytesValue':
        case 'bytes_value':
          next = readBase64(field);
          break;
        case 'arrayValue':
        case 'array_value':
          next = readList(field, depth, (item) => readAnyValue(item, depth + 1));
          break;
        case 'kvlistValue':
        case 'kvlist_value':
          next = { kvlist: readList(field, depth, (item) => readKeyValue(item, depth + 1)) };
          break;
        default:
          continue;
      }
    } catch (err) {
      rethrowWithin(err, k);
    }
    if (found) rethrowWithin(new JsonShapeError('more than one value of the oneof is set'), k);
    found = true;
    value = next;
  }
  return value;
}

/** ArrayValue and KeyValueList: `{ "values": [...] }`. */
function readList<T>(v: unknown, depth: number, item: (x: unknown) => T): T[] {
  if (depth >= MAX_NESTING_DEPTH) throw new JsonShapeError('AnyValue nested too deeply');
  const o = asObject(v);
  const out: T[] = [];
  const values = o.values;
  if (values === undefined || values === null) return out;
  try {
    const list = asArray(values);
    for (let i = 0; i < list.length; i++) {
      try {
        out.push(item(list[i]));
      } catch (err) {
        rethrowWithin(err, i);
      }
    }
  } catch (err) {
    rethrowWithin(err, 'values');
  }
  return out;
}
