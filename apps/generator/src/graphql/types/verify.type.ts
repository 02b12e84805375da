import { Field, Int, ObjectType, registerEnumType } from '@nestjs/graphql';
import {
  groupOf,
  type RunEvaluation,
  type TraceFailure,
  type TraceJudgement,
  type VerifiedTest,
  type VerifyResult,
} from '@t2t/runner';
import type { AssertionResult } from '@t2t/testgen';
import { enumValue } from './model.enums';
import { TestKind } from './test.enums';
import { REPORT_COMPLEXITY } from './test.type';
import { toTraceType, TraceType } from './trace.type';

/**
 * Failed assertions a verdict is assumed to list when costing a query: a failing trace usually
 * misses a call or a write, which fails one to a few assertions.
 */
export const ASSERTIONS_ESTIMATE = 5;

/** Tests assumed to judge one trace when costing a query: its endpoint's rule tests and one more. */
export const VERDICTS_PER_TRACE_ESTIMATE = 5;

/*
 * The result of `verifyTests`: libs/runner's VerifyResult, typed. Counts are Int: they are bounded
 * by the traces one verification reads (maxTracesPerEndpoint per endpoint), unlike the cluster
 * totals that grow with traffic and are Float.
 */

export enum VerifyStatus {
  PASSED = 'passed',
  FAILED = 'failed',
  SKIPPED = 'skipped',
}
registerEnumType(VerifyStatus, {
  name: 'VerifyStatus',
  description:
    'PASSED: every trace that applied passes; FAILED: some trace fails; SKIPPED: no stored trace of the period applied.',
});

export enum VerifyReason {
  RULE = 'rule',
  BEHAVIOUR = 'behaviour',
  STRUCTURE = 'structure',
  OTHER_BEHAVIOUR = 'other-behaviour',
  UNKNOWN_BEHAVIOUR = 'unknown-behaviour',
}
registerEnumType(VerifyReason, {
  name: 'VerifyReason',
  description: 'Why a test judged a trace.',
  valuesMap: {
    RULE: { description: 'A rule test judges every trace of its endpoint.' },
    BEHAVIOUR: { description: 'The request selects the test and the trace has its behaviour.' },
    STRUCTURE: {
      description:
        'The request selects the test and the trace has another structure, which the test accepts.',
    },
    OTHER_BEHAVIOUR: {
      description:
        'The request selects the test, the trace took another known behaviour and fails it.',
    },
    UNKNOWN_BEHAVIOUR: {
      description:
        'The request selects the test, the trace has a structure no known behaviour has and fails it.',
    },
  },
});

export enum TraceFinding {
  UNCOVERED = 'uncovered',
  UNKNOWN_BEHAVIOUR = 'unknown-behaviour',
  OTHER_BEHAVIOUR = 'other-behaviour',
}
registerEnumType(TraceFinding, {
  name: 'TraceFinding',
  description: 'Something about a trace itself, beyond failing assertions.',
  valuesMap: {
    UNCOVERED: { description: 'No behaviour test’s conditions select its request.' },
    UNKNOWN_BEHAVIOUR: {
      description:
        'Its structure is no behaviour the model knows, and no selected test accepts it.',
    },
    OTHER_BEHAVIOUR: { description: 'It took a known behaviour its request’s rule arms exclude.' },
  },
});

@ObjectType('AssertionFailure', { description: 'An assertion that failed on a trace.' })
export class AssertionFailureType {
  @Field({ description: 'The assertion’s id in its spec (`a3`).' }) id!: string;
  @Field({ description: 'JSON path in the spec: `$.assertions[2].then[0]`.' }) path!: string;
  @Field() description!: string;
  @Field({ description: 'What was expected, in words.' }) expected!: string;
  @Field({ description: 'What the trace shows.' }) found!: string;
}

@ObjectType('VerifyReasonCount')
export class VerifyReasonCountType {
  @Field(() => VerifyReason) reason!: VerifyReason;
  @Field(() => Int) traces!: number;
}

