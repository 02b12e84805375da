import {
  SpanKind,
  StatusCode,
  type AnyValue,
  type Attributes,
  type InstrumentationScope,
  type Resource,
  type Span,
  type SpanEvent,
  type SpanLink,
} from '@t2t/domain';
import type {
  CompiledEndpoint,
  CompiledService,
  CompiledSystem,
  CompiledTraffic,
  Node,
  Template,
} from '../compile/compiled-system.model';
import type { Attr } from '../compile/semconv.attributes';
import type { EnvironmentOptions } from '../compile/deployment.environment';
import { checkFaults, compileSystem } from '../compile/system.compiler';
import { describeCondition, satisfies } from '../model/condition.evaluator';
import { continuousFlipValue, drawContinuous, isContinuous } from '../model/continuous.attribute';
import type {
  Condition,
  Distribution,
  DurationMs,
  Label,
  RequestValue,
  SystemDefinition,
} from '../model/system.model';
import { SeededRandom } from '../random/seeded.random';
import type { Decision, GeneratedTrace } from './generated-trace.model';

/** 2026-01-01T00:00:00Z in Unix ns: the default start, a fixed valid time. */
export const DEFAULT_START_NS = 1_767_225_600_000_000_000n;

export interface GenerateOptions {
  /** Same seed (and options) → identical output. Taken as an unsigned 32-bit integer. */
  readonly seed: number;
  /** Requests to generate. Consumers with `link` propagation add their own traces on top. */
  readonly traces: number;
  /** Start of request 0, Unix ns. Default DEFAULT_START_NS. */
  readonly startNs?: bigint;
  /** Requests per second. Request i starts at a random point of its own 1/rate slot. Default 200. */
  readonly ratePerSecond?: number;
  /** Index of the first request (generate a long run in chunks: request i is the same in every chunking). Default 0. */
  readonly firstIndex?: number;
  /**
   * Faults to inject while generating: each visit of a matching step fails with the probability.
   * A target is an endpoint key (its server answers 503 without running the handler), a table,
   * collection, cache key template (`cart:{id}`), topic, or external host. The failure propagates
   * like an exception (see Step `fail`), so handlers that `recover` take their fallback; the trace's
   * behaviour id gets a `fault:<target>` label. In a repeat only the first iteration can fault.
   */
  readonly faults?: readonly FaultSpec[];
  /** Noise: re-drawn timings, ids and retry counts, plus decoy attributes. Default off. */
  readonly noise?: boolean | NoiseOptions;
  /**
   * Generate as if deployed in another environment: other hosts, ports, versions, instance ids and
   * environment name, the same requests, behaviours, structure, ids and timings. Default
   * DEFAULT_ENVIRONMENT (production).
   */
  readonly environment?: EnvironmentOptions;
}

export interface FaultSpec {
  readonly target: string;
  readonly probability: number;
}

export interface NoiseOptions {
  /** Add `request.nonce`, `client.version` and `client.canary` to entry spans. Default true. */
  readonly attributes?: boolean;
  /** Latency spread multiplier (with rare 3-10× outliers) and clock-skew scale. Default 3. */
  readonly jitter?: number;
}

/**
 * Generates the traces of `options.traces` requests (plus linked continuation traces), with their
 * ground truth. Deterministic: the output depends only on the system definition and the options.
 */
export function generateTraces(
  system: SystemDefinition,
  options: GenerateOptions,
): GeneratedTrace[] {
  const out: GeneratedTrace[] = [];
  for (const trace of iterateTraces(system, options)) out.push(trace);
  return out;
}

/** generateTraces without holding the output: for benchmarks that stream millions of spans. */
export function* iterateTraces(
  system: SystemDefinition,
  options: GenerateOptions,
): Generator<GeneratedTrace, void, undefined> {
  const generator = new TraceGenerator(compileSystem(system, options.environment), options);
  const first = options.firstIndex ?? 0;
  for (let i = first; i < first + options.traces; i++) yield* generator.request(i);
}

// Independent random streams per request (see SeededRandom). Decisions (traffic, request
// attributes, branches) never share a stream with anything noise may change.
const STREAM_DECISIONS = 1;
const STREAM_SHAPE = 2;
const STREAM_NOISY_SHAPE = 3;
const STREAM_NOISE = 4;
const STREAM_FAULTS = 5;
const STREAM_SKEW = 6;

