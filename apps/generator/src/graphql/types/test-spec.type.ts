import { Field, Int, ObjectType } from '@nestjs/graphql';
import type {
  Assertion,
  Coverage,
  DroppedCheck,
  Provenance,
  TestSpec,
  Trigger,
  Verification,
} from '@t2t/testgen';
import { enumValue } from './model.enums';
import { DroppedCheckReason, TestGenerator, TestVerdict, TriggerType } from './test.enums';
import { toTraceType, TraceType } from './trace.type';

/** Recorded traces a verification is assumed to list when costing a query (the real count is unknown until read). */
export const VERIFIED_TRACES_ESTIMATE = 20;

/*
 * The parts of a test spec (libs/testgen format v1) clients filter and display, typed. The whole
 * document is `Test.spec` (JSON); these are read from it, never stored apart from it.
 */

@ObjectType('TestTrigger', {
  description:
    'What a test sends: an HTTP request, a gRPC call or a message. Fields of other trigger types are null. Strings may hold `{{placeholders}}` filled from the setup.',
})
export class TestTriggerType {
  @Field(() => TriggerType)
  type!: TriggerType;

  @Field({
    description:
      'One line: `HTTP POST /orders to api-gateway`, `gRPC checkout.PaymentService/Charge to payments`, `kafka message to orders`.',
  })
  summary!: string;

  @Field(() => String, { nullable: true, description: 'Service called (HTTP, gRPC).' })
  service!: string | null;

  @Field(() => String, { nullable: true, description: 'HTTP method or gRPC method.' })
  method!: string | null;

  @Field(() => String, { nullable: true, description: 'HTTP route as the server reports it.' })
  pathTemplate!: string | null;

  @Field(() => String, { nullable: true, description: 'HTTP path sent.' })
  path!: string | null;

  @Field(() => String, { nullable: true, description: 'Fully qualified gRPC service.' })
  grpcService!: string | null;

  @Field(() => String, { nullable: true, description: 'Messaging system (`kafka`, ...).' })
  system!: string | null;

  @Field(() => String, { nullable: true })
  topic!: string | null;
}

@ObjectType('TestVariant', {
  description: 'Another request the test also runs, e.g. a rule’s “condition false” arm.',
})
export class TestVariantType {
  @Field() name!: string;
  @Field(() => TestTriggerType) trigger!: TestTriggerType;
}

@ObjectType('CoveredRule', { description: 'A rule of the model, as the test names it.' })
export class CoveredRuleType {
  @Field() endpoint!: string;
  @Field({ description: 'Endpoint whose handler decides.' }) at!: string;
  @Field() condition!: string;
  @Field() effect!: string;
}

@ObjectType('CoveredJourney', { description: 'Endpoints sharing an entity, run in order.' })
export class CoveredJourneyType {
  @Field({ description: 'e.g. `table orders`.' }) entity!: string;
  @Field(() => [String]) endpoints!: string[];
}

@ObjectType('TestCoverage', { description: 'What a test covers (at least one part is set).' })
export class TestCoverageType {
  @Field(() => String, { nullable: true, description: 'Fingerprint of the behaviour.' })
  behaviour!: string | null;

  @Field(() => CoveredRuleType, { nullable: true })
  rule!: CoveredRuleType | null;

  @Field(() => CoveredJourneyType, { nullable: true })
  journey!: CoveredJourneyType | null;
}

@ObjectType('DroppedCheck', {
  description: 'A check verification removed from the test, and why.',
})
export class DroppedCheckType {
  @Field({ description: 'JSON path in the spec: `assertions[3].attributes["url.full"]`.' })
  path!: string;

  @Field()
  assertionId!: string;

  @Field(() => DroppedCheckReason)
  reason!: DroppedCheckReason;

  @Field()
  detail!: string;
}

@ObjectType('VerifiedTrace', { description: 'The test’s outcome on one recorded trace.' })
export class VerifiedTraceType {
  @Field() traceId!: string;
  @Field() passed!: boolean;

  @Field(() => TraceType, {
    description: 'The trace; its `spans` are empty once retention removed them.',
  })
  trace!: TraceType;
}

@ObjectType('TestVerification', {
  description:
    'How the test was verified: each check must hold on the recorded traces of its behaviour and fail on a mutated copy.',
})
export class TestVerificationType {
  @Field(() => TestVerdict)
  status!: TestVerdict;

  @Field(() => String, { nullable: true, description: 'Why rejected.' })
  reason!: string | null;

  @Field(() => Int)
  recordedTraces!: number;