@ObjectType('VerifyFailure', { description: 'A stored trace a test failed on.' })
export class VerifyFailureType {
  @Field() traceId!: string;
  @Field(() => VerifyReason) reason!: VerifyReason;
  @Field(() => TraceType, { description: 'The trace, with its spans when selected.' })
  trace!: TraceType;
  @Field(() => [AssertionFailureType], {
    description: 'The failed assertions, journey steps’ included.',
    complexity: ({ childComplexity }) => 1 + childComplexity * ASSERTIONS_ESTIMATE,
  })
  failed!: AssertionFailureType[];
  @Field({
    description:
      'The evaluation as the console report prints it: every assertion with what was expected and found, and the spans involved.',
    complexity: REPORT_COMPLEXITY,
  })
  report!: string;
}

@ObjectType('VerifyTest', {
  description: 'One test’s verdict over the stored traces of the period.',
})
export class VerifyTestType {
  @Field() testId!: string;
  @Field() name!: string;
  @Field() endpoint!: string;
  @Field(() => TestKind) kind!: TestKind;
  @Field(() => VerifyStatus) status!: VerifyStatus;
  @Field(() => Int, { description: 'Traces it was evaluated on.' }) traces!: number;
  @Field(() => Int, { description: 'Traces it failed on.' }) failedTraces!: number;
  @Field(() => [VerifyReasonCountType], {
    description: 'How the traces were matched to it, counted.',
  })
  reasons!: VerifyReasonCountType[];
  /** Its failing traces, for `failures` (not a GraphQL field). */
  failed!: TraceFailure[];
}

@ObjectType('VerifyVerdict', { description: 'A test’s verdict on one trace.' })
export class VerifyVerdictType {
  @Field() testId!: string;
  @Field() name!: string;
  @Field(() => TestKind) kind!: TestKind;
  @Field(() => VerifyReason) reason!: VerifyReason;
  @Field() passed!: boolean;
  @Field(() => [AssertionFailureType], {
    description: 'The failed assertions (empty when passed).',
    complexity: ({ childComplexity }) => 1 + childComplexity * ASSERTIONS_ESTIMATE,
  })
  failed!: AssertionFailureType[];
}

@ObjectType('VerifyTrace', {
  description: 'One stored trace as verification judged it (a line of `t2t test verify --jsonl`).',
})
export class VerifyTraceType {
  @Field() traceId!: string;
  @Field({ description: 'Entry endpoint key of the trace.' }) endpoint!: string;
  @Field({ description: 'Structural fingerprint of the trace (its behaviour).' })
  fingerprint!: string;
  @Field({ description: 'The fingerprint is a behaviour of the latest model.' })
  knownBehaviour!: boolean;
  @Field(() => [TraceFinding]) findings!: TraceFinding[];
  @Field({ description: 'Every test that judged it passed.' }) passed!: boolean;
  @Field(() => [VerifyVerdictType], {
    description: 'The tests that judged it.',
    complexity: ({ childComplexity }) => 1 + childComplexity * VERDICTS_PER_TRACE_ESTIMATE,
  })
  tests!: VerifyVerdictType[];
}

@ObjectType('VerifyFindingCount', {
  description: 'Traces of an endpoint with one kind of finding, counted, with an example.',
})
export class VerifyFindingCountType {
  @Field() endpoint!: string;
  @Field(() => TraceFinding) finding!: TraceFinding;
  @Field(() => Int) traces!: number;
  @Field() exampleTraceId!: string;
}

@ObjectType('VerifyRun', {
  description:
    'The outcome of `verifyTests`: the tests’ verdicts on the stored production traces of a period, as `t2t test verify` reports them.',
})
export class VerifyRunType {
  @Field({ description: 'Start of the period (ISO 8601, inclusive).' }) from!: string;
  @Field({ description: 'End of the period (ISO 8601, exclusive).' }) to!: string;
  @Field(() => Int, { description: 'Stored traces read and evaluated.' }) traceCount!: number;
  @Field(() => Int) passed!: number;
  @Field(() => Int) failed!: number;
  @Field(() => Int, { description: 'Tests no stored trace of the period applied to.' })
  skipped!: number;
  @Field(() => Int) durationMs!: number;
  @Field(() => [String], {
    description: 'Stored tests that could not be read (not JSON, or not a valid spec): left out.',
  })
  problems!: string[];
  @Field(() => [VerifyFindingCountType], {
    description:
      'Per endpoint and kind, traces whose structure no selected test accepts (UNKNOWN_BEHAVIOUR, OTHER_BEHAVIOUR).',
  })
  findings!: VerifyFindingCountType[];
  @Field(() => [VerifyFindingCountType], {
    description: 'Per endpoint, traces no behaviour test selects (finding UNCOVERED).',
  })
  uncovered!: VerifyFindingCountType[];

