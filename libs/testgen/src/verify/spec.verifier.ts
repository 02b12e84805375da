import type { ModelTrace } from '@t2t/model';
import {
  describeAtoms,
  evaluateAssertion,
  evaluateAssertions,
  evaluateConditionOn,
} from '../evaluate/spec.evaluator';
import { indexTrace } from '../evaluate/trace.index';
import { childPath } from '../spec/json-schema.validator';
import type {
  Assertion,
  AttributesAssertion,
  DroppedCheck,
  TestSpec,
  Verification,
} from '../spec/test-spec.model';
import { defaultMutations, type MutationStrategy } from './assertion.mutator';

export interface VerifyOptions {
  /** Recorded traces of the spec's behaviour (see recordedTracesFor). */
  recorded: readonly ModelTrace[];
  /** For journeys: recorded traces per `before` step. */
  recordedSteps?: readonly (readonly ModelTrace[])[];
  /** Mutation operators per assertion (default: defaultMutations). */
  mutate?: MutationStrategy;
  /** Recorded traces each check is mutated from before it is declared unable to fail. Default 3. */
  mutationTraces?: number;
  /**
   * What every stored trace of the period shows about conditions the spec branches on (a rule's
   * measurement over all traffic): the recorded traces are a sample, and a branch that fails on
   * stored traffic the sample missed would fail in production.
   */
  stored?: readonly StoredConditionEvidence[];
}

/** A rule's condition counted over all stored traffic, as its conditional assertion reads it. */
export interface StoredConditionEvidence {
  /** `describeAtoms(when.all)` of the conditional, and its deciding handler. */
  condition: string;
  at?: string;
  /** Traces where the condition holds but the effect did not happen (the `then` branch fails). */
  thenFails: number;
  /** Traces where the condition fails but the effect happened (the `else` branch fails). */
  elseFails: number;
  /** Traces counted. */
  traces: number;
}

interface Run {
  mutate: MutationStrategy;
  mutationTraces: number;
  donors: readonly ModelTrace[];
  dropped: DroppedCheck[];
  tried: number;
  stored: readonly StoredConditionEvidence[];
}

/**
 * Verifies a spec against recorded traces, from either generator:
 *
 * 1. every check must hold on every recorded trace it applies to (a conditional's branches apply
 *    to the traces where the condition holds / does not hold); a check that fails on one is dropped
 *    (`fails-on-recorded`), and so is a branch no recorded trace takes (`never-applies`);
 * 2. every check must fail on at least one mutated copy of a recorded trace (its span removed, its
 *    attribute changed, …; see defaultMutations); one that cannot is dropped (`cannot-fail`). A
 *    conditional with both branches must also fail when its condition is flipped on a recorded
 *    trace (the structure kept, the deciding attribute changed): otherwise the condition decides
 *    nothing.
 *
 * A check is a leaf assertion, or one attribute matcher (or the status matcher) of an attributes
 * assertion, so one bad matcher does not take the rest with it. Returns a copy of the spec with
 * the surviving assertions and `verification` filled in; `rejected` when no recorded trace was
 * given or nothing survived. Pure and deterministic.
 */
export function verifySpec(spec: TestSpec, options: VerifyOptions): TestSpec {
  const run: Run = {
    mutate: options.mutate ?? defaultMutations,
    mutationTraces: options.mutationTraces ?? 3,
    donors: [...options.recorded, ...(options.recordedSteps ?? []).flat()],
    dropped: [],
    tried: 0,
    stored: options.stored ?? [],
  };
  const recorded = options.recorded;
  const assertions =
    recorded.length === 0 ? [] : verifyList(spec.assertions, '$.assertions', recorded, run);
  const before = (spec.before ?? []).map((step, i) => {
    const traces = options.recordedSteps?.[i] ?? [];
    const kept =
      traces.length === 0
        ? []
        : verifyList(step.assertions, `$.before[${i}].assertions`, traces, run);
    if (traces.length === 0) {
      for (const [j, a] of step.assertions.entries()) {
        run.dropped.push({
          path: `$.before[${i}].assertions[${j}]`,
          assertionId: a.id,
          reason: 'never-applies',
          detail: 'no recorded traces for this step',
        });
      }
    }
    return { ...step, assertions: kept };
  });
  const kept = countChecks(assertions) + before.reduce((n, s) => n + countChecks(s.assertions), 0);
  const verified: TestSpec = {
    ...spec,
    assertions,
    ...(spec.before === undefined ? {} : { before }),
  };
  const traces = recorded.map((t) => ({
    traceId: t.traceId,
    passed: evaluateAssertions(assertions, t, undefined, '$.assertions').every((r) => r.passed),
  }));
  const reason =
    recorded.length === 0
      ? 'no recorded traces to verify against'
      : assertions.length === 0
        ? 'no assertion survived verification'
        : undefined;
  const verification: Verification = {
    status: reason === undefined ? 'verified' : 'rejected',
    ...(reason === undefined ? {} : { reason }),
    recordedTraces: recorded.length,
    mutationsTried: run.tried,
    kept,
    dropped: run.dropped,
    traces,
  };
  return { ...verified, verification };
}

function verifyList(
  list: readonly Assertion[],
  base: string,
  traces: readonly ModelTrace[],
  run: Run,
): Assertion[] {
  const out: Assertion[] = [];
  list.forEach((a, i) => {
    const kept = verifyOne(a, `${base}[${i}]`, traces, run);
    if (kept !== undefined) out.push(kept);
  });
  return out;
}

