import { Field, ID, Int, ObjectType } from '@nestjs/graphql';
import type { StoredTest, TestExecution } from '@t2t/storage';
import { encodeGlobalId } from '../node/global-id.codec';
import { ConnectionType } from '../pagination/connection.type';
import { TestDocument } from '../tests/test.document';
import { JsonScalar } from './json.scalar';
import { enumValue } from './model.enums';
import { globalIdDescription, NodeType } from './node.type';
import { ExecutionMode, TestGenerator, TestKind, TestVerdict } from './test.enums';
import { toTraceType, TraceType } from './trace.type';

/**
 * Cost of an execution report (JSON) when costing a query: a report names every assertion with
 * what was expected and found, tens of objects' worth of data.
 */
export const REPORT_COMPLEXITY = 10;

/**
 * Executions a test run is assumed to hold when costing a query (the real count is unknown until
 * read; a `t2t test run` of an endpoint's tests is typically a few to tens).
 */
export const EXECUTIONS_PER_RUN_ESTIMATE = 20;

@ObjectType('Test', {
  implements: () => [NodeType],
  description:
    'A generated trace-based test (current version): its spec, verification, provenance, emitted files and executions.',
})
export class TestType {
  @Field(() => ID, { description: globalIdDescription('testId') })
  id!: string;

  @Field({
    description:
      'The test’s own id, as in its spec, file names, executions and the CLI: stable across regenerations of the same behaviour, rule or journey (`bhv-…`, `rule-…`, `jrn-…`).',
  })
  testId!: string;

  @Field()
  name!: string;

  @Field({ description: 'Key of the entry endpoint the test calls.' })
  endpoint!: string;

  @Field(() => TestKind)
  kind!: TestKind;

  @Field(() => TestGenerator)
  generator!: TestGenerator;

  @Field(() => TestVerdict)
  verdict!: TestVerdict;

  @Field(() => Int, { description: 'Number of the model version the test was generated from.' })
  modelVersion!: number;

  @Field({ description: 'Hash of that model version.' })
  modelHash!: string;

  @Field({ description: 'Id of the generation run that stored this version of the test.' })
  generationRunId!: string;

  @Field({ description: 'When this version was stored (ClickHouse DateTime64(3) text, UTC).' })
  createdAt!: string;

  /** The row with its documents, parsed when a field needs them (not a GraphQL field). */
  document!: TestDocument;
}

export function toTestType(row: StoredTest): TestType {
  return {
    id: encodeGlobalId('Test', row.testId),
    testId: row.testId,
    name: row.name,
    endpoint: row.endpoint,
    kind: enumValue(TestKind, row.kind, TestKind.BEHAVIOUR),
    generator: enumValue(TestGenerator, row.generator, TestGenerator.DETERMINISTIC),
    verdict: enumValue(TestVerdict, row.verdict, TestVerdict.REJECTED),
    modelVersion: row.modelVersion,
    modelHash: row.modelHash,
    generationRunId: row.generationRunId,
    createdAt: row.createdAt,
    document: new TestDocument(row),
  };
}

@ObjectType('TestConnection')
export class TestConnection extends ConnectionType(TestType, 'Test') {}

@ObjectType('EmittedFile', { description: 'A file the generator emitted for a test.' })
export class EmittedFileType {
  @Field() fileName!: string;
  @Field() content!: string;
}

@ObjectType('TestExecution', {
  description: 'One execution of a test: against a live system, or checked on a stored trace.',
})
export class TestExecutionType {
  @Field({ description: 'Id of the test run the execution belongs to.' })
  runId!: string;

  @Field({ description: 'Id of the test (spec) executed: a generated test, or a spec file’s own.' })
  testId!: string;

  @Field(() => ExecutionMode)
  mode!: ExecutionMode;

  @Field({ description: 'Base URL of the system under test (live runs).' })
  target!: string;

  @Field()
  passed!: boolean;

  @Field(() => Int, { description: 'Assertions that failed.' })
  failures!: number;

  @Field(() => JsonScalar, {
    description: 'The structured report: each assertion with what was expected and found.',
    complexity: REPORT_COMPLEXITY,
  })
  report!: unknown;

  @Field(() => Int)
  durationMs!: number;

  @Field({ description: 'ClickHouse DateTime64(3) text, UTC.' })
  startedAt!: string;

  @Field(() => TraceType, { nullable: true, description: 'The trace the execution produced.' })
  trace!: TraceType | null;
}

@ObjectType('TestRun', {
  implements: () => [NodeType],
  description:
    'One `t2t test run` (live) or `t2t test verify` (stored traces): the id the CLI prints, and every execution it stored.',
})
export class TestRunType {
  @Field(() => ID, { description: globalIdDescription('runId') })
  id!: string;

  @Field({ description: 'The id the CLI printed.' }) runId!: string;
  @Field(() => Int) passed!: number;
  @Field(() => Int) failed!: number;
  @Field({ description: 'When its first execution started (ClickHouse DateTime64(3) text, UTC).' })
  startedAt!: string;
  // Costed here rather than on `testRun`, so a run refetched with `node` costs the same.
  @Field(() => [TestExecutionType], {
    description: 'In test id order.',
    complexity: ({ childComplexity }) => (1 + childComplexity) * EXECUTIONS_PER_RUN_ESTIMATE,
  })
  executions!: TestExecutionType[];
}

export function toTestExecutionType(e: TestExecution): TestExecutionType {
  return {
    runId: e.runId,
    testId: e.testId,
    mode: enumValue(ExecutionMode, e.mode, ExecutionMode.LIVE),
    target: e.target,
    passed: e.passed,
    failures: e.failures,
    report: parseReport(e.report),
    durationMs: e.durationMs,
    startedAt: e.startedAt,
    trace: e.traceId === '' ? null : toTraceType(e.traceId),
  };
}

/** A test run from its stored executions (at least one: a run is known by its executions). */
export function toTestRunType(runId: string, executions: readonly TestExecution[]): TestRunType {
  const passed = executions.filter((e) => e.passed).length;
  return {
    id: encodeGlobalId('TestRun', runId),
    runId,
    passed,
    failed: executions.length - passed,
    startedAt: executions.reduce(
      (min, e) => (e.startedAt < min ? e.startedAt : min),
      executions[0].startedAt,
    ),
    executions: executions.map(toTestExecutionType),
  };
}

/** The report as JSON; a report that is not JSON (another writer) is passed on as its text. */
function parseReport(report: string): unknown {
  try {
    return JSON.parse(report) as unknown;
  } catch {
    return report;
  }
}