  /** What the field resolvers render from (not GraphQL fields). */
  result!: VerifyResult;
  storedRunId!: string | null;
  storeError!: Error | undefined;
}

/** The failed results of an evaluation, journey steps' included (as the JSON Lines list them). */
export function toAssertionFailures(evaluation: RunEvaluation): AssertionFailureType[] {
  const all: AssertionResult[] = [
    ...evaluation.results,
    ...evaluation.steps.flatMap((s) => s.results),
  ];
  return all
    .filter((x) => !x.passed)
    .map((x) => ({
      id: x.id,
      path: x.path,
      description: x.description,
      expected: x.expected,
      found: x.found,
    }));
}

const kindOf = (spec: VerifiedTest['spec']) => enumValue(TestKind, groupOf(spec), TestKind.RULE);
const reasonOf = (reason: string) => enumValue(VerifyReason, reason, VerifyReason.RULE);

export function toVerifyTestType(t: VerifiedTest): VerifyTestType {
  return {
    testId: t.spec.id,
    name: t.spec.name,
    endpoint: t.spec.endpoint,
    kind: kindOf(t.spec),
    status: enumValue(VerifyStatus, t.status, VerifyStatus.SKIPPED),
    traces: t.traces,
    failedTraces: t.failed.length,
    reasons: Object.entries(t.reasons).map(([reason, traces]) => ({
      reason: reasonOf(reason),
      traces: traces ?? 0,
    })),
    failed: t.failed,
  };
}

export function toVerifyFailureType(f: TraceFailure): VerifyFailureType {
  return {
    traceId: f.traceId,
    reason: reasonOf(f.reason),
    trace: toTraceType(f.traceId),
    failed: toAssertionFailures(f.evaluation),
    report: f.evaluation.report,
  };
}

export function toVerifyTraceType(j: TraceJudgement): VerifyTraceType {
  return {
    traceId: j.traceId,
    endpoint: j.endpoint,
    fingerprint: j.fingerprint,
    knownBehaviour: j.knownBehaviour,
    findings: j.findings.map((f) => enumValue(TraceFinding, f, TraceFinding.UNCOVERED)),
    passed: j.verdicts.every((v) => v.evaluation.passed),
    tests: j.verdicts.map((v) => ({
      testId: v.spec.id,
      name: v.spec.name,
      kind: kindOf(v.spec),
      reason: reasonOf(v.reason),
      passed: v.evaluation.passed,
      failed: toAssertionFailures(v.evaluation),
    })),
  };
}

export function toVerifyRunType(
  result: VerifyResult,
  outcome: { problems: string[]; runId: string | null; storeError?: Error },
): VerifyRunType {
  const count = (status: VerifiedTest['status']) =>
    result.tests.filter((t) => t.status === status).length;
  return {
    from: new Date(Number(result.fromNs / 1_000_000n)).toISOString(),
    to: new Date(Number(result.toNs / 1_000_000n)).toISOString(),
    traceCount: result.traces,
    passed: count('passed'),
    failed: count('failed'),
    skipped: count('skipped'),
    durationMs: result.durationMs,
    problems: outcome.problems,
    findings: result.findings.map((f) => ({
      endpoint: f.endpoint,
      finding: enumValue(TraceFinding, f.finding, TraceFinding.UNKNOWN_BEHAVIOUR),
      traces: f.traces,
      exampleTraceId: f.exampleTraceId,
    })),
    uncovered: result.uncovered.map((u) => ({
      endpoint: u.endpoint,
      finding: TraceFinding.UNCOVERED,
      traces: u.traces,
      exampleTraceId: u.exampleTraceId,
    })),
    result,
    storedRunId: outcome.runId,
    storeError: outcome.storeError,
  };
}
