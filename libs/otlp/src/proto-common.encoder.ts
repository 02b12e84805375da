import type { AnyValue, Attributes } from '@t2t/domain';
import { WireWriter } from './wire.writer';

/** Writes each attribute as a KeyValue in `field`, in the object's key order. */
export function writeAttributes(w: WireWriter, field: number, attrs: Attributes): void {
  for (const key in attrs) {
    const mark = w.begin(field);
    writeKeyValue(w, key, attrs[key]);
    w.end(mark);
  }
}

function writeKeyValue(w: WireWriter, key: string, value: AnyValue): void {
  w.stringField(1, key);
  const mark = w.begin(2);
  writeAnyValue(w, value);
  w.end(mark);
}

/**
 * The AnyValue oneof. Every member is written even when it holds its type's default (0, '',
 * false), since an unset oneof would decode as the empty value; `null` writes nothing at all.
 */
export function writeAnyValue(w: WireWriter, value: AnyValue): void {
  switch (typeof value) {
    case 'string':
      w.stringField(1, value, true);
      return;
    case 'boolean':
      w.boolField(2, value);
      return;
    case 'bigint':
      w.int64Field(3, value);
      return;
    case 'number':
      w.doubleField(4, value);
      return;
  }
  if (value === null) return;
  if (value instanceof Uint8Array) {
    w.bytesField(7, value, true);
  } else if (Array.isArray(value)) {
    const list = w.begin(5);
    for (const item of value) {
      const mark = w.begin(1);
      writeAnyValue(w, item);
      w.end(mark);
    }
    w.end(list);
  } else {
    const list = w.begin(6);
    for (const [key, item] of value.kvlist) {
      const mark = w.begin(1);
      writeKeyValue(w, key, item);
      w.end(mark);
    }
    w.end(list);
  }
}
