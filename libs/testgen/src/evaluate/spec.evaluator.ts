import { evaluateAtom, type ModelTrace } from '@t2t/model';
import type {
  ApplicabilityClause,
  Assertion,
  AttributesAssertion,
  Condition,
  ConditionAtom,
  CountAssertion,
  DurationAssertion,
  OnlyAssertion,
  RelationAssertion,
  TestSpec,
} from '../spec/test-spec.model';
import type { AssertionResult, SpanRef } from './assertion-result.model';
import {
  describeMatcher,
  describeStatusMatcher,
  mismatch,
  statusMismatch,
} from './attribute.matcher';
import { describeSelector, matchesSelector, nearMisses, selectSpans } from './span.selector';
import {
  describeSpan,
  endpointOf,
  indexTrace,
  type IndexedSpan,
  type TraceIndex,
} from './trace.index';

/** Request attributes as sent (stored-string form: `true`, `11`, `gift-card`). */
export type RequestAttributes = Readonly<Record<string, string>>;

/**
 * Which assertions a run checks: `functional` (default) leaves out those marked with the
 * performance profile, `performance` checks only those, `all` both.
 */
export type EvaluationProfile = 'functional' | 'performance' | 'all';

export interface EvaluateOptions {
  profile?: EvaluationProfile;
}

/** Whether an assertion belongs to the profile a run checks. */
export function inProfile(
  a: Pick<Assertion, 'profile'>,
  profile: EvaluationProfile = 'functional',
): boolean {
  if (profile === 'all') return true;
  return profile === 'performance' ? a.profile === 'performance' : a.profile === undefined;
}

/**
 * Evaluates the spec's assertions on one trace. `request`: the attributes the runner sent (the
 * trigger's); without it (recorded traces), conditions read the trace's own spans. Assertions of
 * the performance profile are checked only when `options.profile` asks for them. Pure; each trace
 * is indexed once however many specs evaluate it.
 */
export function evaluateSpec(
  spec: Pick<TestSpec, 'assertions'>,
  trace: ModelTrace,
  request?: RequestAttributes,
  options: EvaluateOptions = {},
): AssertionResult[] {
  return evaluateAssertions(spec.assertions, trace, request, '$.assertions', options);
}

/** Evaluates a list of assertions (a spec's, or a journey step's with its own base path). */
export function evaluateAssertions(
  assertions: readonly Assertion[],
  trace: ModelTrace,
  request: RequestAttributes | undefined,
  basePath: string,
  options: EvaluateOptions = {},
): AssertionResult[] {
  const index = indexTrace(trace);
  const out: AssertionResult[] = [];
  const profile = options.profile ?? 'functional';
  assertions.forEach((a, i) =>
    evaluateInto(a, `${basePath}[${i}]`, index, request, out, undefined, profile),
  );
  return out;
}

/** Evaluates one assertion (and, for a conditional, the leaves of the branch that applies). */
export function evaluateAssertion(
  a: Assertion,
  path: string,
  trace: ModelTrace,
  request?: RequestAttributes,
): AssertionResult[] {
  const out: AssertionResult[] = [];
  evaluateInto(a, path, indexTrace(trace), request, out, undefined);
  return out;
}

function evaluateInto(
  a: Assertion,
  path: string,
  index: TraceIndex,
  request: RequestAttributes | undefined,
  out: AssertionResult[],
  branch: AssertionResult['branch'],
  profile: EvaluationProfile = 'all',
): void {
  if (a.kind !== 'conditional' && !inProfile(a, profile)) return;
  if (a.kind === 'conditional') {
    const outcome = evaluateConditionOn(a.when, index, request);
    const taken = outcome.holds ? a.then : a.else;
    const info = {
      conditionPath: path,
      condition: describeAtoms(a.when.all),
      holds: outcome.holds,
      values: outcome.values,
    };
    const arm = outcome.holds ? 'then' : 'else';
    taken.forEach((leaf, i) =>
      evaluateInto(leaf, `${path}.${arm}[${i}]`, index, request, out, info, profile),
    );
    return;
  }
  const result = evaluateLeaf(a, index);
  out.push({
    ...result,
    id: a.id,
    path,
    kind: a.kind,
    description: a.description,
    ...(a.profile === undefined ? {} : { profile: a.profile }),
    ...(branch ? { branch } : {}),
  });
}