  @Field(() => Int)
  mutationsTried!: number;

  @Field(() => Int, { description: 'Leaf checks kept (an attribute matcher counts as one).' })
  kept!: number;

  @Field(() => [DroppedCheckType])
  dropped!: DroppedCheckType[];

  @Field(() => [VerifiedTraceType], {
    description: 'Outcome per recorded trace, after dropping.',
    // A behaviour's sample holds up to GENERATOR_SAMPLES_PER_BEHAVIOUR traces; costed like spans.
    complexity: ({ childComplexity }) => 1 + childComplexity * VERIFIED_TRACES_ESTIMATE,
  })
  traces!: VerifiedTraceType[];
}

@ObjectType('TestProvenance', { description: 'Where a test came from.' })
export class TestProvenanceType {
  @Field(() => TestGenerator)
  generator!: TestGenerator;

  @Field({
    description: 'Chat model for LLM tests; `testgen-deterministic/1` for the synthesizer.',
  })
  model!: string;

  @Field(() => String, { nullable: true, description: 'Prompt version (LLM tests).' })
  promptVersion!: string | null;

  @Field(() => [String], { description: 'Traces the test was derived from, representative first.' })
  evidenceTraceIds!: string[];

  @Field({
    description:
      'The spec’s `provenance.modelVersion`: the hash of the model it was generated from (`Test.modelVersion` is the version number).',
  })
  modelVersion!: string;
}

export function toTriggerType(trigger: Trigger): TestTriggerType {
  const none = {
    service: null,
    method: null,
    pathTemplate: null,
    path: null,
    grpcService: null,
    system: null,
    topic: null,
  };
  switch (trigger.type) {
    case 'http':
      return {
        ...none,
        type: TriggerType.HTTP,
        summary: `HTTP ${trigger.method} ${trigger.path} to ${trigger.service}`,
        service: trigger.service,
        method: trigger.method,
        pathTemplate: trigger.pathTemplate,
        path: trigger.path,
      };
    case 'grpc':
      return {
        ...none,
        type: TriggerType.GRPC,
        summary: `gRPC ${trigger.grpcService}/${trigger.method} to ${trigger.service}`,
        service: trigger.service,
        method: trigger.method,
        grpcService: trigger.grpcService,
      };
    case 'message':
      return {
        ...none,
        type: TriggerType.MESSAGE,
        summary: `${trigger.system} message to ${trigger.topic}`,
        system: trigger.system,
        topic: trigger.topic,
      };
  }
}

export function toCoverageType(covers: Coverage): TestCoverageType {
  return {
    behaviour: covers.behaviour ?? null,
    rule: covers.rule ? { ...covers.rule } : null,
    journey: covers.journey
      ? { entity: covers.journey.entity, endpoints: [...covers.journey.endpoints] }
      : null,
  };
}

export function toVerificationType(v: Verification): TestVerificationType {
  return {
    status: enumValue(TestVerdict, v.status, TestVerdict.REJECTED),
    reason: v.reason ?? null,
    recordedTraces: v.recordedTraces,
    mutationsTried: v.mutationsTried,
    kept: v.kept,
    dropped: v.dropped.map(toDroppedCheckType),
    traces: v.traces.map((t) => ({
      traceId: t.traceId,
      passed: t.passed,
      trace: toTraceType(t.traceId),
    })),
  };
}

function toDroppedCheckType(d: DroppedCheck): DroppedCheckType {
  return {
    path: d.path,
    assertionId: d.assertionId,
    reason: enumValue(DroppedCheckReason, d.reason, DroppedCheckReason.FAILS_ON_RECORDED),
    detail: d.detail,
  };
}

export function toProvenanceType(p: Provenance): TestProvenanceType {
  return {
    generator: enumValue(TestGenerator, p.generator, TestGenerator.DETERMINISTIC),
    model: p.model,
    promptVersion: p.promptVersion ?? null,
    evidenceTraceIds: [...p.evidenceTraceIds],
    modelVersion: p.modelVersion,
  };
}

/**
 * Leaf assertions of a spec and of its journey steps: a conditional counts the assertions of both
 * its branches, not itself (it checks nothing on its own).
 */
export function countAssertions(spec: Pick<TestSpec, 'assertions' | 'before'>): number {
  const leaves = (list: readonly Assertion[]): number =>
    list.reduce((n, a) => n + (a.kind === 'conditional' ? leaves(a.then) + leaves(a.else) : 1), 0);
  return (
    leaves(spec.assertions) + (spec.before ?? []).reduce((n, s) => n + leaves(s.assertions), 0)
  );
}
