import { SpanKind, type Attributes, type InstrumentationScope, type Resource } from '@t2t/domain';
import { endpointKey, endpointName } from '../model/endpoint-key.format';
import type {
  DurationMs,
  EndpointDefinition,
  HttpMethod,
  MessagingSystem,
  ProxyRoute,
  ServiceDefinition,
  Step,
  SystemDefinition,
} from '../model/system.model';
import { continuousProblem, isContinuous } from '../model/continuous.attribute';
import { cumulativeWeights, fnv1a32 } from '../random/seeded.random';
import type { EdgeTruth, EntityTruth } from '../truth/ground-truth.model';
import type {
  CallNode,
  CompiledEndpoint,
  CompiledService,
  CompiledSystem,
  CompiledTraffic,
  Node,
  ProxyNode,
  PublishNode,
  Template,
} from './compiled-system.model';
import {
  resolveEnvironment,
  type Deployment,
  type EnvironmentOptions,
} from './deployment.environment';
import {
  SDK_VERSIONS,
  scopeName,
  scopeVersion,
  type Instrumentation,
} from './instrumentation.scopes';
import {
  brokerAddress,
  cacheAddress,
  dbAddress,
  dbClient,
  defaultStatement,
  httpClient,
  httpServer,
  messagingSpan,
  redisClient,
  rpcSpan,
  serviceAddress,
} from './semconv.attributes';

/** A system definition that cannot be generated; `problems` lists every problem found. */
export class SystemDefinitionError extends Error {
  constructor(
    readonly system: string,
    readonly problems: readonly string[],
  ) {
    super(`system '${system}' is invalid:\n  - ${problems.join('\n  - ')}`);
    this.name = 'SystemDefinitionError';
  }
}

/** Compiled systems per definition object, then per environment (see Deployment.key). */
const cache = new WeakMap<SystemDefinition, Map<string, CompiledSystem>>();

/**
 * Compiles (and caches, per definition object and environment) a system; throws
 * SystemDefinitionError, or RangeError for bad environment options. The environment only changes
 * the precomputed span attributes and resources; what the ground truth reads is the same in all.
 */
export function compileSystem(
  definition: SystemDefinition,
  environment?: EnvironmentOptions,
): CompiledSystem {
  const deployment = resolveEnvironment(environment);
  let byEnvironment = cache.get(definition);
  if (byEnvironment === undefined) {
    byEnvironment = new Map<string, CompiledSystem>();
    cache.set(definition, byEnvironment);
  }
  let compiled = byEnvironment.get(deployment.key);
  if (compiled === undefined) {
    compiled = new SystemCompiler(definition, deployment).compile();
    byEnvironment.set(deployment.key, compiled);
  }
  return compiled;
}

/** Checks a system definition without generating anything; throws SystemDefinitionError. */
export function validateSystem(definition: SystemDefinition): void {
  compileSystem(definition);
}

/** Default latencies (ms) of leaf steps, by kind; steps may override them. */
const LATENCY = {
  read: [0.4, 4],
  write: [0.8, 6],
  cache: [0.08, 0.6],
  publish: [0.2, 1.5],
  external: [40, 250],
  internal: [0.05, 2],
} satisfies Record<string, DurationMs>;

const READ_OPERATIONS = new Set(['SELECT', 'find', 'aggregate', 'GET']);

class SystemCompiler {
  private readonly problems: string[] = [];
  private readonly services: CompiledService[] = [];
  private readonly endpoints = new Map<string, CompiledEndpoint>();
  private readonly byName = new Map<string, CompiledEndpoint>();
  private readonly publishes: PublishNode[] = [];
  private readonly repeats: { at: string; body: Node }[] = [];
  private readonly calls: { at: CompiledEndpoint; node: CallNode }[] = [];
  private readonly proxies: {
    at: CompiledEndpoint;
    node: ProxyNode;
    routes: readonly ProxyRoute[];
  }[] = [];
  private readonly topics = new Map<string, MessagingSystem>();
  private nextWhenId = 0;

