export * from './model/system.model';
export * from './model/system.dsl';
export { satisfies, negate, describeCondition } from './model/condition.evaluator';
export { endpointKey, endpointName } from './model/endpoint-key.format';
export { validateSystem, SystemDefinitionError } from './compile/system.compiler';
export { DEFAULT_ENVIRONMENT, type EnvironmentOptions } from './compile/deployment.environment';
export {
  generateTraces,
  iterateTraces,
  DEFAULT_START_NS,
  type GenerateOptions,
  type FaultSpec,
  type NoiseOptions,
} from './generation/trace.generator';
export type { GeneratedTrace, Decision } from './generation/generated-trace.model';
export { toOtlpRequests, type PackOptions } from './generation/otlp-request.packer';
export * from './truth/ground-truth.model';
export { groundTruth, type GroundTruthOptions } from './truth/ground-truth.builder';
export { GroundTruthError } from './truth/ground-truth.error';
export { diffGroundTruth, type TruthDiff, type TruthDelta } from './truth/ground-truth.diff';
export { edgeKey, describeEffect } from './truth/edge.format';
export {
  injectFault,
  canInjectFault,
  FaultNotApplicableError,
  type FaultKind,
  type FaultChange,
  type InjectedFault,
  type InjectOptions,
} from './faults/fault.injector';
export { withEndpoint, withoutDbWrites, withPropagation, mapSteps } from './drift/system.drift';
export { potatoSystem } from './systems/potato.system';
export { checkoutSystem } from './systems/checkout.system';
export { bankSystem } from './systems/bank.system';
export { deliverySystem } from './systems/delivery.system';
export { railwaySystem } from './systems/railway.system';
