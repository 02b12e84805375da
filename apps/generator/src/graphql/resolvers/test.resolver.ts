import { UseFilters } from '@nestjs/common';
import { Args, Context, Int, Parent, Query, ResolveField, Resolver } from '@nestjs/graphql';
import { jestFileName } from '@t2t/testgen';
import type { ApiLoaders } from '../api.context';
import { BadUserInputError } from '../errors/api.errors';
import { ResolverExceptionFilter } from '../errors/resolver-exception.filter';
import { EXECUTIONS_PER_TEST } from '../loaders/test-execution.loader';
import { ownIdOf } from '../node/global-id.codec';
import { connectionComplexity } from '../pagination/page.args';
import { TestPageArgs } from '../tests/test-filter.args';
import { TestReader } from '../tests/test.reader';
import { GenerationRunType, toGenerationRunType } from '../types/generation-run.type';
import { JsonScalar } from '../types/json.scalar';
import {
  countAssertions,
  TestCoverageType,
  TestProvenanceType,
  TestTriggerType,
  TestVariantType,
  TestVerificationType,
  toCoverageType,
  toProvenanceType,
  toTriggerType,
  toVerificationType,
} from '../types/test-spec.type';
import {
  EmittedFileType,
  TestConnection,
  TestExecutionType,
  TestRunType,
  TestType,
  toTestExecutionType,
  toTestRunType,
  toTestType,
} from '../types/test.type';

/**
 * Cost of a whole document (the spec as JSON, an emitted file) when costing a query. A spec or a
 * file is several to tens of kilobytes, the size of dozens of objects: a page of 20 tests with
 * their specs fits the default limit, the same page with the specs and both kinds of files does
 * not (ask for fewer tests, or fetch the files of one test at a time).
 */
export const DOCUMENT_COMPLEXITY = 50;

const DEFAULT_EXECUTIONS = 5;

/**
 * Tests: the `tests` and `test` queries and the fields read from a test's documents. Scalars of
 * the row come with the row; the spec is parsed once per test and request, when the first field
 * that needs it is resolved (see test.document.ts).
 */
@UseFilters(ResolverExceptionFilter)
@Resolver(() => TestType)
export class TestResolver {
  constructor(private readonly reader: TestReader) {}

  @Query(() => TestConnection, {
    description:
      'Current tests (retired ones left out), in (endpoint, id) order; every filter given must hold.',
    complexity: connectionComplexity,
  })
  async tests(
    @Args() page: TestPageArgs,
    @Args('endpoint', { nullable: true, description: 'Only this endpoint’s tests.' })
    endpoint?: string,
  ): Promise<TestConnection> {
    const connection = await this.reader.page(page, endpoint);
    return {
      ...connection,
      edges: connection.edges.map((e) => ({ cursor: e.cursor, node: toTestType(e.node) })),
    };
  }

  @Query(() => TestType, {
    nullable: true,
    description:
      'A current test by its own id (`testId`) or its global id (`id`). NOT_FOUND for an unknown or retired one.',
  })
  async test(@Args('id') id: string): Promise<TestType> {
    return toTestType(await this.reader.test(ownIdOf(id, 'Test', 'id')));
  }

  @Query(() => TestRunType, {
    // Nullable so an unknown run costs only this field: other fields of the same operation keep
    // their data, and the NOT_FOUND error says why this one is null.
    nullable: true,
    description:
      'A test run by the id `t2t test run` / `t2t test verify` printed, with every execution it stored. Null with a NOT_FOUND error for an unknown id.',
    // Reading the run is one query whatever is selected; its executions are costed on the field.
    complexity: ({ childComplexity }) => 10 + childComplexity,
  })
  async testRun(@Args('runId') runId: string): Promise<TestRunType> {
    return toTestRunType(runId, await this.reader.run(runId));
  }

  @ResolveField(() => String)
  description(@Parent() t: TestType): string {
    return t.document.spec.description;
  }

  @ResolveField(() => JsonScalar, {
    description:
      'The whole spec (libs/testgen format v1, JSON Schema `schema/test-spec.v1.schema.json`), verification and provenance included.',
    complexity: DOCUMENT_COMPLEXITY,
  })
  spec(@Parent() t: TestType): unknown {
    return t.document.spec;
  }