// Latencies in ms (see lat()).
const NETWORK: DurationMs = [0.15, 0.9];
const SERVER_BEFORE: DurationMs = [0.03, 0.4];
const SERVER_AFTER: DurationMs = [0.02, 0.25];
const GAP: DurationMs = [0.01, 0.2];
/**
 * Concurrent steps start within microseconds of each other (Promise.all, goroutines), well inside
 * the shortest step, so they always overlap; noise does not stretch this.
 */
const STAGGER_NS: readonly [number, number] = [2_000, 30_000];
const QUEUE: DurationMs = [1, 30];
const FAST_FAILURE: DurationMs = [0.05, 1];
const MAX_SKEW_MS = 2;

/** OTLP flags: sampled, plus "parent is remote" knowledge bits as the SDKs set them. */
const FLAGS_LOCAL = 0x101;
const FLAGS_REMOTE_PARENT = 0x301;

const CLIENT_VERSIONS = ['web-4.12.0', 'web-4.13.1', 'ios-7.2.0', 'android-7.1.3', 'android-7.2.0'];

const UNSET: Span['status'] = Object.freeze({ code: StatusCode.Unset, message: '' });
const NO_EVENTS: readonly SpanEvent[] = Object.freeze([]);
const NO_LINKS: readonly SpanLink[] = Object.freeze([]);

type MutableSpan = { -readonly [K in keyof Span]: Span[K] };

interface Failure {
  readonly status: number;
  readonly message: string;
}

interface TraceState {
  readonly traceId: string;
  readonly endpoint: CompiledEndpoint;
  readonly spans: MutableSpan[];
  readonly labels: Label[];
  readonly decisions: Decision[];
  readonly faults: string[];
  readonly linkedFrom: { traceId: string; spanId: string } | undefined;
  /** The endpoint the entry proxied the request to, and the label that added (see ProxyNode). */
  api: CompiledEndpoint | undefined;
  apiLabel: Label | undefined;
}

/** One endpoint invocation: a failure in it aborts its remaining steps, like an exception. */
interface Frame {
  readonly trace: TraceState;
  readonly service: CompiledService;
  readonly resource: Resource;
  readonly span: MutableSpan;
  failure: Failure | null;
}

interface Served {
  readonly span: MutableSpan;
  readonly end: number;
  readonly failure: Failure | null;
}

class TraceGenerator {
  private readonly seed: number;
  private readonly startNs: bigint;
  private readonly slotNs: number;
  private readonly faults: Map<string, number> | undefined;
  private readonly noisy: boolean;
  private readonly noiseAttributes: boolean;
  private readonly jitter: number;
  private readonly skew: number[];

  // Per request.
  private dr!: SeededRandom;
  private sr!: SeededRandom;
  private fr!: SeededRandom;
  private base = 0n;
  private traffic!: CompiledTraffic;
  private values!: Record<string, RequestValue>;
  /** The entry span's path, ids filled in: a proxy forwards it unchanged. */
  private entryPath = '';
  private continuations: TraceState[] = [];
  private suppressFaults = 0;

  constructor(
    private readonly system: CompiledSystem,
    options: GenerateOptions,
  ) {
    this.seed = options.seed >>> 0;
    this.startNs = options.startNs ?? DEFAULT_START_NS;
    this.slotNs = 1e9 / (options.ratePerSecond ?? 200);
    const noise = options.noise === true ? {} : options.noise === false ? undefined : options.noise;
    this.noisy = noise !== undefined;
    this.noiseAttributes = noise?.attributes ?? true;
    this.jitter = noise?.jitter ?? 3;
    if (options.faults !== undefined && options.faults.length > 0) {
      checkFaults(system, options.faults);
      this.faults = new Map(options.faults.map((f) => [f.target, f.probability]));
    }
    const skewScale = (this.noisy ? this.jitter : 1) * MAX_SKEW_MS * 1e6;
    this.skew = system.services.map((s) => {
      const r = new SeededRandom(this.seed, STREAM_SKEW, s.index);
      return Math.round((r.float() * 2 - 1) * skewScale);
    });
  }

