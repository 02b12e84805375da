import { UseFilters } from '@nestjs/common';
import { Args, Info, Int, Mutation, Parent, ResolveField, Resolver } from '@nestjs/graphql';
import { formatVerifyResult, renderJUnit, verifyJsonLines, verifyToJUnit } from '@t2t/runner';
import { type TestSpec, validateTestSpec } from '@t2t/testgen';
import type { GraphQLResolveInfo } from 'graphql';
import { BadUserInputError } from '../errors/api.errors';
import { ResolverExceptionFilter } from '../errors/resolver-exception.filter';
import { DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE } from '../pagination/page.args';
import { JsonScalar } from '../types/json.scalar';
import {
  toVerifyFailureType,
  toVerifyRunType,
  toVerifyTestType,
  toVerifyTraceType,
  VerifyFailureType,
  VerifyRunType,
  VerifyTestType,
  VerifyTraceType,
} from '../types/verify.type';
import { DOCUMENT_COMPLEXITY } from './test.resolver';
import { selectsAnyOf } from '../verify/field-selection';
import { parsePointInTime, PeriodError } from '../verify/period.parser';
import { StoredVerificationService } from '../verify/stored-verification.service';

/** Newest traces per endpoint a verification reads, unless asked otherwise (the CLI's default). */
export const DEFAULT_TRACES_PER_ENDPOINT = 200;
/** At most this many per endpoint: one request holds every trace it reads in memory. */
export const MAX_TRACES_PER_ENDPOINT = 1000;
/** Specs one request may send to verify instead of the stored tests. */
export const MAX_SPECS = 1000;
/** Tests a verification is assumed to report when costing a query (as `testRun` costs executions). */
export const TESTS_ESTIMATE = 20;
/** Base cost of the mutation itself: it reads and evaluates stored traces whatever is selected. */
export const VERIFY_COMPLEXITY = 100;
/** Failing traces listed per test unless asked otherwise (the CLI's `--show`), and at most. */
const DEFAULT_FAILURES = 3;
const MAX_FAILURES = 20;

/**
 * Continuous verification through the API: the `verifyTests` mutation (what `t2t test verify`
 * does, for when the server owns the embedded store), and the fields that render its result.
 * The typed parts are mapped only when selected; the documents (`report`, `jsonLines`,
 * `junitXml`) are rendered by libs/runner's report functions, the CLI's own, so a client that
 * writes them out gets the files the CLI writes.
 */
@UseFilters(ResolverExceptionFilter)
@Resolver(() => VerifyRunType)
export class VerifyResolver {
  constructor(private readonly verification: StoredVerificationService) {}

