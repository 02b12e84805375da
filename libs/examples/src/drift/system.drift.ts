import { endpointName } from '../model/endpoint-key.format';
import type {
  EndpointDefinition,
  Propagation,
  ServiceDefinition,
  Step,
  SystemDefinition,
  TrafficDefinition,
} from '../model/system.model';

/**
 * Derived systems for model-drift tests: generate traces from a system, then from a changed copy,
 * and compare what the model learned with diffGroundTruth(groundTruth(before), groundTruth(after)).
 * Every helper returns a new definition and leaves its input untouched.
 */

/**
 * Adds an endpoint to a service (creating the service from `newService` if it does not exist),
 * optionally with traffic of its own. The endpoint appears in traces only if traffic or some
 * handler reaches it.
 */
export function withEndpoint(
  system: SystemDefinition,
  serviceName: string,
  endpoint: EndpointDefinition,
  options: {
    traffic?: Omit<TrafficDefinition, 'service' | 'endpoint'>;
    newService?: Omit<ServiceDefinition, 'name' | 'endpoints'>;
  } = {},
): SystemDefinition {
  const exists = system.services.some((s) => s.name === serviceName);
  if (!exists && options.newService === undefined) {
    throw new Error(
      `service '${serviceName}' does not exist in '${system.name}'; pass newService to create it`,
    );
  }
  const services = exists
    ? system.services.map((s) =>
        s.name === serviceName ? { ...s, endpoints: [...s.endpoints, endpoint] } : s,
      )
    : [...system.services, { ...options.newService!, name: serviceName, endpoints: [endpoint] }];
  const traffic =
    options.traffic === undefined
      ? system.traffic
      : [
          ...system.traffic,
          { ...options.traffic, service: serviceName, endpoint: endpointName(endpoint) },
        ];
  return { ...system, services, traffic };
}

const WRITE_OPERATIONS = new Set(['INSERT', 'UPDATE', 'DELETE', 'insert', 'update', 'delete']);

/** Removes every write (INSERT/UPDATE/DELETE, insert/update/delete) to `table`, optionally in one service only. */
export function withoutDbWrites(
  system: SystemDefinition,
  table: string,
  options: { service?: string } = {},
): SystemDefinition {
  let removed = 0;
  const services = system.services.map((s) => {
    if (options.service !== undefined && s.name !== options.service) return s;
    const endpoints = s.endpoints.map((e) => ({
      ...e,
      handler: mapSteps(e.handler, (step) => {
        if (step.kind === 'db' && step.table === table && WRITE_OPERATIONS.has(step.operation)) {
          removed++;
          return { kind: 'seq', steps: [] };
        }
        return undefined;
      }),
    }));
    return { ...s, endpoints };
  });
  if (removed === 0) throw new Error(`'${system.name}' writes nothing to '${table}'`);
  return { ...system, services };
}

/** Switches consumers (of one topic, or all) to `child` or `link` propagation. */
export function withPropagation(
  system: SystemDefinition,
  propagation: Propagation,
  topic?: string,
): SystemDefinition {
  return {
    ...system,
    services: system.services.map((s) => ({
      ...s,
      endpoints: s.endpoints.map((e) =>
        e.kind === 'consume' && (topic === undefined || e.topic === topic)
          ? { ...e, propagation }
          : e,
      ),
    })),
  };
}

/** Rebuilds a step tree bottom-up; `replace` returns a replacement for a step, or undefined to keep it. */
export function mapSteps(step: Step, replace: (step: Step) => Step | undefined): Step {
  const replaced = replace(step);
  if (replaced !== undefined) return replaced;
  const map = (s: Step) => mapSteps(s, replace);
  switch (step.kind) {
    case 'seq':
    case 'par':
      return { ...step, steps: step.steps.map(map) };
    case 'internal':
      return step.step === undefined ? step : { ...step, step: map(step.step) };
    case 'when':
    case 'chance':
      return { ...step, then: map(step.then), else: map(step.else) };
    case 'repeat':
      return { ...step, step: map(step.step) };
    case 'recover':
      return { ...step, step: map(step.step), fallback: map(step.fallback) };
    default:
      return step;
  }
}