  /** The traces of request `index`: its own, then any linked continuation traces. */
  request(index: number): GeneratedTrace[] {
    this.dr = new SeededRandom(this.seed, STREAM_DECISIONS, index);
    this.sr = new SeededRandom(this.seed, this.noisy ? STREAM_NOISY_SHAPE : STREAM_SHAPE, index);
    this.fr = new SeededRandom(this.seed, STREAM_FAULTS, index);
    this.continuations = [];
    this.base = this.startNs + BigInt(Math.floor((index + this.sr.float()) * this.slotNs));

    const traffic = this.pickTraffic();
    this.traffic = traffic;
    const values = Object.create(null) as Record<string, RequestValue>;
    for (const [name, distribution] of Object.entries(traffic.definition.attributes)) {
      values[name] = this.draw(distribution);
    }
    this.values = values;
    const noise = Object.create(null) as Record<string, AnyValue>;
    if (this.noisy && this.noiseAttributes) {
      const nr = new SeededRandom(this.seed, STREAM_NOISE, index);
      noise['request.nonce'] = nr.hex(8);
      noise['client.version'] = CLIENT_VERSIONS[nr.int(0, CLIENT_VERSIONS.length - 1)];
      // Same marginal as the potato preference, independent of everything: a decoy for rule mining.
      noise['client.canary'] = nr.float() < 0.4;
    }

    const trace = this.newTrace(traffic.endpoint, undefined);
    const path = this.fill(traffic.path);
    this.entryPath = path;
    this.serve(trace, traffic.endpoint, '', NO_LINKS, 0, (attrs) => {
      if (traffic.endpoint.pathKey !== undefined) attrs[traffic.endpoint.pathKey] = path;
      for (const name in values) attrs[name] = values[name];
      for (const name in noise) attrs[name] = noise[name];
    });
    const out = [this.finish(trace, index, noise)];
    for (const continuation of this.continuations)
      out.push(this.finish(continuation, index, EMPTY_NOISE));
    return out;
  }

  private pickTraffic(): CompiledTraffic {
    const u = this.dr.float();
    const entries = this.system.traffic;
    for (const entry of entries) if (u < entry.cumulative) return entry;
    return entries[entries.length - 1];
  }

  private draw(d: Distribution): RequestValue {
    const r = this.dr;
    switch (d.kind) {
      case 'bool':
        return r.float() < d.p;
      case 'choice': {
        let total = 0;
        for (const w of d.weights) total += w;
        let u = r.float() * total;
        for (let i = 0; i < d.values.length; i++) {
          u -= d.weights[i];
          if (u < 0) return d.values[i];
        }
        return d.values[d.values.length - 1];
      }
      case 'int':
        return BigInt(r.int(d.min, d.max));
      case 'double':
      case 'lognormal':
        return drawContinuous(d, r);
      case 'numeric-id':
        return String(r.int(d.min, d.max));
      case 'uuid':
        return r.uuid();
      case 'constant':
        return d.value;
    }
  }

  private newTrace(endpoint: CompiledEndpoint, linkedFrom: TraceState['linkedFrom']): TraceState {
    return {
      traceId: this.sr.hex(16),
      endpoint,
      spans: [],
      labels: [],
      decisions: [],
      faults: [],
      linkedFrom,
      api: undefined,
      apiLabel: undefined,
    };
  }

  private finish(
    trace: TraceState,
    index: number,
    noise: Record<string, AnyValue>,
  ): GeneratedTrace {
    const { labels, apiLabel } = trace;
    return {
      traceId: trace.traceId,
      spans: trace.spans,
      endpoint: trace.endpoint.key,
      apiEndpoint: (trace.api ?? trace.endpoint).key,
      behaviour: behaviourId(labels),
      apiBehaviour:
        apiLabel === undefined
          ? behaviourId(labels)
          : behaviourId(labels.filter((l) => l !== apiLabel)),
      requestIndex: index,
      request: this.values,
      noise,
      decisions: trace.decisions,
      faults: trace.faults,
      linkedFrom: trace.linkedFrom,
    };
  }

  // ── time ──────────────────────────────────────────────────────────────────