  constructor(
    private readonly system: SystemDefinition,
    private readonly deployment: Deployment,
  ) {}

  compile(): CompiledSystem {
    const { system } = this;
    for (const topic of system.topics) this.topics.set(topic.name, topic.system);
    const names = new Set<string>();
    system.services.forEach((definition, index) => {
      if (names.has(definition.name)) this.problem(`service '${definition.name}' is defined twice`);
      names.add(definition.name);
      if (definition.replicas < 1)
        this.problem(`service '${definition.name}' needs at least one replica`);
      const service = this.compileService(definition, index);
      this.services.push(service);
      for (const endpoint of definition.endpoints) this.declareEndpoint(service, endpoint);
    });
    for (const endpoint of this.endpoints.values()) {
      endpoint.handler = this.compileStep(endpoint.definition.handler, endpoint, false);
    }
    for (const node of this.publishes) {
      node.consumers = [...this.endpoints.values()].filter(
        (e) => e.definition.kind === 'consume' && e.definition.topic === node.topic,
      );
    }
    const traffic = this.compileTraffic();
    this.resolveProxies(traffic);
    this.checkAcyclic();
    if (this.problems.length === 0) {
      for (const { at, body } of this.repeats) {
        if (!isStable(body)) {
          this.problem(
            `${at}: a repeat body reaches a branch, failure or retry, so its iterations could differ`,
          );
        }
      }
    }
    if (this.problems.length > 0) throw new SystemDefinitionError(system.name, this.problems);
    const faultTargets = new Set(this.endpoints.keys());
    for (const endpoint of this.endpoints.values())
      collectFaultKeys(endpoint.handler, faultTargets);
    return {
      definition: system,
      services: this.services,
      endpoints: this.endpoints,
      traffic,
      faultTargets,
    };
  }

  private problem(text: string): void {
    this.problems.push(text);
  }

  private compileService(definition: ServiceDefinition, index: number): CompiledService {
    const { name, language, semconv, version } = definition;
    const { deployment } = this;
    const podHash = fnv1a32(deployment.podSeed(this.system.name, name))
      .toString(16)
      .padStart(8, '0');
    const resources: Resource[] = [];
    for (let replica = 0; replica < Math.max(1, definition.replicas); replica++) {
      const pod = `${name}-${podHash.slice(0, 6)}-${podHash.slice(6)}${replica}`;
      const pairs: [string, string][] = [
        ['service.name', name],
        ['service.namespace', this.system.name],
        ['service.version', deployment.version(version)],
        ['service.instance.id', pod],
        ['host.name', pod],
        [
          semconv === 'current' ? 'deployment.environment.name' : 'deployment.environment',
          deployment.name,
        ],
        ['telemetry.sdk.name', 'opentelemetry'],
        ['telemetry.sdk.language', language],
        ['telemetry.sdk.version', SDK_VERSIONS[language][semconv]],
      ];
      if (deployment.namespace !== undefined) {
        pairs.push(
          ['k8s.namespace.name', deployment.namespace],
          ['k8s.deployment.name', name],
          ['k8s.pod.name', pod],
        );
      }
      resources.push({ attributes: attributes(pairs), droppedAttributesCount: 0, schemaUrl: '' });
    }
    const instrumentations: Instrumentation[] = [
      'http-server',
      'http-client',
      'grpc',
      'postgresql',
      'mysql',
      'mongodb',
      'redis',
      'kafka',
      'rabbitmq',
    ];
    const scopes = {} as Record<Instrumentation | 'internal', InstrumentationScope>;
    for (const instrumentation of instrumentations) {
      scopes[instrumentation] = scope(
        scopeName(language, instrumentation),
        scopeVersion(language, semconv),
      );
    }
    scopes.internal = scope(name, version);
    return {
      name,
      index,
      flavour: semconv,
      dbSpans: definition.dbSpans ?? 'full',
      resources,
      scopes,
    };
  }

