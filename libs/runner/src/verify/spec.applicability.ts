import type { ModelTrace } from '@t2t/model';
import { applicabilityHolds, type TestSpec } from '@t2t/testgen';
import { evaluateRun, type RunEvaluation } from '../run/run.evaluation';

/**
 * Why a spec judged a stored trace:
 * - `rule`: rule specs judge every trace of their endpoint (their conditional reads the trace);
 * - `behaviour`: the trace's request selects the spec (its `appliesWhen`: the arms of the rules
 *   that decide the behaviour) and the trace has the spec's behaviour (fingerprint);
 * - `structure`: the request selects the spec, the fingerprint is another, but the spec passes:
 *   the trace differs from its behaviour only in what no test checks (another environment's host
 *   names change fingerprints, not tests);
 * - `other-behaviour`: the request selects these specs, the trace has another known behaviour of
 *   the endpoint and none of them passes (a branch taken against its rule): each is reported;
 * - `unknown-behaviour`: the same, with a structure no known behaviour has (an extra call, a lost
 *   write, a new error): each selected spec fails where the trace departs from it.
 */
export type ApplyReason =
  'rule' | 'behaviour' | 'structure' | 'other-behaviour' | 'unknown-behaviour';

export interface Verdict {
  spec: TestSpec;
  reason: ApplyReason;
  evaluation: RunEvaluation;
}

/** Something about the trace itself that verification reports, beyond failing assertions. */
export type TraceFinding =
  /** No behaviour or journey spec's conditions select the trace. */
  | 'uncovered'
  /** Its structure is no behaviour the model knows, and no selected spec accepts it. */
  | 'unknown-behaviour'
  /** It took a known behaviour its request's rule arms exclude. */
  | 'other-behaviour';

export interface TraceJudgement {
  traceId: string;
  endpoint: string;
  fingerprint: string;
  /** The fingerprint is one of the endpoint's known behaviours. */
  knownBehaviour: boolean;
  verdicts: Verdict[];
  findings: TraceFinding[];
}

/** `{ name: value }` of the spec's pinned request attributes (the ones that decide its behaviour). */
export function pinnedRequest(spec: TestSpec): [string, string][] {
  return spec.setup.request.filter((a) => a.role === 'pinned').map((a) => [a.name, a.value]);
}

export type SpecGroup = 'rule' | 'behaviour' | 'journey';

export function groupOf(spec: TestSpec): SpecGroup {
  if (spec.covers.journey !== undefined) return 'journey';
  if (spec.covers.behaviour !== undefined) return 'behaviour';
  return 'rule';
}

/**
 * Judges one stored trace with the specs of its endpoint. A stored trace is not a run: nobody chose
 * its behaviour, so which behaviour spec applies follows from what decides behaviours (the clauses
 * each spec carries), not from the example values a trigger sends: a request on the "amount ≥ 250"
 * arm is judged by the specs of that arm whatever its amount, and if its trace lost the review call
 * it fails them. Among the specs its request selects, the one of its own behaviour judges it; when
 * none is its own, every selected spec is evaluated: one that passes takes it (the difference is
 * invisible to tests), and when none passes each failure is reported together with a finding.
 * Specs stored before clauses existed are selected by their pinned request values.
 *
 * `known`: the endpoint's behaviours (fingerprints) as the model knows them.
 */
export function judgeTrace(
  specs: readonly TestSpec[],
  trace: ModelTrace,
  identity: { endpoint: string; fingerprint: string },
  known: ReadonlySet<string>,
): TraceJudgement {
  const request = storedRequest(trace);
  const verdicts: Verdict[] = [];
  const findings: TraceFinding[] = [];
  const knownBehaviour = known.has(identity.fingerprint);
  for (const spec of specs) {
    if (groupOf(spec) === 'rule') {
      verdicts.push({ spec, reason: 'rule', evaluation: evaluateRun(spec, trace) });
    }
  }
  for (const group of ['behaviour', 'journey'] as const) {
    const selected = specs.filter(
      (s) =>
        groupOf(s) === group &&
        (s.appliesWhen !== undefined
          ? applicabilityHolds(s.appliesWhen, trace)
          : pinnedRequest(s).every(([k, v]) => request[k] === v)),
    );
    if (selected.length === 0) {
      if (group === 'behaviour') findings.push('uncovered');
      continue;
    }
    const own = selected.filter((s) => s.covers.behaviour === identity.fingerprint);
    if (own.length > 0) {
      for (const spec of own) {
        verdicts.push({ spec, reason: 'behaviour', evaluation: evaluateRun(spec, trace) });
      }
      continue;
    }
    const evaluated = selected.map((spec) => ({ spec, evaluation: evaluateRun(spec, trace) }));
    const passing = evaluated.filter((e) => e.evaluation.passed);
    if (passing.length > 0) {
      for (const e of passing) verdicts.push({ ...e, reason: 'structure' });
      continue;
    }
    const reason = knownBehaviour ? 'other-behaviour' : 'unknown-behaviour';
    for (const e of evaluated) verdicts.push({ ...e, reason });
    if (!findings.includes(reason)) findings.push(reason);
  }
  return {
    traceId: trace.traceId,
    endpoint: identity.endpoint,
    fingerprint: identity.fingerprint,
    knownBehaviour,
    verdicts,
    findings,
  };
}

/**
 * The request of a stored trace as pins read it: its entry (root) span's attributes. Transport
 * attributes are harmless here (no spec pins them).
 */
export function storedRequest(trace: ModelTrace): Record<string, string> {
  const roots = trace.spans.filter((s) => s.parentSpanId === '');
  const entry = roots.find((s) => s.kind === 2 || s.kind === 5) ?? roots[0];
  return entry?.attributes ?? {};
}