  /** A latency in ns, skewed towards `min` like real latency distributions. */
  private lat(range: DurationMs): number {
    const u = this.sr.float();
    let ms = range[0] + (range[1] - range[0]) * u * u;
    if (this.noisy) {
      ms *= 0.5 + this.jitter * 0.5 * this.sr.float();
      if (this.sr.float() < 0.01) ms *= 3 + 7 * this.sr.float();
    }
    return ms * 1e6;
  }

  private time(t: number, service: CompiledService): bigint {
    return this.base + BigInt(Math.round(t + this.skew[service.index]));
  }

  // ── spans ─────────────────────────────────────────────────────────────────

  private open(
    trace: TraceState,
    service: CompiledService,
    resource: Resource,
    scope: InstrumentationScope,
    name: string,
    kind: SpanKind,
    parentSpanId: string,
    flags: number,
    attributes: Attributes,
    t: number,
  ): MutableSpan {
    const span: MutableSpan = {
      traceId: trace.traceId,
      spanId: this.sr.hex(8),
      parentSpanId,
      traceState: '',
      flags,
      name,
      kind,
      startTimeUnixNano: this.time(t, service),
      endTimeUnixNano: 0n,
      attributes,
      droppedAttributesCount: 0,
      events: NO_EVENTS,
      droppedEventsCount: 0,
      links: NO_LINKS,
      droppedLinksCount: 0,
      status: UNSET,
      resource,
      scope,
    };
    trace.spans.push(span);
    return span;
  }

  private close(span: MutableSpan, service: CompiledService, end: number): void {
    span.endTimeUnixNano = this.time(end, service);
  }

  private fail(span: MutableSpan, message: string): void {
    span.status = { code: StatusCode.Error, message };
  }

  private exception(
    span: MutableSpan,
    service: CompiledService,
    t: number,
    type: string,
    message: string,
  ): void {
    const attributes = Object.create(null) as Attributes;
    attributes['exception.type'] = type;
    attributes['exception.message'] = message;
    span.events = [
      ...span.events,
      {
        timeUnixNano: this.time(t, service),
        name: 'exception',
        attributes,
        droppedAttributesCount: 0,
      },
    ];
  }

  private faulted(trace: TraceState, key: string): boolean {
    if (this.faults === undefined || this.suppressFaults > 0) return false;
    const p = this.faults.get(key);
    if (p === undefined || !(this.fr.float() < p)) return false;
    trace.labels.push(faultLabel(key));
    trace.faults.push(key);
    return true;
  }

  private fill(template: Template): string {
    let out = '';
    for (const part of template) {
      if (typeof part === 'string') out += part;
      else {
        const value = part.attribute === undefined ? undefined : this.values[part.attribute];
        out += value === undefined ? String(this.sr.int(1, 999_999)) : String(value);
      }
    }
    return out;
  }

  // ── endpoints ─────────────────────────────────────────────────────────────

  /** Runs an endpoint: its server or consumer span, then its handler. */
  private serve(
    trace: TraceState,
    endpoint: CompiledEndpoint,
    parentSpanId: string,
    links: readonly SpanLink[],
    t: number,
    addAttributes: (attrs: Attributes) => void,
  ): Served {
    const service = endpoint.service;
    const resource =
      service.resources.length === 1
        ? service.resources[0]
        : service.resources[this.sr.int(0, service.resources.length - 1)];
    const attrs = copy(endpoint.attrs);
    addAttributes(attrs);
    const flags = parentSpanId === '' ? FLAGS_LOCAL : FLAGS_REMOTE_PARENT;
    const span = this.open(
      trace,
      service,
      resource,
      endpoint.scope,
      endpoint.spanName,
      endpoint.spanKind,
      parentSpanId,
      flags,
      attrs,
      t,
    );
    span.links = links;
    const frame: Frame = { trace, service, resource, span, failure: null };
    let end: number;
    if (this.faulted(trace, endpoint.key)) {
      frame.failure = { status: 503, message: `${service.name} unavailable (injected fault)` };
      end = t + this.lat(FAST_FAILURE);
    } else {
      end =
        this.exec(endpoint.handler, frame, span.spanId, t + this.lat(SERVER_BEFORE)) +
        this.lat(SERVER_AFTER);
    }
    const failure = frame.failure;
    const status = failure === null ? 200 : failure.status;
    if (endpoint.statusKey !== undefined) {
      attrs[endpoint.statusKey] = endpoint.grpc ? BigInt(grpcCode(status)) : BigInt(status);
    }
    // Semantic conventions: a server span is an error only for 5xx (or a server-fault gRPC code);
    // a 4xx is the client's mistake. A consumer that failed to process a message is an error.
    if (failure !== null) {
      const serverError =
        endpoint.statusKey === undefined ||
        (endpoint.grpc ? GRPC_SERVER_ERRORS.has(grpcCode(status)) : status >= 500);
      if (serverError) this.fail(span, failure.message);
    }
    this.close(span, service, end);
    return { span, end, failure };
  }