  @ResolveField(() => TestTriggerType, { description: 'The request the test sends.' })
  trigger(@Parent() t: TestType): TestTriggerType {
    return toTriggerType(t.document.spec.trigger);
  }

  @ResolveField(() => [TestVariantType], {
    description: 'Further requests run with the same assertions (e.g. a rule’s other arm).',
  })
  variants(@Parent() t: TestType): TestVariantType[] {
    return (t.document.spec.variants ?? []).map((v) => ({
      name: v.name,
      trigger: toTriggerType(v.trigger),
    }));
  }

  @ResolveField(() => Int, {
    description:
      'Leaf assertions of the spec and its journey steps (a conditional counts its branches’ assertions).',
  })
  assertionCount(@Parent() t: TestType): number {
    return countAssertions(t.document.spec);
  }

  @ResolveField(() => TestCoverageType)
  covers(@Parent() t: TestType): TestCoverageType {
    return toCoverageType(t.document.spec.covers);
  }

  @ResolveField(() => TestVerificationType, {
    nullable: true,
    description: 'Null only for a test stored without verification.',
  })
  verification(@Parent() t: TestType): TestVerificationType | null {
    const v = t.document.spec.verification;
    return v ? toVerificationType(v) : null;
  }

  @ResolveField(() => TestProvenanceType)
  provenance(@Parent() t: TestType): TestProvenanceType {
    return toProvenanceType(t.document.spec.provenance);
  }

  @ResolveField(() => EmittedFileType, {
    description: 'The Jest test file (TypeScript, runs the spec with @t2t/runner).',
    complexity: DOCUMENT_COMPLEXITY,
  })
  jestFile(@Parent() t: TestType): EmittedFileType {
    return { fileName: jestFileName(t.document.spec), content: t.document.row.jestFile };
  }

  @ResolveField(() => [EmittedFileType], {
    description:
      'Tracetest definitions (`type: Test` YAML): one per request the test sends (journey steps, the test, its variants).',
    complexity: DOCUMENT_COMPLEXITY,
  })
  tracetestFiles(@Parent() t: TestType): EmittedFileType[] {
    return t.document.tracetestFiles;
  }

  /**
   * Read through the request's loader: the executions of every test a request lists are one
   * query (see test-execution.loader.ts).
   */
  @ResolveField(() => [TestExecutionType], {
    description: `The latest executions, newest first (0..${EXECUTIONS_PER_TEST}, default ${DEFAULT_EXECUTIONS}).`,
    complexity: ({ args, childComplexity }) => 1 + childComplexity * executionsCosted(args),
  })
  async executions(
    @Parent() t: TestType,
    @Context('loaders') loaders: ApiLoaders,
    @Args('first', { type: () => Int, nullable: true }) first?: number | null,
  ): Promise<TestExecutionType[]> {
    const n = first ?? DEFAULT_EXECUTIONS;
    if (n < 0 || n > EXECUTIONS_PER_TEST) {
      throw new BadUserInputError(`first must be between 0 and ${EXECUTIONS_PER_TEST}`, 'first');
    }
    if (n === 0) return [];
    const executions = await loaders.testExecutions.load(t.testId);
    return executions.slice(0, n).map(toTestExecutionType);
  }

  @ResolveField(() => GenerationRunType, {
    nullable: true,
    description: 'The run that stored this version of the test (batched across the request).',
  })
  async generationRun(
    @Parent() t: TestType,
    @Context('loaders') loaders: ApiLoaders,
  ): Promise<GenerationRunType | null> {
    const run = await loaders.generationRuns.load(t.generationRunId);
    return run ? toGenerationRunType(run) : null;
  }
}

/** Executions a field is costed at; an out-of-range `first` at the maximum (it is refused). */
function executionsCosted(args: { [name: string]: unknown }): number {
  const first = typeof args.first === 'number' ? args.first : DEFAULT_EXECUTIONS;
  return first >= 0 && first <= EXECUTIONS_PER_TEST ? Math.max(first, 1) : EXECUTIONS_PER_TEST;
}