type LeafOutcome = Pick<AssertionResult, 'passed' | 'expected' | 'found' | 'spans' | 'failedKeys'>;

function evaluateLeaf(
  a: Exclude<Assertion, { kind: 'conditional' }>,
  index: TraceIndex,
): LeafOutcome {
  switch (a.kind) {
    case 'exists': {
      const selected = selectSpans(index, a.select);
      const expected = `a span matching ${describeSelector(a.select)}`;
      if (selected.length > 0) return pass(expected, `${count(selected.length)}`, selected);
      return fail(expected, missingText(index, a.select), nearMisses(index, a.select));
    }
    case 'absent': {
      const selected = selectSpans(index, a.select);
      const expected = `no span matching ${describeSelector(a.select)}`;
      if (selected.length === 0) return pass(expected, 'none', []);
      return fail(expected, `${count(selected.length)}: ${names(selected)}`, selected);
    }
    case 'count':
      return evaluateCount(a, index);
    case 'attributes':
      return evaluateAttributes(a, index);
    case 'relation':
      return evaluateRelation(a, index);
    case 'duration':
      return evaluateDuration(a, index);
    case 'only':
      return evaluateOnly(a, index);
  }
}

function evaluateCount(a: CountAssertion, index: TraceIndex): LeafOutcome {
  const selected = selectSpans(index, a.select);
  const n = selected.length;
  const { equals, min, max } = a.count;
  const wanted =
    equals !== undefined
      ? `exactly ${equals}`
      : min !== undefined && max !== undefined
        ? `between ${min} and ${max}`
        : min !== undefined
          ? `at least ${min}`
          : `at most ${max}`;
  const expected = `${wanted} span${equals === 1 ? '' : 's'} matching ${describeSelector(a.select)}`;
  const ok =
    (equals === undefined || n === equals) &&
    (min === undefined || n >= min) &&
    (max === undefined || n <= max);
  return ok
    ? pass(expected, String(n), selected)
    : fail(expected, `${n}${n > 0 ? `: ${names(selected)}` : ''}`, selected);
}

function evaluateAttributes(a: AttributesAssertion, index: TraceIndex): LeafOutcome {
  const selected = selectSpans(index, a.select);
  const wanted = Object.entries(a.attributes).map(([k, m]) => `${k} ${describeMatcher(m)}`);
  if (a.status !== undefined) wanted.push(describeStatusMatcher(a.status));
  const quantifier = a.quantifier ?? 'all';
  const expected = `${quantifier === 'all' ? 'every' : 'some'} span matching ${describeSelector(a.select)} has ${wanted.join('; ')}`;
  if (selected.length === 0) {
    return fail(expected, missingText(index, a.select), nearMisses(index, a.select));
  }
  const problemsOf = (s: IndexedSpan): { key: string; text: string }[] => {
    const problems: { key: string; text: string }[] = [];
    for (const [key, m] of Object.entries(a.attributes)) {
      const why = mismatch(s.span.attributes[key], m);
      if (why !== undefined) problems.push({ key, text: `${key} ${why}` });
    }
    if (a.status !== undefined) {
      const why = statusMismatch(s.span.statusCode, a.status);
      if (why !== undefined) problems.push({ key: ':status', text: why });
    }
    return problems;
  };
  const perSpan = selected.map((s) => ({ s, problems: problemsOf(s) }));
  const failing = perSpan.filter((p) => p.problems.length > 0);
  const ok = quantifier === 'all' ? failing.length === 0 : failing.length < perSpan.length;
  if (ok) return pass(expected, `${count(selected.length)} checked`, selected);
  const shown = quantifier === 'all' ? failing : perSpan;
  return {
    ...fail(
      expected,
      shown
        .slice(0, 3)
        .map((p) => `${describeSpan(p.s)}: ${p.problems.map((x) => x.text).join(', ')}`)
        .join('; '),
      shown.map((p) => p.s),
    ),
    failedKeys: [...new Set(shown.flatMap((p) => p.problems.map((x) => x.key)))].sort(),
  };
}