  // ── steps ─────────────────────────────────────────────────────────────────

  /** Runs a step from time `t` (ns from the request's base); returns when it ended. */
  private exec(node: Node, f: Frame, parent: string, t: number): number {
    switch (node.kind) {
      case 'seq':
        for (const step of node.steps) {
          if (f.failure !== null) break;
          t = this.exec(step, f, parent, t) + this.lat(GAP);
        }
        return t;
      case 'par': {
        let end = t;
        let failure: Failure | null = null;
        for (const step of node.steps) {
          f.failure = null;
          const start = t + STAGGER_NS[0] + (STAGGER_NS[1] - STAGGER_NS[0]) * this.sr.float();
          end = Math.max(end, this.exec(step, f, parent, start));
          failure ??= f.failure;
        }
        f.failure = failure;
        return end;
      }
      case 'call': {
        const target = node.target;
        const attrs = copy(node.attrs);
        const path = node.urlKey === '' ? '' : node.proxied ? this.entryPath : this.fill(node.path);
        if (node.urlKey !== '') attrs[node.urlKey] = node.urlBase + path;
        const client = this.open(
          f.trace,
          f.service,
          f.resource,
          node.scope,
          node.spanName,
          SpanKind.Client,
          parent,
          FLAGS_LOCAL,
          attrs,
          t,
        );
        const values = this.values;
        const served = this.serve(
          f.trace,
          target,
          client.spanId,
          NO_LINKS,
          t + this.lat(NETWORK),
          (server) => {
            if (target.pathKey !== undefined) server[target.pathKey] = path;
            for (const name of node.forward) {
              const value = values[name];
              if (value !== undefined) server[name] = value;
            }
          },
        );
        const status = served.failure === null ? 200 : served.failure.status;
        attrs[node.statusKey] = target.grpc ? BigInt(grpcCode(status)) : BigInt(status);
        if (served.failure !== null) {
          this.fail(client, `${target.service.name} responded ${status}`);
          f.failure = {
            status: served.failure.status,
            message: `${target.service.name} responded ${status}`,
          };
        }
        const end = served.end + this.lat(NETWORK);
        this.close(client, f.service, end);
        return end;
      }
      case 'db':
      case 'cache': {
        const attrs = copy(node.attrs);
        if (node.kind === 'cache')
          attrs[node.statementKey] = `${node.operation} ${this.fill(node.key)}`;
        const span = this.open(
          f.trace,
          f.service,
          f.resource,
          node.scope,
          node.spanName,
          SpanKind.Client,
          parent,
          FLAGS_LOCAL,
          attrs,
          t,
        );
        let end: number;
        if (this.faulted(f.trace, node.faultKey)) {
          end = t + this.lat(FAST_FAILURE);
          const message = `${node.faultKey}: connection reset by peer`;
          this.fail(span, message);
          this.exception(span, f.service, end, 'ConnectionResetError', message);
          f.failure = { status: 500, message };
        } else {
          end = t + this.lat(node.ms);
        }
        this.close(span, f.service, end);
        return end;
      }
      case 'publish': {
        const attrs = copy(node.attrs);
        const messageId = this.sr.uuid();
        attrs[node.messageIdKey] = messageId;
        const producer = this.open(
          f.trace,
          f.service,
          f.resource,
          node.scope,
          node.spanName,
          SpanKind.Producer,
          parent,
          FLAGS_LOCAL,
          attrs,
          t,
        );
        if (this.faulted(f.trace, node.faultKey)) {
          const end = t + this.lat(FAST_FAILURE);
          const message = `${node.topic}: broker unavailable`;
          this.fail(producer, message);
          f.failure = { status: 500, message };
          this.close(producer, f.service, end);
          return end;
        }
        const end = t + this.lat(node.ms);
        this.close(producer, f.service, end);
        for (const consumer of node.consumers)
          this.deliver(f.trace, producer, consumer, messageId, end + this.lat(QUEUE));
        return end;
      }
      case 'external': {
        const attempts = this.noisy
          ? this.sr.int(1, node.attempts.length)
          : 1 + this.sr.pick(node.attempts);
        const faulted = this.faulted(f.trace, node.faultKey);
        const n = faulted ? node.attempts.length : attempts;
        let end = t;
        for (let i = 0; i < n; i++) {
          const attrs = copy(node.attrs);
          attrs[node.urlKey] = node.url;
          const span = this.open(
            f.trace,
            f.service,
            f.resource,
            node.scope,
            node.spanName,
            SpanKind.Client,
            parent,
            FLAGS_LOCAL,
            attrs,
            t,
          );
          const failed = faulted || i < n - 1;
          end = t + (failed ? this.lat(FAST_FAILURE) + this.lat(node.ms) * 0.2 : this.lat(node.ms));
          attrs[node.statusKey] = failed ? 503n : 200n;
          if (failed) this.fail(span, `${node.faultKey} responded 503`);
          this.close(span, f.service, end);
          // Exponential backoff before the next attempt.
          t = end + 20e6 * 2 ** i * (0.5 + this.sr.float());
        }
        if (faulted) f.failure = { status: 502, message: `${node.faultKey} unavailable` };
        return end;
      }
      case 'proxy': {
        // Only traffic enters a proxying endpoint (the compiler checks), and every entry of it
        // has its route resolved.
        const target = node.targets[this.traffic.index]!;
        f.trace.labels.push(target.label);
        if (f.trace.api === undefined) {
          f.trace.api = target.call.target;
          f.trace.apiLabel = target.label;
        }
        return this.exec(target.call, f, parent, t);
      }
      case 'internal': {
        const span = this.open(
          f.trace,
          f.service,
          f.resource,
          node.scope,
          node.spanName,
          SpanKind.Internal,
          parent,
          FLAGS_LOCAL,
          Object.create(null) as Attributes,
          t,
        );
        let end: number;
        if (node.step === undefined) {
          end = t + this.lat(node.ms);
        } else {
          const before = f.failure;
          end = this.exec(node.step, f, span.spanId, t + this.lat(GAP)) + this.lat(GAP);
          if (before === null && f.failure !== null) this.fail(span, f.failure.message);
        }
        this.close(span, f.service, end);
        return end;
      }
      case 'when': {
        const value = this.values[node.condition.attribute];
        const outcome = satisfies(node.condition, value);
        f.trace.decisions.push({
          at: node.at,
          condition: describeCondition(node.condition),
          attribute: node.condition.attribute,
          value,
          outcome,
          flipTo: flipValue(
            node.condition,
            outcome,
            this.traffic.definition.attributes[node.condition.attribute],
          ),
        });
        return this.arm(
          outcome,
          node.then,
          node.else,
          node.thenLabel,
          node.elseLabel,
          f,
          parent,
          t,
        );
      }
      case 'chance':
        return this.arm(
          this.dr.float() < node.probability,
          node.then,
          node.else,
          node.thenLabel,
          node.elseLabel,
          f,
          parent,
          t,
        );
      case 'repeat': {
        const c = node.count;
        const n =
          c.kind === 'fixed'
            ? c.n
            : c.kind === 'range'
              ? this.sr.int(c.min, c.max)
              : Math.min(c.max, Math.max(c.min, Number(this.values[c.attribute] ?? c.min)));
        // Only the first iteration may fault, so a fault cannot split a repeat into unequal parts.
        let suppressing = false;
        for (let i = 0; i < n && f.failure === null; i++) {
          if (i === 1) {
            this.suppressFaults++;
            suppressing = true;
          }
          t = this.exec(node.step, f, parent, t) + this.lat(GAP);
        }
        if (suppressing) this.suppressFaults--;
        return t;
      }
      case 'fail':
        f.failure = { status: node.status, message: node.message };
        this.exception(f.span, f.service, t, node.exceptionType, node.message);
        return t;
      case 'recover': {
        t = this.exec(node.step, f, parent, t);
        if (f.failure !== null) {
          f.failure = null;
          if (node.failedLabel !== undefined) f.trace.labels.push(node.failedLabel);
          return this.exec(node.fallback, f, parent, t + this.lat(GAP));
        }
        if (node.okLabel !== undefined) f.trace.labels.push(node.okLabel);
        return t;
      }
    }
  }