  @Mutation(() => VerifyRunType, {
    description: [
      'Evaluates the current verified tests (or the given `specs`) on the production traces stored for their endpoints in a period, and stores the executions in test_runs (mode STORED, one per test) under the answered `runId`, as `t2t test verify` does.',
      'A trace is judged by its endpoint’s rule tests and by the behaviour tests its request selects; traces the runner started are not production traces and are left out.',
      'BAD_USER_INPUT for a bad time, an empty period, an unknown endpoint, an invalid spec, or maxTracesPerEndpoint out of range.',
      'The request waits for the verification; it reads at most maxTracesPerEndpoint traces of each endpoint.',
    ].join(' '),
    complexity: ({ childComplexity }) => VERIFY_COMPLEXITY + childComplexity,
  })
  async verifyTests(
    @Info() info: GraphQLResolveInfo,
    @Args('since', {
      description:
        'Start of the period: a duration ago (`15m`, `2h`, `7d`) or an ISO 8601 time. Traces that started in [since, until) are verified.',
    })
    since: string,
    @Args('until', {
      type: () => String,
      nullable: true,
      defaultValue: '10s',
      description:
        'End of the period, same forms. Default `10s`: traces younger than that may still be arriving.',
    })
    until?: string | null,
    @Args('endpoint', {
      type: () => String,
      nullable: true,
      description: 'Only this endpoint’s tests, e.g. `api-gateway|HTTP POST /orders`.',
    })
    endpoint?: string | null,
    @Args('endpoints', {
      type: () => [String],
      nullable: true,
      description: 'Only these endpoints’ tests (with `endpoint`: both).',
    })
    endpoints?: string[] | null,
    @Args('maxTracesPerEndpoint', {
      type: () => Int,
      nullable: true,
      defaultValue: DEFAULT_TRACES_PER_ENDPOINT,
      description: `Newest traces evaluated per endpoint (1..${MAX_TRACES_PER_ENDPOINT}).`,
    })
    maxTracesPerEndpoint?: number | null,
    @Args('store', {
      type: () => Boolean,
      nullable: true,
      defaultValue: true,
      description: 'Store the executions in test_runs (false: verify only; `runId` is then null).',
    })
    store?: boolean | null,
    @Args('specs', {
      type: () => [JsonScalar],
      nullable: true,
      description: `Specs (libs/testgen format v1) to verify instead of the stored tests, at most ${MAX_SPECS}.`,
    })
    specs?: unknown[] | null,
  ): Promise<VerifyRunType> {
    const now = Date.now();
    const fromMs = pointInTime(since, now, 'since');
    const toMs = pointInTime(until ?? '10s', now, 'until');
    if (!(fromMs < toMs)) {
      throw new BadUserInputError(
        `the period is empty: since ${since} (${new Date(fromMs).toISOString()}) is not before until ${until ?? '10s'} (${new Date(toMs).toISOString()})`,
        'since',
      );
    }
    const max = maxTracesPerEndpoint ?? DEFAULT_TRACES_PER_ENDPOINT;
    if (!Number.isSafeInteger(max) || max < 1 || max > MAX_TRACES_PER_ENDPOINT) {
      throw new BadUserInputError(
        `maxTracesPerEndpoint must be between 1 and ${MAX_TRACES_PER_ENDPOINT}`,
        'maxTracesPerEndpoint',
      );
    }
    const wanted = [
      ...(endpoint === undefined || endpoint === null ? [] : [{ endpoint, argument: 'endpoint' }]),
      ...(endpoints ?? []).map((e) => ({ endpoint: e, argument: 'endpoints' })),
    ];
    const outcome = await this.verification.verify({
      endpoints: wanted,
      fromMs,
      toMs,
      maxTracesPerEndpoint: max,
      store: store ?? true,
      ...(specs === undefined || specs === null ? {} : { specs: validSpecs(specs) }),
      // Every trace's judgement is held only when a field needs it.
      keepJudgements: selectsAnyOf(info, ['traces', 'jsonLines']),
    });
    return toVerifyRunType(outcome.result, outcome);
  }

  @ResolveField(() => String, {
    nullable: true,
    description:
      'The test_runs id of the stored executions (`testRun(runId)`); null with `store: false`, when no test was verified, or when storing failed (then with an error on this field; the verdicts stand).',
  })
  runId(@Parent() run: VerifyRunType): string | null {
    if (run.storeError !== undefined) throw run.storeError;
    return run.storedRunId;
  }

  @ResolveField(() => [VerifyTestType], {
    description: 'Every test verified, in (endpoint, id) order for stored tests.',
    complexity: ({ childComplexity }) => 1 + childComplexity * TESTS_ESTIMATE,
  })
  tests(@Parent() run: VerifyRunType): VerifyTestType[] {
    return run.result.tests.map(toVerifyTestType);
  }

  @ResolveField(() => [VerifyTraceType], {
    description: `Per trace, the tests that judged it and their verdicts (the first \`first\` traces, 0..${MAX_PAGE_SIZE}, default ${DEFAULT_PAGE_SIZE}; with \`failedOnly\`, only traces some test failed on). Every trace at once: \`jsonLines\`.`,
    complexity: ({ args, childComplexity }) => 1 + childComplexity * pageCosted(args),
  })
  traces(
    @Parent() run: VerifyRunType,
    @Args('first', { type: () => Int, nullable: true }) first?: number | null,
    @Args('failedOnly', { type: () => Boolean, nullable: true, defaultValue: false })
    failedOnly?: boolean | null,
  ): VerifyTraceType[] {
    const n = first ?? DEFAULT_PAGE_SIZE;
    if (!Number.isSafeInteger(n) || n < 0 || n > MAX_PAGE_SIZE) {
      throw new BadUserInputError(`first must be between 0 and ${MAX_PAGE_SIZE}`, 'first');
    }
    const judgements = run.result.judgements ?? [];
    return (
      failedOnly === true
        ? judgements.filter((j) => j.verdicts.some((v) => !v.evaluation.passed))
        : judgements
    )
      .slice(0, n)
      .map(toVerifyTraceType);
  }