function evaluateRelation(a: RelationAssertion, index: TraceIndex): LeafOutcome {
  const selected = selectSpans(index, a.select);
  const target = describeSelector(a.target);
  const phrase =
    a.relation === 'childOf'
      ? `is a child of a span matching ${target}`
      : a.relation === 'descendantOf'
        ? `is a descendant of a span matching ${target}`
        : `ends before every span matching ${target} starts`;
  const expected = `every span matching ${describeSelector(a.select)} ${phrase}`;
  if (selected.length === 0) {
    return fail(expected, missingText(index, a.select), nearMisses(index, a.select));
  }
  const isTarget = (s: IndexedSpan | undefined) =>
    s !== undefined && matchesSelector(s, a.target, index);
  const offenders: { s: IndexedSpan; why: string }[] = [];
  if (a.relation === 'before') {
    const targets = selectSpans(index, a.target);
    if (targets.length === 0) return fail(expected, `no span matches ${target}`, selected);
    const firstStart = targets.reduce(
      (m, t) => (t.span.startNs < m ? t.span.startNs : m),
      targets[0].span.startNs,
    );
    for (const s of selected) {
      if (s.endNs > firstStart) {
        offenders.push({
          s,
          why: `ends ${formatMs(Number(s.endNs - firstStart) / 1e6)} ms after a target starts`,
        });
      }
    }
  } else {
    for (const s of selected) {
      if (a.relation === 'childOf') {
        if (!isTarget(s.parent)) {
          offenders.push({
            s,
            why: s.parent === undefined ? 'has no parent' : `has parent ${describeSpan(s.parent)}`,
          });
        }
      } else {
        let p = s.parent;
        while (p !== undefined && !isTarget(p)) p = p.parent;
        if (p === undefined) offenders.push({ s, why: 'has no such ancestor' });
      }
    }
  }
  if (offenders.length === 0) return pass(expected, `${count(selected.length)} checked`, selected);
  return fail(
    expected,
    offenders
      .slice(0, 3)
      .map((o) => `${describeSpan(o.s)} ${o.why}`)
      .join('; '),
    offenders.map((o) => o.s),
  );
}

function evaluateDuration(a: DurationAssertion, index: TraceIndex): LeafOutcome {
  const selected = selectSpans(index, a.select);
  const bounds =
    a.minMs !== undefined && a.maxMs !== undefined
      ? `between ${a.minMs} and ${a.maxMs} ms`
      : a.maxMs !== undefined
        ? `at most ${a.maxMs} ms`
        : `at least ${a.minMs} ms`;
  const expected = `every span matching ${describeSelector(a.select)} lasts ${bounds}`;
  if (selected.length === 0) {
    return fail(expected, missingText(index, a.select), nearMisses(index, a.select));
  }
  const offenders = selected.filter((s) => {
    const ms = s.span.durationNs / 1e6;
    return (a.maxMs !== undefined && ms > a.maxMs) || (a.minMs !== undefined && ms < a.minMs);
  });
  const text = (s: IndexedSpan) =>
    `${describeSpan(s)} took ${formatMs(s.span.durationNs / 1e6)} ms`;
  if (offenders.length === 0)
    return pass(expected, selected.slice(0, 3).map(text).join('; '), selected);
  return fail(expected, offenders.slice(0, 3).map(text).join('; '), offenders);
}

function evaluateOnly(a: OnlyAssertion, index: TraceIndex): LeafOutcome {
  const selected = selectSpans(index, a.select);
  const expected = `every span matching ${describeSelector(a.select)} is one of ${a.allowed.length} known shape${a.allowed.length === 1 ? '' : 's'}`;
  const unexpected = selected.filter(
    (s) => !a.allowed.some((sel) => matchesSelector(s, sel, index)),
  );
  if (unexpected.length === 0) return pass(expected, `${count(selected.length)} all known`, []);
  return fail(expected, `unexpected ${names(unexpected)}`, unexpected);
}

