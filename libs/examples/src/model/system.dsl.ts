import type {
  CacheOperation,
  ComparisonOperator,
  Condition,
  DbOperation,
  DbSpanStyle,
  DbSystem,
  Distribution,
  DurationMs,
  EndpointDefinition,
  HttpMethod,
  Label,
  Propagation,
  ProxyRoute,
  RepeatCount,
  SdkLanguage,
  SemconvFlavour,
  ServiceDefinition,
  Step,
  SystemDefinition,
  TopicDefinition,
  TrafficDefinition,
} from './system.model';

/**
 * Small builders for system definitions, so a system reads like a description of the services:
 *
 *   http('POST', '/orders', seq(publish('orders'), when(is('user.likes_potatoes', true), …)))
 *
 * They only assemble plain data; validation happens once when a system is compiled.
 */

type LabelInput = string | Label;

function label(input: LabelInput | undefined): Label | undefined {
  if (input === undefined) return undefined;
  return typeof input === 'string' ? { id: input, description: input } : input;
}

// ── systems, services, endpoints ─────────────────────────────────────────────

export function defineSystem(system: {
  name: string;
  description: string;
  services: readonly ServiceDefinition[];
  topics?: readonly TopicDefinition[];
  traffic: readonly TrafficDefinition[];
}): SystemDefinition {
  return { ...system, topics: system.topics ?? [] };
}

export function service(
  name: string,
  options: {
    language: SdkLanguage;
    semconv: SemconvFlavour;
    version?: string;
    replicas?: number;
    dbSpans?: DbSpanStyle;
  },
  endpoints: readonly EndpointDefinition[],
): ServiceDefinition {
  const definition: ServiceDefinition = {
    name,
    language: options.language,
    semconv: options.semconv,
    version: options.version ?? '1.0.0',
    replicas: options.replicas ?? 2,
    endpoints,
  };
  return options.dbSpans === undefined ? definition : { ...definition, dbSpans: options.dbSpans };
}

export function http(method: HttpMethod, route: string, handler: Step = seq()): EndpointDefinition {
  return { kind: 'http', method, route, handler };
}

export function grpc(
  rpcService: string,
  method: string,
  handler: Step = seq(),
): EndpointDefinition {
  return { kind: 'rpc', system: 'grpc', service: rpcService, method, handler };
}

export function consume(
  topic: string,
  options: { group: string; propagation: Propagation },
  handler: Step = seq(),
): EndpointDefinition {
  return {
    kind: 'consume',
    topic,
    group: options.group,
    propagation: options.propagation,
    handler,
  };
}

export function traffic(
  target: { service: string; endpoint: string },
  options: {
    weight: number;
    attributes?: Readonly<Record<string, Distribution>>;
    params?: Readonly<Record<string, string>>;
    /** The requested path template, for an endpoint with a catch-all route (a gateway). */
    path?: string;
  },
): TrafficDefinition {
  const definition: TrafficDefinition = {
    service: target.service,
    endpoint: target.endpoint,
    weight: options.weight,
    attributes: options.attributes ?? {},
    params: options.params,
  };
  return options.path === undefined ? definition : { ...definition, path: options.path };
}

// ── steps ────────────────────────────────────────────────────────────────────

export const seq = (...steps: Step[]): Step => ({ kind: 'seq', steps });
export const par = (...steps: Step[]): Step => ({ kind: 'par', steps });

export function call(
  target: string,
  endpoint: string,
  options: { params?: Record<string, string>; forward?: readonly string[] } = {},
): Step {
  return {
    kind: 'call',
    service: target,
    endpoint,
    params: options.params,
    forward: options.forward,
  };
}

export function db(
  system: DbSystem,
  operation: DbOperation,
  table: string,
  options: { database: string; statement?: string; ms?: DurationMs },
): Step {
  return { kind: 'db', system, operation, table, ...options };
}

export function cache(
  operation: CacheOperation,
  key: string,
  options: { ms?: DurationMs } = {},
): Step {
  return { kind: 'cache', operation, key, ms: options.ms };
}

export function publish(topic: string, options: { ms?: DurationMs } = {}): Step {
  return { kind: 'publish', topic, ms: options.ms };
}

export function external(
  host: string,
  method: HttpMethod,
  path: string,
  options: { attempts?: readonly number[]; ms?: DurationMs } = {},
): Step {
  return {
    kind: 'external',
    host,
    method,
    path,
    attempts: options.attempts ?? [1],
    ms: options.ms,
  };
}