function verifyOne(
  a: Assertion,
  path: string,
  traces: readonly ModelTrace[],
  run: Run,
): Assertion | undefined {
  const drop = (reason: DroppedCheck['reason'], detail: string, at = path) => {
    run.dropped.push({ path: at, assertionId: a.id, reason, detail });
    return undefined;
  };

  if (a.kind === 'conditional') {
    const yes: ModelTrace[] = [];
    const no: ModelTrace[] = [];
    for (const t of traces)
      (evaluateConditionOn(a.when, indexTrace(t), undefined).holds ? yes : no).push(t);
    const condition = describeAtoms(a.when.all);
    const stored = run.stored.find(
      (e) => e.condition === condition && (e.at === undefined || e.at === a.when.at),
    );
    const branch = (list: Assertion[], arm: 'then' | 'else', pool: ModelTrace[]) => {
      if (list.length === 0) return [];
      const storedFails =
        stored === undefined ? 0 : arm === 'then' ? stored.thenFails : stored.elseFails;
      if (storedFails > 0) {
        list.forEach((x, i) =>
          run.dropped.push({
            path: `${path}.${arm}[${i}]`,
            assertionId: x.id,
            reason: 'fails-on-recorded',
            detail: `the ${arm} branch fails on ${storedFails} of ${stored!.traces} stored traces of the period (${condition})`,
          }),
        );
        return [];
      }
      if (pool.length === 0) {
        list.forEach((x, i) =>
          run.dropped.push({
            path: `${path}.${arm}[${i}]`,
            assertionId: x.id,
            reason: 'never-applies',
            detail: `no recorded trace takes the ${arm} branch`,
          }),
        );
        return [];
      }
      return verifyList(list, `${path}.${arm}`, pool, run);
    };
    const pruned: Assertion = {
      ...a,
      then: branch(a.then, 'then', yes),
      else: branch(a.else, 'else', no),
    };
    if (pruned.then.length === 0 && pruned.else.length === 0)
      return drop('fails-on-recorded', 'both branches lost every assertion');
    // With both branches, the condition itself must matter: flipping it must break the assertion
    // (else both arms say the same). With one branch left, its leaves have each shown they can fail.
    if (pruned.then.length === 0 || pruned.else.length === 0) return pruned;
    return canFail(pruned, path, traces, run)
      ? pruned
      : drop('cannot-fail', 'flipping the condition changes no outcome');
  }

  if (a.kind === 'attributes') return verifyAttributes(a, path, traces, run);

  const failure = firstFailure(a, path, traces);
  if (failure !== undefined) return drop('fails-on-recorded', failure);
  return canFail(a, path, traces, run)
    ? a
    : drop('cannot-fail', 'no mutation of the recorded traces makes it fail');
}

/** Each attribute matcher and the status matcher is a check of its own. */
function verifyAttributes(
  a: AttributesAssertion,
  path: string,
  traces: readonly ModelTrace[],
  run: Run,
): Assertion | undefined {
  const attributes: AttributesAssertion['attributes'] = {};
  for (const [key, m] of Object.entries(a.attributes)) {
    const single: AttributesAssertion = { ...a, attributes: { [key]: m }, status: undefined };
    const at = childPath(`${path}.attributes`, key);
    const failure = firstFailure(single, path, traces);
    if (failure !== undefined) {
      run.dropped.push({
        path: at,
        assertionId: a.id,
        reason: 'fails-on-recorded',
        detail: failure,
      });
    } else if (!canFail(single, path, traces, run)) {
      run.dropped.push({
        path: at,
        assertionId: a.id,
        reason: 'cannot-fail',
        detail: 'no value change makes it fail',
      });
    } else {
      attributes[key] = m;
    }
  }
  let status = a.status;
  if (status !== undefined) {
    const single: AttributesAssertion = { ...a, attributes: {}, status };
    const failure = firstFailure(single, path, traces);
    const reason =
      failure !== undefined
        ? 'fails-on-recorded'
        : !canFail(single, path, traces, run)
          ? 'cannot-fail'
          : undefined;
    if (reason !== undefined) {
      run.dropped.push({
        path: `${path}.status`,
        assertionId: a.id,
        reason,
        detail: failure ?? 'no status change makes it fail',
      });
      status = undefined;
    }
  }
  if (Object.keys(attributes).length === 0 && status === undefined) return undefined;
  const { status: _omit, ...rest } = a;
  return { ...rest, attributes, ...(status === undefined ? {} : { status }) };
}

/** Why the assertion fails on some recorded trace, or undefined when it holds on all. */
function firstFailure(
  a: Assertion,
  path: string,
  traces: readonly ModelTrace[],
): string | undefined {
  for (const t of traces) {
    const failed = evaluateAssertion(a, path, t).find((r) => !r.passed);
    if (failed !== undefined)
      return `trace ${t.traceId}: expected ${failed.expected}; found ${failed.found}`;
  }
  return undefined;
}

/** Whether some mutation of one of the first few applicable recorded traces makes it fail. */
function canFail(a: Assertion, path: string, traces: readonly ModelTrace[], run: Run): boolean {
  let used = 0;
  for (const t of traces) {
    if (used >= run.mutationTraces) break;
    used++;
    for (const mutant of run.mutate(a, t, { donors: run.donors })) {
      run.tried++;
      if (evaluateAssertion(a, path, mutant.trace, mutant.request).some((r) => !r.passed))
        return true;
    }
  }
  return false;
}

function countChecks(list: readonly Assertion[]): number {
  let n = 0;
  for (const a of list) {
    if (a.kind === 'conditional') n += 1 + countChecks(a.then) + countChecks(a.else);
    else if (a.kind === 'attributes')
      n += Object.keys(a.attributes).length + (a.status === undefined ? 0 : 1);
    else n += 1;
  }
  return n;
}