// ── conditions ───────────────────────────────────────────────────────────────────────────────────

/**
 * Whether the condition holds for this trace, and the values it was decided on. Each atom's
 * attribute comes from the request when given, else the entry span, else the deciding handler's
 * server span (`at`), else the first span carrying it; absent everywhere means absent (only `!=`
 * holds), the same convention as the rule miner, so a test decides like the model did.
 */
/**
 * Whether a recorded trace is one a spec judges (TestSpec.appliesWhen): every clause's condition
 * holds, or fails, as the clause says, read from the trace like a conditional assertion reads it.
 */
export function applicabilityHolds(
  clauses: readonly ApplicabilityClause[],
  trace: ModelTrace,
): boolean {
  if (clauses.length === 0) return true;
  const index = indexTrace(trace);
  return clauses.every((c) => evaluateConditionOn(c.when, index, undefined).holds === c.holds);
}

/**
 * Whether a conditional assertion's condition holds for this trace: read from `request` (the
 * attributes a test sent) first, then from the trace, as the evaluator decides which branch applies.
 */
export function conditionHolds(
  condition: Condition,
  trace: ModelTrace,
  request?: RequestAttributes,
): boolean {
  return evaluateConditionOn(condition, indexTrace(trace), request).holds;
}

export function evaluateConditionOn(
  condition: Condition,
  index: TraceIndex,
  request: RequestAttributes | undefined,
): { holds: boolean; values: string } {
  const values: string[] = [];
  let holds = true;
  for (const atom of condition.all) {
    const value = lookupAttribute(atom, condition.at, index, request);
    values.push(`${atom.attribute} = ${value === undefined ? '(absent)' : JSON.stringify(value)}`);
    if (!evaluateAtom(atom, value)) holds = false;
  }
  return { holds, values: values.join(', ') };
}

export function lookupAttribute(
  atom: ConditionAtom,
  at: string | undefined,
  index: TraceIndex,
  request: RequestAttributes | undefined,
): string | undefined {
  if (request !== undefined && request[atom.attribute] !== undefined)
    return request[atom.attribute];
  const fromEntry = index.entry?.span.attributes[atom.attribute];
  if (fromEntry !== undefined) return fromEntry;
  if (at !== undefined) {
    const handler = index.spans.find((s) => endpointOf(s) === at);
    const fromHandler = handler?.span.attributes[atom.attribute];
    if (fromHandler !== undefined) return fromHandler;
  }
  return index.spans.find((s) => s.span.attributes[atom.attribute] !== undefined)?.span.attributes[
    atom.attribute
  ];
}

export function describeAtoms(atoms: readonly ConditionAtom[]): string {
  return atoms.map((a) => `${a.attribute} ${a.op} ${a.value}`).join(' and ');
}

// ── helpers ──────────────────────────────────────────────────────────────────────────────────────

function pass(expected: string, found: string, spans: readonly IndexedSpan[]): LeafOutcome {
  return { passed: true, expected, found, spans: refs(spans) };
}

function fail(expected: string, found: string, spans: readonly IndexedSpan[]): LeafOutcome {
  return { passed: false, expected, found, spans: refs(spans) };
}

function refs(spans: readonly IndexedSpan[]): SpanRef[] {
  return spans.slice(0, 5).map((s) => ({
    spanId: s.span.spanId,
    service: s.span.service,
    kind: s.kind,
    name: s.span.name,
  }));
}

function missingText(index: TraceIndex, sel: Parameters<typeof nearMisses>[1]): string {
  const near = nearMisses(index, sel);
  return near.length === 0 ? 'no such span' : `no such span; nearest: ${names(near)}`;
}

function names(spans: readonly IndexedSpan[]): string {
  const shown = spans.slice(0, 3).map(describeSpan).join(', ');
  return spans.length > 3 ? `${shown} and ${spans.length - 3} more` : shown;
}

function count(n: number): string {
  return `${n} span${n === 1 ? '' : 's'}`;
}

function formatMs(ms: number): string {
  return ms >= 100 ? ms.toFixed(0) : ms.toFixed(2);
}
