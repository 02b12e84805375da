import { registerEnumType } from '@nestjs/graphql';

/*
 * Enums of tests and generation runs. As in model.enums.ts, each GraphQL name maps to the value
 * the tests tables store, so filters and resolvers pass stored values through unchanged.
 */

export enum TestKind {
  BEHAVIOUR = 'behaviour',
  RULE = 'rule',
  JOURNEY = 'journey',
}
registerEnumType(TestKind, {
  name: 'TestKind',
  description:
    'What a test covers: one behaviour of an endpoint, a rule of the model, or a journey across endpoints.',
});

export enum TestGenerator {
  DETERMINISTIC = 'deterministic',
  LLM = 'llm',
}
registerEnumType(TestGenerator, { name: 'TestGenerator' });

export enum TestVerdict {
  VERIFIED = 'verified',
  REJECTED = 'rejected',
}
registerEnumType(TestVerdict, {
  name: 'TestVerdict',
  description:
    'Verification outcome: VERIFIED tests hold on their recorded traces and fail on mutated copies.',
});

export enum DroppedCheckReason {
  FAILS_ON_RECORDED = 'fails-on-recorded',
  CANNOT_FAIL = 'cannot-fail',
  NEVER_APPLIES = 'never-applies',
}
registerEnumType(DroppedCheckReason, { name: 'DroppedCheckReason' });

export enum TriggerType {
  HTTP = 'http',
  GRPC = 'grpc',
  MESSAGE = 'message',
}
registerEnumType(TriggerType, { name: 'TriggerType' });

export enum ExecutionMode {
  LIVE = 'live',
  STORED = 'stored',
}
registerEnumType(ExecutionMode, {
  name: 'ExecutionMode',
  description: 'LIVE: run against a running system; STORED: checked on recorded traces.',
});

export enum GenerationTrigger {
  SCHEDULE = 'schedule',
  MANUAL = 'manual',
  STARTUP = 'startup',
  MODEL = 'model',
}
registerEnumType(GenerationTrigger, {
  name: 'GenerationTrigger',
  description:
    'What started a generation run (MANUAL: the generateTests mutation; MODEL: a new model version).',
});

export enum GenerationStatus {
  RUNNING = 'running',
  SUCCEEDED = 'succeeded',
  FAILED = 'failed',
  SKIPPED = 'skipped',
}
registerEnumType(GenerationStatus, { name: 'GenerationStatus' });
