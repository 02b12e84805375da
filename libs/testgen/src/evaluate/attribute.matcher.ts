import type { AttributeMatcher, StatusMatcher, StatusName } from '../spec/test-spec.model';

/**
 * Matching one stored attribute value (a string, or undefined when the span lacks it) against a
 * matcher. Returns undefined when it matches, else why not, in words the runner prints.
 */
export function mismatch(value: string | undefined, m: AttributeMatcher): string | undefined {
  if (m.present === false) return value === undefined ? undefined : 'is present';
  if (value === undefined) return 'is missing';
  if (m.equals !== undefined && value !== m.equals) return `is ${quote(value)}`;
  if (m.oneOf !== undefined && !m.oneOf.includes(value)) return `is ${quote(value)}`;
  if (m.type !== undefined && !hasType(value, m.type)) return `is ${quote(value)}, not ${m.type}`;
  if (m.range !== undefined) {
    const n = parseNumber(value);
    if (n === undefined) return `is ${quote(value)}, not a number`;
    if (
      (m.range.min !== undefined && n < m.range.min) ||
      (m.range.max !== undefined && n > m.range.max)
    ) {
      return `is ${value}`;
    }
  }
  if (m.regex !== undefined && !compiled(m.regex).test(value)) return `is ${quote(value)}`;
  return undefined;
}

export function matches(value: string | undefined, m: AttributeMatcher): boolean {
  return mismatch(value, m) === undefined;
}

/** `= "POST"`, `one of 200, 201`, `matches /^\d+$/`, `int`, `in [1, 12]`, `present`. */
export function describeMatcher(m: AttributeMatcher): string {
  const parts: string[] = [];
  if (m.equals !== undefined) parts.push(`= ${quote(m.equals)}`);
  if (m.oneOf !== undefined) parts.push(`one of ${m.oneOf.map(quote).join(', ')}`);
  if (m.type !== undefined) parts.push(`of type ${m.type}`);
  if (m.range !== undefined) {
    parts.push(`in [${m.range.min ?? '-inf'}, ${m.range.max ?? 'inf'}]`);
  }
  if (m.regex !== undefined) parts.push(`matching /${m.regex}/`);
  if (m.present !== undefined) parts.push(m.present ? 'present' : 'absent');
  return parts.join(' and ');
}

const STATUS_NAMES: readonly StatusName[] = ['unset', 'ok', 'error'];

/** OTLP status code → name; codes OTLP does not define count as unset. */
export function statusName(code: number): StatusName {
  return STATUS_NAMES[code] ?? 'unset';
}

export function statusMismatch(code: number, m: StatusMatcher): string | undefined {
  const name = statusName(code);
  if (m.equals !== undefined && name !== m.equals) return `status is ${name}`;
  if (m.oneOf !== undefined && !m.oneOf.includes(name)) return `status is ${name}`;
  return undefined;
}

export function describeStatusMatcher(m: StatusMatcher): string {
  return m.equals !== undefined ? `status ${m.equals}` : `status one of ${m.oneOf!.join(', ')}`;
}

function hasType(value: string, type: NonNullable<AttributeMatcher['type']>): boolean {
  switch (type) {
    case 'string':
      return true;
    case 'int':
      return /^[-+]?\d+$/.test(value);
    case 'double':
      return parseNumber(value) !== undefined;
    case 'bool':
      return value === 'true' || value === 'false';
  }
}

/**
 * A decimal number as instrumentation writes one; not `''`, not hex/octal/binary literals and not
 * `Infinity`, which Number() would also accept.
 */
export function parseNumber(text: string): number | undefined {
  if (text === '' || text.trim() !== text || /^[-+]?0[xob]/i.test(text)) return undefined;
  const n = Number(text);
  return Number.isFinite(n) ? n : undefined;
}

// Specs repeat a handful of patterns across many traces: compile each once (bounded).
const regexCache = new Map<string, RegExp>();

function compiled(pattern: string): RegExp {
  let r = regexCache.get(pattern);
  if (r === undefined) {
    r = new RegExp(pattern);
    if (regexCache.size >= 1_000) regexCache.clear();
    regexCache.set(pattern, r);
  }
  return r;
}

function quote(v: string): string {
  return JSON.stringify(v.length > 80 ? `${v.slice(0, 77)}...` : v);
}