  private arm(
    taken: boolean,
    then: Node,
    otherwise: Node,
    thenLabel: Label | undefined,
    elseLabel: Label | undefined,
    f: Frame,
    parent: string,
    t: number,
  ): number {
    const label = taken ? thenLabel : elseLabel;
    if (label !== undefined) f.trace.labels.push(label);
    return this.exec(taken ? then : otherwise, f, parent, t);
  }

  /** A consumer receives a message: in the producer's trace, or in a new trace linked to it. */
  private deliver(
    trace: TraceState,
    producer: MutableSpan,
    consumer: CompiledEndpoint,
    messageId: string,
    t: number,
  ): void {
    const addId = (attrs: Attributes) => {
      if (consumer.messageIdKey !== undefined) attrs[consumer.messageIdKey] = messageId;
    };
    if (consumer.propagation === 'child') {
      this.serve(trace, consumer, producer.spanId, NO_LINKS, t, addId);
      return;
    }
    const linked = this.newTrace(consumer, { traceId: producer.traceId, spanId: producer.spanId });
    const link: SpanLink = {
      traceId: producer.traceId,
      spanId: producer.spanId,
      traceState: '',
      attributes: Object.create(null) as Attributes,
      droppedAttributesCount: 0,
      flags: 0x301,
    };
    this.continuations.push(linked);
    this.serve(linked, consumer, '', [link], t, addId);
  }
}