/**
 * Routes the request by its path to a backend service, as an API gateway does (see ProxyStep):
 *
 *   http('GET', '/*', proxy(route('/api/v1/orders/**', 'order-service'), …))
 */
export function proxy(...routes: ProxyRoute[]): Step {
  return { kind: 'proxy', routes };
}

/** A gateway route: requests whose path matches `path` (and method, when given) go to `service`. */
export function route(
  path: string,
  target: string,
  options: { methods?: readonly HttpMethod[] } = {},
): ProxyRoute {
  return options.methods === undefined
    ? { path, service: target }
    : { path, service: target, methods: options.methods };
}

export function internal(name: string, step?: Step, options: { ms?: DurationMs } = {}): Step {
  return { kind: 'internal', name, step, ms: options.ms };
}

export function when(
  condition: Condition,
  then: Step,
  otherwise: Step = seq(),
  labels: { then?: LabelInput; else?: LabelInput } = {},
): Step {
  return {
    kind: 'when',
    condition,
    then,
    else: otherwise,
    labels: { then: label(labels.then), else: label(labels.else) },
  };
}

export function chance(
  probability: number,
  then: Step,
  otherwise: Step = seq(),
  labels: { then?: LabelInput; else?: LabelInput } = {},
): Step {
  return {
    kind: 'chance',
    probability,
    then,
    else: otherwise,
    labels: { then: label(labels.then), else: label(labels.else) },
  };
}

export function repeat(count: RepeatCount, step: Step): Step {
  return { kind: 'repeat', count, step };
}

export const times = (n: number): RepeatCount => ({ kind: 'fixed', n });
export const between = (min: number, max: number): RepeatCount => ({ kind: 'range', min, max });
export const perAttribute = (attribute: string, min: number, max: number): RepeatCount => ({
  kind: 'attribute',
  attribute,
  min,
  max,
});

export function fail(message: string, options: { status: number; exceptionType: string }): Step {
  return { kind: 'fail', message, ...options };
}

export function recover(
  step: Step,
  fallback: Step,
  labels: { failed?: LabelInput; ok?: LabelInput } = {},
): Step {
  return {
    kind: 'recover',
    step,
    fallback,
    labels: { failed: label(labels.failed), ok: label(labels.ok) },
  };
}

// ── conditions ───────────────────────────────────────────────────────────────

export function compare(
  attribute: string,
  operator: ComparisonOperator,
  value: string | number | boolean,
): Condition {
  return { attribute, operator, value };
}

export const is = (attribute: string, value: string | number | boolean): Condition =>
  compare(attribute, '=', value);

// ── request attribute distributions ──────────────────────────────────────────

export const bool = (p: number): Distribution => ({ kind: 'bool', p });
export const int = (min: number, max: number): Distribution => ({ kind: 'int', min, max });
/** Uniform double in [min, max); `{ decimals: 2 }` rounds to cents. */
export function double(
  min: number,
  max: number,
  options: { decimals?: number } = {},
): Distribution {
  return options.decimals === undefined
    ? { kind: 'double', min, max }
    : { kind: 'double', min, max, decimals: options.decimals };
}

/** Log-normal double with the given median and log-scale spread; `{ decimals: 2 }` rounds to cents. */
export function logNormal(
  median: number,
  sigma: number,
  options: { decimals?: number } = {},
): Distribution {
  return options.decimals === undefined
    ? { kind: 'lognormal', median, sigma }
    : { kind: 'lognormal', median, sigma, decimals: options.decimals };
}

export const numericId = (min: number, max: number): Distribution => ({
  kind: 'numeric-id',
  min,
  max,
});
export const uuid = (): Distribution => ({ kind: 'uuid' });
export const constant = (value: string | number | boolean): Distribution => ({
  kind: 'constant',
  value,
});

/** `oneOf({ card: 0.6, wallet: 0.4 })` (weighted) or `oneOf(['a', 'b'])` (uniform). */
export function oneOf(values: readonly string[] | Readonly<Record<string, number>>): Distribution {
  if (isList(values)) return { kind: 'choice', values, weights: values.map(() => 1) };
  const entries = Object.entries(values);
  return { kind: 'choice', values: entries.map(([v]) => v), weights: entries.map(([, w]) => w) };
}

function isList(
  values: readonly string[] | Readonly<Record<string, number>>,
): values is readonly string[] {
  return Array.isArray(values);
}