  private declareEndpoint(service: CompiledService, definition: EndpointDefinition): void {
    const key = endpointKey(service.name, definition);
    const name = endpointName(definition);
    if (this.endpoints.has(key)) {
      this.problem(`endpoint '${key}' is defined twice`);
      return;
    }
    const common = {
      key,
      name,
      service,
      definition,
      handler: { kind: 'seq', steps: [] } as Node,
    };
    let endpoint: CompiledEndpoint;
    switch (definition.kind) {
      case 'http': {
        const shape = httpServer(
          service.flavour,
          this.deployment.internal(serviceAddress(service.name)),
          definition.method,
          definition.route,
        );
        endpoint = {
          ...common,
          spanName: shape.spanName,
          spanKind: SpanKind.Server,
          scope: service.scopes['http-server'],
          attrs: shape.attrs,
          route: parseTemplate(definition.route, (slot) => slot),
          pathKey: shape.pathKey,
          statusKey: shape.statusKey,
          grpc: false,
          propagation: undefined,
          messageIdKey: undefined,
        };
        break;
      }
      case 'rpc': {
        const shape = rpcSpan(
          service.flavour,
          'server',
          this.deployment.internal(serviceAddress(service.name)),
          definition.service,
          definition.method,
        );
        endpoint = {
          ...common,
          spanName: shape.spanName,
          spanKind: SpanKind.Server,
          scope: service.scopes.grpc,
          attrs: shape.attrs,
          route: [],
          pathKey: undefined,
          statusKey: shape.statusKey,
          grpc: true,
          propagation: undefined,
          messageIdKey: undefined,
        };
        break;
      }
      case 'consume': {
        const system = this.topicSystem(definition.topic);
        const shape = messagingSpan(
          service.flavour,
          'consumer',
          system,
          definition.topic,
          definition.group,
          this.deployment.internal(brokerAddress(system)),
        );
        endpoint = {
          ...common,
          spanName: shape.spanName,
          spanKind: SpanKind.Consumer,
          scope: service.scopes[system],
          attrs: shape.attrs,
          route: [],
          pathKey: undefined,
          statusKey: undefined,
          grpc: false,
          propagation: definition.propagation,
          messageIdKey: shape.messageIdKey,
        };
        break;
      }
    }
    this.endpoints.set(key, endpoint);
    this.byName.set(`${service.name} ${name}`, endpoint);
  }

  private topicSystem(topic: string): MessagingSystem {
    return this.topics.get(topic) ?? 'kafka';
  }