/** The ids of the labels, joined with '+' in execution order; `default` when none. */
function behaviourId(labels: readonly Label[]): string {
  return labels.length === 0 ? 'default' : labels.map((l) => l.id).join('+');
}

const EMPTY_NOISE = Object.freeze(Object.create(null) as Record<string, AnyValue>);

function copy(pairs: readonly Attr[]): Attributes {
  const out = Object.create(null) as Attributes;
  for (const [k, v] of pairs) out[k] = v;
  return out;
}

/** The label a fault adds to the behaviour id of the trace it hits. */
export function faultLabel(target: string): Label {
  return { id: `fault:${target}`, description: `${target} fails (injected fault)` };
}

/** gRPC status codes for the HTTP statuses failures carry. */
function grpcCode(status: number): number {
  if (status < 400) return 0; // OK
  if (status === 404) return 5; // NOT_FOUND
  if (status === 402 || status === 409 || status === 412) return 9; // FAILED_PRECONDITION
  if (status < 500) return 3; // INVALID_ARGUMENT
  if (status === 503) return 14; // UNAVAILABLE
  if (status === 504) return 4; // DEADLINE_EXCEEDED
  return 13; // INTERNAL
}

/** gRPC codes that mark a server span as an error (semantic conventions for RPC). */
const GRPC_SERVER_ERRORS = new Set([2, 4, 12, 13, 14, 15]);

/**
 * A value of the attribute's distribution that gives the opposite outcome, if there is one. For a
 * threshold, the value next to it, so a flipped trace sits on the boundary a test should check.
 */
function flipValue(
  condition: Condition,
  outcome: boolean,
  d: Distribution | undefined,
): RequestValue | undefined {
  if (isContinuous(d)) return continuousFlipValue(condition, outcome, d);
  let candidates: RequestValue[] = [];
  if (d?.kind === 'bool') candidates = [true, false];
  else if (d?.kind === 'choice') candidates = [...d.values];
  else if (d?.kind === 'constant') candidates = [d.value];
  else if (d?.kind === 'int') {
    const v = Math.round(Number(condition.value));
    candidates = [v - 1, v, v + 1, d.min, d.max]
      .filter((c) => c >= d.min && c <= d.max)
      .map(BigInt);
  }
  return candidates.find((c) => satisfies(condition, c) !== outcome);
}
