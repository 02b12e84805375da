import type { ModelSpan, ModelTrace } from '@t2t/model';
import { mismatch, statusMismatch } from '../evaluate/attribute.matcher';
import { evaluateConditionOn, type RequestAttributes } from '../evaluate/spec.evaluator';
import { matchesSelector, selectSpans } from '../evaluate/span.selector';
import { indexTrace, type TraceIndex } from '../evaluate/trace.index';
import type {
  Assertion,
  AttributeMatcher,
  SpanKindName,
  SpanSelector,
  StatusMatcher,
} from '../spec/test-spec.model';
import {
  duplicateSpan,
  flipCondition,
  insertSpan,
  moveSpans,
  removeSpans,
  reparentSpans,
  setAttribute,
  setDuration,
  setStatus,
} from './trace.mutations';

/** A mutated copy of a recorded trace, with the request the mutation implies (if it changed it). */
export interface Mutant {
  trace: ModelTrace;
  request?: RequestAttributes;
  /** What was changed, for reports: `removed 1 span`, `set url.path to ""`. */
  change: string;
}

export interface MutationContext {
  /** Traces to borrow spans from when a mutation must add one (an `absent` assertion). */
  donors: readonly ModelTrace[];
  request?: RequestAttributes;
}

/**
 * Chooses mutations for one assertion: a strategy returns the mutated copies of `trace` that the
 * assertion should fail on. verifySpec takes a strategy so callers can add operators; this is the
 * default one.
 */
export type MutationStrategy = (
  assertion: Assertion,
  trace: ModelTrace,
  context: MutationContext,
) => Mutant[];

const KIND_NUMBER: Record<SpanKindName, number> = {
  internal: 1,
  server: 2,
  client: 3,
  producer: 4,
  consumer: 5,
};

/**
 * The targeted mutations per assertion kind:
 *
 *   exists / attributes / relation / duration   remove the selected spans
 *   attributes (per key)                        set the attribute to a value the matcher refuses, or remove it
 *   attributes (status)                         set a status the matcher refuses
 *   count                                       duplicate a selected span past the maximum; remove below the minimum
 *   absent                                      graft a matching span from a donor trace (or build one from the selector)
 *   relation                                    move the spans under another parent; start them after the target starts
 *   duration                                    stretch (or shrink) the selected spans past the bound
 *   only                                        add a span of an unknown service
 *   conditional                                 flip the condition's attribute, keeping the structure
 */
export const defaultMutations: MutationStrategy = (a, trace, context) => {
  const index = indexTrace(trace);
  const selected = 'select' in a ? selectSpans(index, a.select) : [];
  const ids = selected.map((s) => s.span.spanId);
  const out: Mutant[] = [];
  const remove = () => {
    if (ids.length > 0)
      out.push({
        trace: removeSpans(trace, ids),
        change: `removed ${ids.length} selected span(s)`,
      });
  };
  switch (a.kind) {
    case 'exists':
      remove();
      break;
    case 'absent': {
      const span = donorSpan(a.select, context.donors) ?? spanFromSelector(a.select, index);
      if (span !== undefined && index.entry !== undefined) {
        out.push({
          trace: insertSpan(trace, span, index.entry.span.spanId),
          change: `added a span matching the selector`,
        });
      }
      break;
    }
    case 'count': {
      const { equals, min, max } = a.count;
      const ceiling = equals ?? max;
      if (ceiling !== undefined && ids.length > 0) {
        const copies = Math.max(1, ceiling - ids.length + 1);
        out.push({
          trace: duplicateSpan(trace, ids[0], copies),
          change: `duplicated a selected span ${copies}×`,
        });
      }
      const floor = equals ?? min;
      if (floor !== undefined && floor > 0 && ids.length > 0) {
        const keep = ids.slice(0, Math.max(0, floor - 1));
        out.push({
          trace: removeSpans(
            trace,
            ids.filter((id) => !keep.includes(id)),
          ),
          change: 'removed selected spans below the minimum',
        });
      }
      break;
    }
    case 'attributes': {
      const targets = a.quantifier === 'any' ? ids : ids.slice(0, 1);
      for (const [key, m] of Object.entries(a.attributes)) {
        const value = violatingValue(m, selected[0]?.span.attributes[key]);
        if (value === null || targets.length === 0) continue;
        out.push({
          trace: setAttribute(trace, targets, key, value),
          change: value === undefined ? `removed ${key}` : `set ${key} to ${JSON.stringify(value)}`,
        });
      }
      if (a.status !== undefined) {
        const code = violatingStatus(a.status);
        if (code !== undefined && targets.length > 0) {
          out.push({ trace: setStatus(trace, targets, code), change: `set status ${code}` });
        }
      }
      remove();
      break;
    }
    case 'relation': {
      if (a.relation === 'before') {
        const targets = selectSpans(index, a.target);
        if (targets.length > 0 && ids.length > 0) {
          const start = targets[0].span.startNs + 1n;
          out.push({
            trace: moveSpans(trace, ids, start),
            change: 'moved the selected spans after the target started',
          });
        }
      } else if (ids.length > 0) {
        const entry = index.entry;
        const newParent =
          entry !== undefined &&
          !matchesSelector(entry, a.target, index) &&
          !ids.includes(entry.span.spanId)
            ? entry.span.spanId
            : '';
        out.push({
          trace: reparentSpans(trace, ids, newParent),
          change: 'moved the selected spans to another parent',
        });
      }
      remove();
      break;
    }
    case 'duration': {
      if (a.maxMs !== undefined) {
        out.push({
          trace: setDuration(trace, ids, Math.ceil(a.maxMs * 2e6) + 1),
          change: `stretched to ${a.maxMs * 2} ms`,
        });
      }
      if (a.minMs !== undefined && a.minMs > 0) {
        out.push({
          trace: setDuration(trace, ids, Math.floor(a.minMs * 5e5)),
          change: `shrunk to ${a.minMs / 2} ms`,
        });
      }
      remove();
      break;
    }
    case 'only': {
      const foreign = spanFromSelector(
        { ...a.select, service: a.select.service ?? 't2t-mutant-service' },
        index,
        'unexpected call',
      );
      if (foreign !== undefined && index.entry !== undefined) {
        out.push({
          trace: insertSpan(trace, foreign, index.entry.span.spanId),
          change: 'added a span of an unknown shape',
        });
      }
      break;
    }
    case 'conditional': {
      const { holds } = evaluateConditionOn(a.when, index, context.request);
      const flipped = flipCondition(
        trace,
        a.when.all,
        holds,
        index.entry?.span.spanId,
        context.request,
      );
      out.push({ ...flipped, change: `flipped ${a.when.all.map((x) => x.attribute).join(', ')}` });
      break;
    }
  }
  return out;
};