  private compileStep(step: Step, at: CompiledEndpoint, inRepeat: boolean): Node {
    const service = at.service;
    const flavour = service.flavour;
    switch (step.kind) {
      case 'seq':
      case 'par':
        return { kind: step.kind, steps: step.steps.map((s) => this.compileStep(s, at, inRepeat)) };
      case 'call': {
        const target = this.byName.get(`${step.service} ${step.endpoint}`);
        if (target === undefined || target.definition.kind === 'consume') {
          this.problem(
            `${at.key} calls '${step.service} ${step.endpoint}', which is not an HTTP or RPC endpoint`,
          );
          return { kind: 'seq', steps: [] };
        }
        const node = this.callNode(at, target, step.params ?? {}, step.forward ?? [], false);
        this.calls.push({ at, node });
        return node;
      }
      case 'proxy': {
        if (at.definition.kind !== 'http') {
          this.problem(
            `${at.key}: only an HTTP endpoint can proxy (it routes by the request path)`,
          );
        }
        if (inRepeat) this.problem(`${at.key}: a repeat body may not proxy`);
        for (const r of step.routes) {
          const problem = patternProblem(r.path);
          if (problem !== undefined) this.problem(`${at.key}: proxy route '${r.path}' ${problem}`);
        }
        const node: ProxyNode = { kind: 'proxy', targets: [] };
        this.proxies.push({ at, node, routes: step.routes });
        return node;
      }
      case 'db': {
        const statement =
          step.statement ?? defaultStatement(step.system, step.operation, step.table);
        const shape = dbClient(
          flavour,
          service.dbSpans,
          step.system,
          step.operation,
          step.table,
          step.database,
          statement,
          this.deployment.internal(dbAddress(step.system, step.database)),
        );
        const read = READ_OPERATIONS.has(step.operation);
        const entity: EntityTruth = {
          kind: step.system === 'mongodb' ? 'collection' : 'table',
          name: step.table,
          system: step.system,
        };
        return {
          kind: 'db',
          scope: service.scopes[step.system],
          spanName: shape.spanName,
          attrs: shape.attrs,
          ms: step.ms ?? (read ? LATENCY.read : LATENCY.write),
          edge: {
            type: read ? 'READS' : 'WRITES',
            from: service.name,
            to: step.table,
            entityKind: entity.kind,
            operation: step.operation,
          },
          entity,
          faultKey: step.table,
        };
      }
      case 'cache': {
        const shape = redisClient(
          flavour,
          step.operation,
          this.deployment.internal(cacheAddress()),
        );
        const name = step.key.replace(/\{[^}]*\}/g, '{id}');
        return {
          kind: 'cache',
          scope: service.scopes.redis,
          spanName: shape.spanName,
          attrs: shape.attrs,
          ms: step.ms ?? LATENCY.cache,
          edge: {
            type: READ_OPERATIONS.has(step.operation) ? 'READS' : 'WRITES',
            from: service.name,
            to: name,
            entityKind: 'cache-prefix',
            operation: step.operation,
          },
          entity: { kind: 'cache-prefix', name, system: 'redis' },
          faultKey: name,
          operation: step.operation,
          key: parseTemplate(step.key, (slot) => slot),
          statementKey: shape.statementKey,
        };
      }
      case 'publish': {
        const system = this.topicSystem(step.topic);
        const shape = messagingSpan(
          flavour,
          'producer',
          system,
          step.topic,
          '',
          this.deployment.internal(brokerAddress(system)),
        );
        const node: PublishNode = {
          kind: 'publish',
          scope: service.scopes[system],
          spanName: shape.spanName,
          attrs: shape.attrs,
          ms: step.ms ?? LATENCY.publish,
          edge: { type: 'PUBLISHES', from: service.name, to: step.topic },
          entity: { kind: 'topic', name: step.topic, system },
          faultKey: step.topic,
          topic: step.topic,
          messageIdKey: shape.messageIdKey,
          consumers: [],
        };
        this.publishes.push(node);
        return node;
      }
      case 'external': {
        if (step.attempts.length === 0 || step.attempts.some((w) => !(w >= 0))) {
          this.problem(
            `${at.key}: attempts of the call to ${step.host} must be non-negative weights`,
          );
        }
        if (inRepeat && step.attempts.length > 1) {
          this.problem(
            `${at.key}: a retried call to ${step.host} inside a repeat would vary the repeated structure`,
          );
        }
        const shape = httpClient(flavour, {
          scheme: 'https',
          host: this.deployment.external(step.host),
          port: 443n,
          method: step.method,
        });
        return {
          kind: 'external',
          scope: service.scopes['http-client'],
          spanName: shape.spanName,
          attrs: shape.attrs,
          ms: step.ms ?? LATENCY.external,
          edge: {
            type: 'CALLS_EXTERNAL',
            from: service.name,
            to: step.host,
            method: step.method,
            route: step.path,
          },
          entity: { kind: 'external-api', name: step.host, system: 'https' },
          faultKey: step.host,
          url: shape.urlBase + step.path,
          urlKey: shape.urlKey,
          statusKey: shape.statusKey,
          attempts: cumulativeWeights(step.attempts.length > 0 ? step.attempts : [1]),
        };
      }
      case 'internal':
        return {
          kind: 'internal',
          scope: service.scopes.internal,
          spanName: step.name,
          ms: step.ms ?? LATENCY.internal,
          step: step.step === undefined ? undefined : this.compileStep(step.step, at, inRepeat),
        };
      case 'when':
      case 'chance': {
        if (inRepeat)
          this.problem(
            `${at.key}: a repeat body may not branch (its iterations must be identical)`,
          );
        if (step.kind === 'chance' && !(step.probability >= 0 && step.probability <= 1)) {
          this.problem(`${at.key}: chance probability ${step.probability} is not in [0, 1]`);
        }
        const arms = {
          then: this.compileStep(step.then, at, inRepeat),
          else: this.compileStep(step.else, at, inRepeat),
          thenLabel: step.labels.then,
          elseLabel: step.labels.else,
        };
        return step.kind === 'when'
          ? { kind: 'when', id: this.nextWhenId++, at: at.key, condition: step.condition, ...arms }
          : { kind: 'chance', probability: step.probability, ...arms };
      }
      case 'repeat': {
        const c = step.count;
        const min = c.kind === 'fixed' ? c.n : c.min;
        const max = c.kind === 'fixed' ? c.n : c.max;
        if (!(min >= 1 && max >= min)) {
          this.problem(
            `${at.key}: repeat counts must be at least 1 (zero iterations would change the structure)`,
          );
        }
        const body = step.step;
        if (!['db', 'cache', 'external', 'internal', 'call', 'publish'].includes(body.kind)) {
          this.problem(
            `${at.key}: a repeat body must be a single span-emitting step, not '${body.kind}'`,
          );
        }
        const compiled = this.compileStep(body, at, true);
        this.repeats.push({ at: at.key, body: compiled });
        return { kind: 'repeat', count: step.count, step: compiled };
      }
      case 'fail':
        if (inRepeat) this.problem(`${at.key}: a repeat body may not fail`);
        return {
          kind: 'fail',
          message: step.message,
          status: step.status,
          exceptionType: step.exceptionType,
        };
      case 'recover':
        if (inRepeat)
          this.problem(
            `${at.key}: a repeat body may not branch (its iterations must be identical)`,
          );
        return {
          kind: 'recover',
          step: this.compileStep(step.step, at, inRepeat),
          fallback: this.compileStep(step.fallback, at, inRepeat),
          failedLabel: step.labels.failed,
          okLabel: step.labels.ok,
        };
    }
  }

  /** A call from `at` to `target`: its client span's shape and where the callee's path comes from. */
  private callNode(
    at: CompiledEndpoint,
    target: CompiledEndpoint,
    params: Readonly<Record<string, string>>,
    forward: readonly string[],
    proxied: boolean,
  ): CallNode {
    const service = at.service;
    const flavour = service.flavour;
    const targetDef = target.definition;
    const edge: EdgeTruth = {
      type: 'CALLS',
      from: at.key,
      to: target.key,
      protocol: target.grpc ? 'grpc' : 'http',
      method:
        targetDef.kind === 'http'
          ? targetDef.method
          : targetDef.kind === 'rpc'
            ? targetDef.method
            : '',
      route: targetDef.kind === 'http' ? targetDef.route : target.name,
    };
    const server = this.deployment.internal(serviceAddress(target.service.name));
    if (targetDef.kind === 'rpc') {
      const shape = rpcSpan(flavour, 'client', server, targetDef.service, targetDef.method);
      return {
        kind: 'call',
        scope: service.scopes.grpc,
        spanName: shape.spanName,
        attrs: shape.attrs,
        ms: [0, 0],
        edge,
        entity: undefined,
        faultKey: target.key,
        target,
        path: [],
        urlKey: '',
        urlBase: '',
        statusKey: shape.statusKey,
        forward,
        proxied,
      };
    }
    const method = targetDef.kind === 'http' ? targetDef.method : 'POST';
    const shape = httpClient(flavour, {
      scheme: 'http',
      host: server.host,
      port: server.port,
      method,
    });
    return {
      kind: 'call',
      scope: service.scopes['http-client'],
      spanName: shape.spanName,
      attrs: shape.attrs,
      ms: [0, 0],
      edge,
      entity: undefined,
      faultKey: target.key,
      target,
      path: proxied
        ? []
        : parseTemplate(targetDef.kind === 'http' ? targetDef.route : '', (slot) => params[slot]),
      urlKey: shape.urlKey,
      urlBase: shape.urlBase,
      statusKey: shape.statusKey,
      forward,
      proxied,
    };
  }

  /**
   * Resolves every proxy for each traffic entry that reaches it (the entries of its endpoint):
   * the first route matching the method and requested path, then the one endpoint of that
   * service whose route matches the path (the most specific, as Spring picks). Also refuses calls
   * to a proxying endpoint, which would have no requested path to route by.
   */
  private resolveProxies(traffic: readonly CompiledTraffic[]): void {
    const proxying = new Set(this.proxies.map((p) => p.at));
    for (const { at, node } of this.calls) {
      if (proxying.has(node.target))
        this.problem(
          `${at.key} calls ${node.target.key}, which proxies by path: enter it through traffic with a path`,
        );
    }
    for (const { at, node, routes } of this.proxies) {
      if (at.definition.kind !== 'http') continue;
      const method = at.definition.method;
      for (const entry of traffic) {
        if (entry.endpoint !== at) continue;
        const path = entry.definition.path ?? at.definition.route;
        const requested = `${method} ${path}`;
        const r = routes.find(
          (x) =>
            (x.methods === undefined || x.methods.includes(method)) && patternMatches(x.path, path),
        );
        if (r === undefined) {
          this.problem(`${at.key}: no proxy route matches ${requested}`);
          continue;
        }
        const target = this.backend(r.service, method, path);
        if (typeof target === 'string') {
          this.problem(`${at.key}: route '${r.path}' sends ${requested} to ${target}`);
          continue;
        }
        node.targets[entry.index] = {
          call: this.callNode(at, target, {}, Object.keys(entry.definition.attributes), true),
          label: {
            id: target.name,
            description: `the gateway forwards it to ${target.service.name} ${target.name}`,
          },
        };
      }
    }
  }

  /** The HTTP endpoint of `service` that serves `method path`, or why there is none. */
  private backend(service: string, method: HttpMethod, path: string): CompiledEndpoint | string {
    if (!this.system.services.some((s) => s.name === service))
      return `'${service}', which is not a service`;
    let best: CompiledEndpoint | undefined;
    let bestSlots = Infinity;
    let tie = false;
    for (const endpoint of this.endpoints.values()) {
      const d = endpoint.definition;
      if (endpoint.service.name !== service || d.kind !== 'http' || d.method !== method) continue;
      const slots = routeSlotsMatching(d.route, path);
      if (slots === undefined) continue;
      if (slots < bestSlots) {
        best = endpoint;
        bestSlots = slots;
        tie = false;
      } else if (slots === bestSlots) tie = true;
    }
    if (best === undefined) return `${service}, which has no HTTP endpoint for it`;
    if (tie) return `${service}, where more than one route matches it equally`;
    return best;
  }

  private compileTraffic(): CompiledTraffic[] {
    const entries = this.system.traffic;
    if (entries.length === 0) this.problem('the system has no traffic');
    const cumulative = cumulativeWeights(entries.map((t) => t.weight));
    const total = entries.reduce((s, t) => s + t.weight, 0);
    const out: CompiledTraffic[] = [];
    entries.forEach((definition, i) => {
      const endpoint = this.byName.get(`${definition.service} ${definition.endpoint}`);
      if (endpoint === undefined || endpoint.definition.kind === 'consume') {
        this.problem(
          `traffic targets '${definition.service} ${definition.endpoint}', which is not an HTTP or RPC endpoint`,
        );
        return;
      }
      if (!(definition.weight > 0))
        this.problem(`traffic to ${endpoint.key} needs a positive weight`);
      for (const [name, distribution] of Object.entries(definition.attributes)) {
        const problem = isContinuous(distribution) ? continuousProblem(distribution) : undefined;
        if (problem !== undefined) this.problem(`traffic to ${endpoint.key}: ${name}: ${problem}`);
      }
      const params = definition.params ?? {};
      const route = endpoint.definition.kind === 'http' ? endpoint.definition.route : undefined;
      const path = definition.path ?? route;
      if (definition.path !== undefined) {
        const problem =
          route === undefined ? 'is not HTTP' : requestedPathProblem(route, definition.path);
        if (problem !== undefined)
          this.problem(`traffic to ${endpoint.key} with path '${definition.path}': ${problem}`);
      } else if (route !== undefined && isCatchAll(route)) {
        this.problem(
          `traffic to ${endpoint.key} needs a path: its route is a catch-all, not a request path`,
        );
      }
      out.push({
        index: out.length,
        definition,
        endpoint,
        cumulative: cumulative[i],
        share: definition.weight / total,
        path: path === undefined ? [] : parseTemplate(path, (slot) => params[slot]),
      });
    });
    return out;
  }

  /** Steps run where the generator meets them, so a call cycle would never end; refuse it. */
  private checkAcyclic(): void {
    const state = new Map<CompiledEndpoint, 'open' | 'done'>();
    const visit = (endpoint: CompiledEndpoint, path: string[]): void => {
      const seen = state.get(endpoint);
      if (seen === 'done') return;
      if (seen === 'open') {
        this.problem(
          `endpoints call each other in a cycle: ${[...path, endpoint.key].join(' -> ')}`,
        );
        return;
      }
      state.set(endpoint, 'open');
      for (const next of reachedEndpoints(endpoint.handler)) visit(next, [...path, endpoint.key]);
      state.set(endpoint, 'done');
    };
    for (const endpoint of this.endpoints.values()) visit(endpoint, []);
  }
}

