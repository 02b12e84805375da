import type { AnyValue, Attributes, KeyValueList } from '@t2t/domain';
import { MAX_NESTING_DEPTH, WireReader } from './wire.reader';

// Tags are (field << 3) | wire type, matched whole so the common case is one switch jump.
const KV_KEY = 0x0a; // 1 string
const KV_VALUE = 0x12; // 2 AnyValue
const KV_KNOWN = (1 << 1) | (1 << 2);
const KV_NAMES = ['', 'key', 'value'];

const AV_STRING = 0x0a; // 1 string
const AV_BOOL = 0x10; // 2 varint
const AV_INT = 0x18; // 3 varint int64
const AV_DOUBLE = 0x21; // 4 fixed64 double
const AV_ARRAY = 0x2a; // 5 ArrayValue
const AV_KVLIST = 0x32; // 6 KeyValueList
const AV_BYTES = 0x3a; // 7 bytes
const AV_KNOWN = 0b1111_1110;
const AV_NAMES = [
  '',
  'string_value',
  'bool_value',
  'int_value',
  'double_value',
  'array_value',
  'kvlist_value',
  'bytes_value',
];

const LIST_VALUES = 0x0a; // ArrayValue.values and KeyValueList.values are both field 1
const LIST_KNOWN = 1 << 1;
const ARRAY_NAMES = ['', 'values'];

/**
 * Decodes one KeyValue (the bytes up to `end`) into `attrs`. A repeated key overwrites the earlier
 * value, as the domain model documents.
 */
export function decodeKeyValueInto(r: WireReader, end: number, attrs: Attributes): void {
  let key = '';
  let value: AnyValue = null;
  while (r.pos < end) {
    const tag = r.uint32(end);
    if (tag === KV_KEY) key = r.string(end);
    else if (tag === KV_VALUE) value = decodeAnyValue(r, r.lengthEnd(end), 0);
    else r.skip(tag, end, KV_KNOWN, 'KeyValue', KV_NAMES);
  }
  attrs[key] = value;
}

/** Decodes an AnyValue; an empty one (no member of the oneof set) is `null`. Last member wins. */
export function decodeAnyValue(r: WireReader, end: number, depth: number): AnyValue {
  let value: AnyValue = null;
  while (r.pos < end) {
    const tag = r.uint32(end);
    switch (tag) {
      case AV_STRING:
        value = r.string(end);
        break;
      case AV_BOOL:
        value = r.uint32(end) !== 0;
        break;
      case AV_INT:
        value = r.int64(end);
        break;
      case AV_DOUBLE:
        value = r.double(end);
        break;
      case AV_ARRAY:
        value = decodeArrayValue(r, r.lengthEnd(end), depth + 1);
        break;
      case AV_KVLIST:
        value = decodeKeyValueList(r, r.lengthEnd(end), depth + 1);
        break;
      case AV_BYTES:
        value = r.bytesValue(end);
        break;
      default:
        r.skip(tag, end, AV_KNOWN, 'AnyValue', AV_NAMES);
    }
  }
  return value;
}

function decodeArrayValue(r: WireReader, end: number, depth: number): AnyValue[] {
  if (depth > MAX_NESTING_DEPTH) throw r.fail('AnyValue nested too deeply', r.pos);
  const values: AnyValue[] = [];
  while (r.pos < end) {
    const tag = r.uint32(end);
    if (tag === LIST_VALUES) values.push(decodeAnyValue(r, r.lengthEnd(end), depth));
    else r.skip(tag, end, LIST_KNOWN, 'ArrayValue', ARRAY_NAMES);
  }
  return values;
}

function decodeKeyValueList(r: WireReader, end: number, depth: number): KeyValueList {
  if (depth > MAX_NESTING_DEPTH) throw r.fail('AnyValue nested too deeply', r.pos);
  const kvlist: Array<readonly [string, AnyValue]> = [];
  while (r.pos < end) {
    const tag = r.uint32(end);
    if (tag === LIST_VALUES) kvlist.push(decodePair(r, r.lengthEnd(end), depth));
    else r.skip(tag, end, LIST_KNOWN, 'KeyValueList', ARRAY_NAMES);
  }
  return { kvlist };
}

/** A KeyValue inside a kvlist_value: kept as an ordered pair, repeated keys and all. */
function decodePair(r: WireReader, end: number, depth: number): readonly [string, AnyValue] {
  let key = '';
  let value: AnyValue = null;
  while (r.pos < end) {
    const tag = r.uint32(end);
    if (tag === KV_KEY) key = r.string(end);
    else if (tag === KV_VALUE) value = decodeAnyValue(r, r.lengthEnd(end), depth);
    else r.skip(tag, end, KV_KNOWN, 'KeyValue', KV_NAMES);
  }
  return [key, value];
}
