import type { AnyValue, Attributes } from '@t2t/domain';

/**
 * How an attribute value is stored in the `Map(String, String)` attribute columns of the spans
 * table whose layout we share with the OpenTelemetry Collector's ClickHouse exporter. That exporter
 * flattens values with pdata's `Value.AsString`; this follows the same scheme, with JS number
 * formatting:
 *
 * - string as is; boolean `true` / `false`; int in decimal; double as JS `String(n)` shows it
 *   (`0.25`, `1e+21`, `NaN`, `Infinity`); bytes in standard base64; the empty value as ''.
 * - array and kvlist as compact JSON: an array of the elements as JSON values, a kvlist as a JSON
 *   object in wire order (a repeated key is written twice; JSON parsers keep the last, as OTLP
 *   does). Inside them ints are JSON numbers written exactly (even past 2^53), bytes are base64
 *   strings, the empty value is `null`, and NaN / ±Infinity, which JSON has no number for, are the
 *   strings "NaN", "Infinity", "-Infinity".
 *
 * Unlike the Collector, kvlist keys are not sorted: the sender's order is kept.
 */
export function attributeValueToString(v: AnyValue): string {
  switch (typeof v) {
    case 'string':
      return v;
    case 'boolean':
    case 'bigint':
    case 'number':
      return String(v);
  }
  if (v === null) return '';
  if (v instanceof Uint8Array) return base64(v);
  return toJson(v);
}

/** Every attribute through attributeValueToString, into a null-prototype object. */
export function attributesToStringMap(attrs: Attributes): Record<string, string> {
  const out = Object.create(null) as Record<string, string>;
  for (const key in attrs) out[key] = attributeValueToString(attrs[key]);
  return out;
}

function toJson(v: AnyValue): string {
  switch (typeof v) {
    case 'string':
      return JSON.stringify(v);
    case 'boolean':
    case 'bigint':
      return String(v);
    case 'number':
      return Number.isFinite(v) ? String(v) : `"${v}"`;
  }
  if (v === null) return 'null';
  if (v instanceof Uint8Array) return `"${base64(v)}"`;
  if (Array.isArray(v)) return `[${v.map(toJson).join(',')}]`;
  return `{${v.kvlist.map(([key, item]) => `${JSON.stringify(key)}:${toJson(item)}`).join(',')}}`;
}

function base64(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length).toString('base64');
}