/** Endpoints a handler invokes directly (calls and consumers of what it publishes). */
function reachedEndpoints(node: Node): CompiledEndpoint[] {
  switch (node.kind) {
    case 'seq':
    case 'par':
      return node.steps.flatMap(reachedEndpoints);
    case 'call':
      return [node.target];
    case 'proxy':
      return node.targets.flatMap((t) => (t === undefined ? [] : [t.call.target]));
    case 'publish':
      return [...node.consumers];
    case 'internal':
      return node.step === undefined ? [] : reachedEndpoints(node.step);
    case 'when':
    case 'chance':
      return [...reachedEndpoints(node.then), ...reachedEndpoints(node.else)];
    case 'repeat':
      return reachedEndpoints(node.step);
    case 'recover':
      return [...reachedEndpoints(node.step), ...reachedEndpoints(node.fallback)];
    default:
      return [];
  }
}

/**
 * Refuses faults that could never fire (a misspelt target would otherwise silently inject nothing)
 * and probabilities outside [0, 1].
 */
export function checkFaults(
  system: CompiledSystem,
  faults: readonly { readonly target: string; readonly probability: number }[],
): void {
  for (const { target, probability } of faults) {
    if (!system.faultTargets.has(target)) {
      const known = [...system.faultTargets].sort().join(', ');
      throw new RangeError(
        `fault target '${target}' is not in system '${system.definition.name}' (known: ${known})`,
      );
    }
    if (!(probability >= 0 && probability <= 1)) {
      throw new RangeError(
        `fault probability for '${target}' must be in [0, 1], got ${probability}`,
      );
    }
  }
}

