import type { SpanSelector } from '../spec/test-spec.model';
import { describeMatcher, matches } from './attribute.matcher';
import {
  endpointOf,
  labelOf,
  operationOf,
  semanticOf,
  spansOf,
  type IndexedSpan,
  type TraceIndex,
} from './trace.index';

/** Whether one span matches every field the selector gives. Cheap fields are compared first. */
export function matchesSelector(s: IndexedSpan, sel: SpanSelector, index: TraceIndex): boolean {
  if (sel.entry === true && s !== index.entry) return false;
  if (sel.entry === false && s === index.entry) return false;
  if (sel.service !== undefined && s.span.service !== sel.service) return false;
  if (sel.kind !== undefined && s.kind !== sel.kind) return false;
  if (sel.name !== undefined && s.span.name !== sel.name) return false;
  if (sel.operation !== undefined && operationOf(s) !== sel.operation) return false;
  if (sel.semantic !== undefined && !semanticMatches(semanticOf(s), sel.semantic)) return false;
  if (sel.label !== undefined && labelOf(s) !== sel.label) return false;
  if (sel.endpoint !== undefined && endpointOf(s) !== sel.endpoint) return false;
  if (sel.attributes !== undefined) {
    for (const key in sel.attributes) {
      if (!matches(s.span.attributes[key], sel.attributes[key])) return false;
    }
  }
  return true;
}

/**
 * A span's semantic key against a selector's: equal, or equal word for word where the selector's
 * word `*` stands for any one word (generated selectors leave an HTTP call's peer host out).
 */
export function semanticMatches(key: string, pattern: string): boolean {
  if (key === pattern) return true;
  if (!pattern.includes('*')) return false;
  const want = pattern.split(' ');
  const have = key.split(' ');
  if (want.length !== have.length) return false;
  for (let i = 0; i < want.length; i++) {
    if (want[i] !== '*' && want[i] !== have[i]) return false;
  }
  return true;
}

/** The selected spans, in start order. */
export function selectSpans(index: TraceIndex, sel: SpanSelector): IndexedSpan[] {
  const pool =
    sel.service !== undefined && sel.kind !== undefined
      ? spansOf(index, sel.service, sel.kind)
      : index.spans;
  return pool.filter((s) => matchesSelector(s, sel, index));
}

/** `service=potato-handler kind=server endpoint="potato-handler|HTTP POST /potatoes"`. */
export function describeSelector(sel: SpanSelector): string {
  const parts: string[] = [];
  if (sel.entry === true) parts.push('the entry span');
  if (sel.entry === false) parts.push('not the entry span');
  if (sel.service !== undefined) parts.push(`service=${sel.service}`);
  if (sel.kind !== undefined) parts.push(`kind=${sel.kind}`);
  if (sel.name !== undefined) parts.push(`name=${JSON.stringify(sel.name)}`);
  if (sel.operation !== undefined) parts.push(`operation=${JSON.stringify(sel.operation)}`);
  if (sel.semantic !== undefined) parts.push(`semantic=${JSON.stringify(sel.semantic)}`);
  if (sel.label !== undefined) parts.push(`label=${JSON.stringify(sel.label)}`);
  if (sel.endpoint !== undefined) parts.push(`endpoint=${JSON.stringify(sel.endpoint)}`);
  for (const [key, m] of Object.entries(sel.attributes ?? {})) {
    parts.push(`${key} ${describeMatcher(m)}`);
  }
  return parts.length === 0 ? 'any span' : `{${parts.join(' ')}}`;
}

/**
 * Spans that match a looser version of the selector (same service, else same kind), to tell the
 * reader what is there instead of what was expected.
 */
export function nearMisses(index: TraceIndex, sel: SpanSelector, limit = 3): IndexedSpan[] {
  const loose: SpanSelector[] = [];
  const service = sel.service ?? sel.endpoint?.split('|')[0] ?? sel.label?.split('|')[0];
  if (service !== undefined) loose.push({ service });
  if (sel.kind !== undefined) loose.push({ kind: sel.kind });
  for (const l of loose) {
    const found = selectSpans(index, l);
    if (found.length > 0) return found.slice(0, limit);
  }
  return [];
}