  @ResolveField(() => String, {
    description:
      'The console report of `t2t test verify`: each test’s verdict, the first `show` failing traces of a failing test with their failed assertions, findings, uncovered traces and a summary line.',
    complexity: DOCUMENT_COMPLEXITY,
  })
  report(
    @Parent() run: VerifyRunType,
    @Args('show', {
      type: () => Int,
      nullable: true,
      defaultValue: DEFAULT_FAILURES,
      description: 'Failing traces printed per failing test.',
    })
    show?: number | null,
  ): string {
    const n = show ?? DEFAULT_FAILURES;
    if (!Number.isSafeInteger(n) || n < 0) {
      throw new BadUserInputError('show must be a non-negative integer', 'show');
    }
    return formatVerifyResult(run.result, n);
  }

  @ResolveField(() => String, {
    description:
      'One JSON object per evaluated trace, a line each (what `t2t test verify --jsonl` writes): traceId, endpoint, fingerprint, knownBehaviour, findings, passed, and every test that judged it with its reason, verdict and failed assertions.',
    complexity: DOCUMENT_COMPLEXITY,
  })
  jsonLines(@Parent() run: VerifyRunType): string {
    return verifyJsonLines(run.result);
  }

  @ResolveField(() => String, {
    description:
      'JUnit XML (what `t2t test verify --junit` writes): one case per test, `<skipped>` when no trace applied.',
    complexity: DOCUMENT_COMPLEXITY,
  })
  junitXml(@Parent() run: VerifyRunType): string {
    return renderJUnit('trace2test test verify', verifyToJUnit(run.result));
  }
}

/** A failing test's failing traces. */
@UseFilters(ResolverExceptionFilter)
@Resolver(() => VerifyTestType)
export class VerifyTestResolver {
  @ResolveField(() => [VerifyFailureType], {
    description: `Its failing traces, in the order they were read (0..${MAX_FAILURES}, default ${DEFAULT_FAILURES}).`,
    complexity: ({ args, childComplexity }) => 1 + childComplexity * failuresCosted(args),
  })
  failures(
    @Parent() test: VerifyTestType,
    @Args('first', { type: () => Int, nullable: true }) first?: number | null,
  ): VerifyFailureType[] {
    const n = first ?? DEFAULT_FAILURES;
    if (!Number.isSafeInteger(n) || n < 0 || n > MAX_FAILURES) {
      throw new BadUserInputError(`first must be between 0 and ${MAX_FAILURES}`, 'first');
    }
    return test.failed.slice(0, n).map(toVerifyFailureType);
  }
}

function pointInTime(raw: string, now: number, argument: string): number {
  try {
    return parsePointInTime(raw, now);
  } catch (e) {
    if (e instanceof PeriodError)
      throw new BadUserInputError(`${argument}: ${e.message}`, argument);
    throw e;
  }
}

function validSpecs(raw: unknown[]): TestSpec[] {
  if (raw.length > MAX_SPECS) {
    throw new BadUserInputError(`at most ${MAX_SPECS} specs per request`, 'specs');
  }
  return raw.map((json, i) => {
    const check = validateTestSpec(json);
    if (!check.ok) {
      throw new BadUserInputError(`specs[${i}] is not a valid spec: ${check.errors[0]}`, 'specs');
    }
    return check.spec;
  });
}

/** Items a list field with `first` is costed at; out of range at the maximum (it is refused). */
function pageCosted(args: { first?: unknown }): number {
  const first = typeof args.first === 'number' ? args.first : DEFAULT_PAGE_SIZE;
  return first >= 0 && first <= MAX_PAGE_SIZE ? Math.max(first, 1) : MAX_PAGE_SIZE;
}

function failuresCosted(args: { first?: unknown }): number {
  const first = typeof args.first === 'number' ? args.first : DEFAULT_FAILURES;
  return first >= 0 && first <= MAX_FAILURES ? Math.max(first, 1) : MAX_FAILURES;
}