function collectFaultKeys(node: Node, into: Set<string>): void {
  switch (node.kind) {
    case 'seq':
    case 'par':
      for (const step of node.steps) collectFaultKeys(step, into);
      return;
    case 'db':
    case 'cache':
    case 'publish':
    case 'external':
      into.add(node.faultKey);
      return;
    case 'internal':
      if (node.step !== undefined) collectFaultKeys(node.step, into);
      return;
    case 'when':
    case 'chance':
      collectFaultKeys(node.then, into);
      collectFaultKeys(node.else, into);
      return;
    case 'repeat':
      collectFaultKeys(node.step, into);
      return;
    case 'recover':
      collectFaultKeys(node.step, into);
      collectFaultKeys(node.fallback, into);
      return;
    default:
      return;
  }
}

/** True when every execution of `node` emits the same structure (no branch, failure or retry). */
function isStable(node: Node): boolean {
  switch (node.kind) {
    case 'when':
    case 'chance':
    case 'recover':
    case 'fail':
    case 'proxy':
      return false;
    case 'external':
      return node.attempts.length === 1;
    case 'seq':
    case 'par':
      return node.steps.every(isStable);
    case 'internal':
      return node.step === undefined || isStable(node.step);
    case 'repeat':
      return isStable(node.step);
    case 'call':
      return isStable(node.target.handler);
    case 'publish':
      return node.consumers.every((c) => isStable(c.handler));
    default:
      return true;
  }
}

