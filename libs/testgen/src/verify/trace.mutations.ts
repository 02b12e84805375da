import type { ModelSpan, ModelTrace } from '@t2t/model';
import type { ConditionAtom } from '../spec/test-spec.model';

/**
 * Mutation operators: pure functions from a recorded trace to a changed copy (the input is never
 * touched). Verification applies them to show that an assertion can fail: an assertion that still
 * holds after the span it asserts is removed, its attribute changed or its condition flipped
 * guards nothing.
 */

const copyOf = (trace: ModelTrace, spans: ModelSpan[]): ModelTrace => ({
  traceId: trace.traceId,
  spans,
});

function mapSpans(
  trace: ModelTrace,
  ids: Iterable<string>,
  change: (s: ModelSpan) => ModelSpan,
): ModelTrace {
  const wanted = new Set(ids);
  return copyOf(
    trace,
    trace.spans.map((s) => (wanted.has(s.spanId) ? change(s) : s)),
  );
}

/** Removes the spans and everything below them (a call that no longer happens takes its subtree). */
export function removeSpans(trace: ModelTrace, spanIds: Iterable<string>): ModelTrace {
  const removed = new Set(spanIds);
  let grew = true;
  while (grew) {
    grew = false;
    for (const s of trace.spans) {
      if (!removed.has(s.spanId) && removed.has(s.parentSpanId)) {
        removed.add(s.spanId);
        grew = true;
      }
    }
  }
  return copyOf(
    trace,
    trace.spans.filter((s) => !removed.has(s.spanId)),
  );
}

/** Sets (or with `undefined`, removes) one attribute on the spans. */
export function setAttribute(
  trace: ModelTrace,
  spanIds: Iterable<string>,
  key: string,
  value: string | undefined,
): ModelTrace {
  return mapSpans(trace, spanIds, (s) => {
    const attributes = { ...s.attributes };
    if (value === undefined) delete attributes[key];
    else attributes[key] = value;
    return { ...s, attributes };
  });
}

/** Sets the OTLP status code (0 unset, 1 ok, 2 error). */
export function setStatus(
  trace: ModelTrace,
  spanIds: Iterable<string>,
  statusCode: number,
): ModelTrace {
  return mapSpans(trace, spanIds, (s) => ({ ...s, statusCode }));
}

export function setDuration(
  trace: ModelTrace,
  spanIds: Iterable<string>,
  durationNs: number,
): ModelTrace {
  return mapSpans(trace, spanIds, (s) => ({ ...s, durationNs }));
}

/** Moves the spans under another parent ('' makes them roots). */
export function reparentSpans(
  trace: ModelTrace,
  spanIds: Iterable<string>,
  parentSpanId: string,
): ModelTrace {
  return mapSpans(trace, spanIds, (s) => ({ ...s, parentSpanId }));
}

/** Moves the spans (not their children) to start at `startNs`, keeping their durations. */
export function moveSpans(
  trace: ModelTrace,
  spanIds: Iterable<string>,
  startNs: bigint,
): ModelTrace {
  return mapSpans(trace, spanIds, (s) => ({ ...s, startNs }));
}

/**
 * Adds `copies` siblings of a span (same parent, fresh ids, no children): a call made more often
 * than it should be.
 */
export function duplicateSpan(trace: ModelTrace, spanId: string, copies = 1): ModelTrace {
  const original = trace.spans.find((s) => s.spanId === spanId);
  if (original === undefined) return trace;
  const added = Array.from({ length: copies }, (_, i) => ({
    ...original,
    spanId: freshSpanId(trace, `dup${i}`, original.spanId),
  }));
  return copyOf(trace, [...trace.spans, ...added]);
}

/** Adds a span under `parentSpanId` (a fresh id is given when the span's id is taken). */
export function insertSpan(
  trace: ModelTrace,
  span: Omit<ModelSpan, 'traceId'>,
  parentSpanId: string,
): ModelTrace {
  const taken = trace.spans.some((s) => s.spanId === span.spanId);
  return copyOf(trace, [
    ...trace.spans,
    {
      ...span,
      traceId: trace.traceId,
      parentSpanId,
      spanId: taken || span.spanId === '' ? freshSpanId(trace, 'ins', span.spanId) : span.spanId,
    },
  ]);
}

/**
 * Flips a condition's outcome the way a branch bug would look from outside: every atom's attribute
 * is set, on every span that carries it (and in the request, when given), to a value that makes
 * the conjunction evaluate the other way; the structure stays as it was. `holds` is the current
 * outcome. Where no span carries an attribute, it is set on `fallbackSpanId` (the entry span).
 */
export function flipCondition(
  trace: ModelTrace,
  atoms: readonly ConditionAtom[],
  holds: boolean,
  fallbackSpanId: string | undefined,
  request?: Readonly<Record<string, string>>,
): { trace: ModelTrace; request: Record<string, string> | undefined } {
  // To falsify a conjunction one atom suffices; to satisfy it every atom must hold.
  const changes = (holds ? atoms.slice(0, 1) : atoms).map((a) => ({
    attribute: a.attribute,
    value: holds ? violating(a) : satisfying(a),
  }));
  let out = trace;
  const nextRequest = request === undefined ? undefined : { ...request };
  for (const { attribute, value } of changes) {
    const carriers = out.spans
      .filter((s) => s.attributes[attribute] !== undefined)
      .map((s) => s.spanId);
    const targets =
      carriers.length > 0 ? carriers : fallbackSpanId === undefined ? [] : [fallbackSpanId];
    out = setAttribute(out, targets, attribute, value);
    if (nextRequest !== undefined) nextRequest[attribute] = value;
  }
  return { trace: out, request: nextRequest };
}

/** A value for which the atom holds. */
export function satisfying(a: ConditionAtom): string {
  switch (a.op) {
    case '=':
      return a.value;
    case '!=':
      return otherThan(a.value);
    case '>=':
      return a.value;
    case '<':
      return String(Number(a.value) - 1);
  }
}

/** A value for which the atom does not hold. */
export function violating(a: ConditionAtom): string {
  switch (a.op) {
    case '=':
      return otherThan(a.value);
    case '!=':
      return a.value;
    case '>=':
      return String(Number(a.value) - 1);
    case '<':
      return a.value;
  }
}

function otherThan(value: string): string {
  if (value === 'true') return 'false';
  if (value === 'false') return 'true';
  if (/^-?\d+$/.test(value)) return String(Number(value) + 1);
  return `${value}-other`;
}

function freshSpanId(trace: ModelTrace, salt: string, base: string): string {
  const taken = new Set(trace.spans.map((s) => s.spanId));
  for (let i = 0; ; i++) {
    const id = `${base}${salt}${i}`
      .replace(/[^0-9a-z]/gi, '')
      .padStart(16, '0')
      .slice(-16);
    if (!taken.has(id)) return id;
  }
}