/**
 * A value the matcher refuses: undefined means "remove the attribute"; null when every candidate
 * is accepted (the matcher cannot fail through this attribute).
 */
export function violatingValue(
  m: AttributeMatcher,
  current: string | undefined,
): string | undefined | null {
  const candidates: (string | undefined)[] = [];
  if (current !== undefined) candidates.push(`${current}-mutated`);
  if (m.range?.max !== undefined) candidates.push(String(m.range.max + 1));
  if (m.range?.min !== undefined) candidates.push(String(m.range.min - 1));
  candidates.push('mutated value', '', '-1', '1.5', 'true', undefined);
  for (const c of candidates) if (mismatch(c, m) !== undefined) return c;
  return null;
}

function violatingStatus(m: StatusMatcher): number | undefined {
  return [2, 1, 0].find((code) => statusMismatch(code, m) !== undefined);
}

/** A copy of a span from another recorded trace that matches the selector. */
function donorSpan(
  sel: SpanSelector,
  donors: readonly ModelTrace[],
): Omit<ModelSpan, 'traceId'> | undefined {
  for (const trace of donors) {
    const index = indexTrace(trace);
    const found = selectSpans(index, { ...sel, entry: undefined }).find((s) => s !== index.entry);
    if (found !== undefined) return { ...found.span, spanId: '' };
  }
  return undefined;
}

/** A span built from what the selector asks for; undefined when the result would not match it. */
function spanFromSelector(
  sel: SpanSelector,
  index: TraceIndex,
  name = 'mutant',
): Omit<ModelSpan, 'traceId'> | undefined {
  if (
    sel.label !== undefined ||
    sel.semantic !== undefined ||
    sel.endpoint !== undefined ||
    sel.entry === true
  ) {
    return undefined;
  }
  const attributes: Record<string, string> = {};
  for (const [key, m] of Object.entries(sel.attributes ?? {})) {
    const v =
      m.equals ??
      m.oneOf?.[0] ??
      (m.present === false ? undefined : m.range?.min !== undefined ? String(m.range.min) : 'x');
    if (v !== undefined) attributes[key] = v;
  }
  const entry = index.entry?.span;
  const span: Omit<ModelSpan, 'traceId'> = {
    spanId: '',
    parentSpanId: entry?.spanId ?? '',
    service: sel.service ?? 't2t-mutant-service',
    name: sel.name ?? sel.operation ?? name,
    kind: KIND_NUMBER[sel.kind ?? 'client'],
    startNs: entry?.startNs ?? 0n,
    durationNs: 1_000,
    statusCode: 0,
    attributes,
    links: [],
  };
  const probe = indexTrace({
    traceId: 'probe',
    spans: [{ ...span, traceId: 'probe', spanId: 'probe' }],
  });
  return matchesSelector(probe.spans[0], { ...sel, entry: undefined }, probe) ? span : undefined;
}