// ── paths and routes ─────────────────────────────────────────────────────────

const SLOT = /^\{[^}]*\}$/;

function segments(path: string): string[] {
  return path.split('/').filter((s) => s !== '');
}

/**
 * A route as a gateway's handler mapping reports it: one ending in `/*` or `/**` names no API,
 * so its requests need a path of their own (TrafficDefinition.path).
 */
function isCatchAll(route: string): boolean {
  return route.endsWith('/*') || route.endsWith('/**');
}

/** Why `path` cannot be a request to an endpoint with `route`, or undefined. */
function requestedPathProblem(route: string, path: string): string | undefined {
  if (!path.startsWith('/')) return 'a path starts with /';
  if (isCatchAll(route)) {
    const prefix = route.slice(0, route.lastIndexOf('/') + 1);
    return path.startsWith(prefix) ? undefined : `the route ${route} does not cover it`;
  }
  return routeSlotsMatching(route, path) === undefined
    ? `the route ${route} does not match it`
    : undefined;
}

/**
 * Whether a requested path template matches an endpoint's route segment by segment (a route
 * placeholder takes any segment; a placeholder of the path only a route placeholder): the number
 * of route placeholders used (fewer is more specific), or undefined.
 */
function routeSlotsMatching(route: string, path: string): number | undefined {
  const r = segments(route);
  const p = segments(path);
  if (r.length !== p.length) return undefined;
  let slots = 0;
  for (let i = 0; i < r.length; i++) {
    if (SLOT.test(r[i])) slots++;
    else if (SLOT.test(p[i]) || r[i] !== p[i]) return undefined;
  }
  return slots;
}

function patternProblem(pattern: string): string | undefined {
  if (!pattern.startsWith('/')) return 'must start with /';
  const parts = segments(pattern);
  const deep = parts.indexOf('**');
  if (deep >= 0 && deep !== parts.length - 1) return 'may hold ** only as its last segment';
  return undefined;
}

/** A proxy route pattern (`/api/v1/orders/**`, `/api/*`, `/a/{x}`) against a requested path template. */
function patternMatches(pattern: string, path: string): boolean {
  const r = segments(pattern);
  const p = segments(path);
  for (let i = 0; i < r.length; i++) {
    if (r[i] === '**') return true;
    if (i >= p.length) return false;
    if (r[i] === '*' || SLOT.test(r[i])) continue;
    if (SLOT.test(p[i]) || r[i] !== p[i]) return false;
  }
  return r.length === p.length;
}

/** Splits `a/{x}/b` into literals and slots; `slotAttribute` maps a placeholder to a request attribute. */
function parseTemplate(
  text: string,
  slotAttribute: (slot: string) => string | undefined,
): Template {
  const parts: (string | { attribute: string | undefined })[] = [];
  const pattern = /\{([^}]*)\}/g;
  let last = 0;
  for (let m = pattern.exec(text); m !== null; m = pattern.exec(text)) {
    if (m.index > last) parts.push(text.slice(last, m.index));
    parts.push({ attribute: slotAttribute(m[1]) });
    last = m.index + m[0].length;
  }
  if (last < text.length) parts.push(text.slice(last));
  return parts;
}

function attributes(pairs: readonly (readonly [string, string])[]): Attributes {
  const out = Object.create(null) as Attributes;
  for (const [k, v] of pairs) out[k] = v;
  return out;
}

function scope(name: string, version: string): InstrumentationScope {
  return {
    name,
    version,
    attributes: Object.create(null) as Attributes,
    droppedAttributesCount: 0,
    schemaUrl: '',
  };
}
