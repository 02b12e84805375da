/**
 * The declarative description of a synthetic system. A system is plain data (services, endpoints,
 * handler step trees, traffic), so the same description drives both the trace generator and the
 * ground truth: the truth is computed from the steps the generator runs, never written by hand
 * beside them, and the two cannot drift apart. Build systems with the helpers in `system.dsl.ts`.
 */

/** Which generation of OpenTelemetry semantic-convention attribute names a service writes. */
export type SemconvFlavour = 'current' | 'legacy';

/** The SDK language: decides the instrumentation scope names a service's spans carry. */
export type SdkLanguage = 'nodejs' | 'java' | 'go' | 'python';

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

export type SqlSystem = 'postgresql' | 'mysql';
export type DbSystem = SqlSystem | 'mongodb';
export type SqlOperation = 'SELECT' | 'INSERT' | 'UPDATE' | 'DELETE';
export type MongoOperation = 'find' | 'insert' | 'update' | 'delete' | 'aggregate';
export type DbOperation = SqlOperation | MongoOperation;
export type CacheOperation = 'GET' | 'SET' | 'DEL';
export type MessagingSystem = 'kafka' | 'rabbitmq';

/**
 * What a service's database client spans carry. `full`: the operation, table and statement as
 * attributes (db.operation, db.sql.table, db.statement, or their current names). `name-only`: the
 * span name (`SELECT ts.orders`) is the only place the operation and table appear; the span keeps
 * the system, database, user and peer but has no statement, operation or table attribute, as Java
 * agents record JDBC calls with statement capture off. Cache (redis) spans are not affected.
 */
export type DbSpanStyle = 'full' | 'name-only';

/**
 * How a consumer's span relates to the producer's: `child` continues the producer's trace (context
 * propagated in message headers, the consumer span's parent is the producer span); `link` starts a
 * NEW trace whose root consumer span links to the producer span (batch consumers, and async
 * continuations whose instrumentation does not adopt the incoming context, do this).
 */
export type Propagation = 'child' | 'link';

/** Values a request attribute can take (ints are emitted as OTLP ints, i.e. bigint in spans). */
export type RequestValue = string | number | boolean | bigint;

/** How a request attribute is drawn for each request of a traffic entry. */
export type Distribution =
  | { readonly kind: 'bool'; readonly p: number }
  | {
      readonly kind: 'choice';
      readonly values: readonly (string | number | boolean)[];
      readonly weights: readonly number[];
    }
  /** Uniform integer in [min, max], emitted as an OTLP int. */
  | { readonly kind: 'int'; readonly min: number; readonly max: number }
  /** Uniform double in [min, max), rounded to `decimals` places when given (amounts in cents). */
  | {
      readonly kind: 'double';
      readonly min: number;
      readonly max: number;
      readonly decimals?: number;
    }
  /**
   * Log-normal double: e^(ln median + sigma·Z) for a standard normal Z, the skewed shape of order
   * values, sizes and durations; rounded to `decimals` places when given.
   */
  | {
      readonly kind: 'lognormal';
      readonly median: number;
      readonly sigma: number;
      readonly decimals?: number;
    }
  /** A decimal id in [min, max] as a string (ids are strings in most services). */
  | { readonly kind: 'numeric-id'; readonly min: number; readonly max: number }
  | { readonly kind: 'uuid' }
  | { readonly kind: 'constant'; readonly value: string | number | boolean };

export type ComparisonOperator = '=' | '!=' | '>' | '>=' | '<' | '<=';

/** A test on one request attribute. An absent attribute satisfies only `!=`. */
export interface Condition {
  readonly attribute: string;
  readonly operator: ComparisonOperator;
  readonly value: string | number | boolean;
}

/** A behaviour label: the id becomes part of the behaviour id of every trace that takes the arm. */
export interface Label {
  readonly id: string;
  readonly description: string;
}

/** Latency of a leaf step in milliseconds, drawn skewed towards `min`. */
export type DurationMs = readonly [min: number, max: number];

/** The number of iterations of a repeat: fixed, a uniform range, or a request attribute (clamped). */
export type RepeatCount =
  | { readonly kind: 'fixed'; readonly n: number }
  | { readonly kind: 'range'; readonly min: number; readonly max: number }
  | {
      readonly kind: 'attribute';
      readonly attribute: string;
      readonly min: number;
      readonly max: number;
    };

/**
 * One step of a handler. Leaves emit spans; `seq`/`par` compose; `when`/`chance`/`recover` are the
 * branches that make behaviours; `fail` raises a failure that aborts the rest of the handler (like an
 * exception) until a `recover` or the endpoint boundary, where it becomes the response status.
 */
export type Step =
  | { readonly kind: 'seq'; readonly steps: readonly Step[] }
  /** Children run concurrently (they start within a few hundred microseconds of each other). */
  | { readonly kind: 'par'; readonly steps: readonly Step[] }
  | CallStep
  | DbStep
  | CacheStep
  | PublishStep
  | ExternalStep
  | InternalStep
  | ProxyStep
  | {
      readonly kind: 'when';
      readonly condition: Condition;
      readonly then: Step;
      readonly else: Step;
      readonly labels: ArmLabels;
    }
  | {
      readonly kind: 'chance';
      readonly probability: number;
      readonly then: Step;
      readonly else: Step;
      readonly labels: ArmLabels;
    }
  /** Identical iterations (pagination, per-item writes). The body must not branch. */
  | { readonly kind: 'repeat'; readonly count: RepeatCount; readonly step: Step }
  | {
      readonly kind: 'fail';
      readonly message: string;
      /** HTTP status of the failure; mapped to a gRPC code for RPC endpoints. */
      readonly status: number;
      /** `exception.type` of the exception event recorded on the failing server span. */
      readonly exceptionType: string;
    }
  | {
      readonly kind: 'recover';
      readonly step: Step;
      readonly fallback: Step;
      readonly labels: { readonly failed?: Label; readonly ok?: Label };
    };

export interface ArmLabels {
  readonly then?: Label;
  readonly else?: Label;
}

/** A call to another service's endpoint (HTTP or RPC, decided by the target). */
export interface CallStep {
  readonly kind: 'call';
  readonly service: string;
  /** The target endpoint's name: `POST /potatoes` or `checkout.PaymentService/Charge`. */
  readonly endpoint: string;
  /** Route placeholder → request attribute whose value fills it (others get a random id). */
  readonly params?: Readonly<Record<string, string>>;
  /** Request attributes the callee also records on its server span (services log `user.id`). */
  readonly forward?: readonly string[];
}

export interface DbStep {
  readonly kind: 'db';
  readonly system: DbSystem;
  /** Table (SQL) or collection (MongoDB). */
  readonly table: string;
  readonly operation: DbOperation;
  /** The query text; a realistic one is derived from the operation and table when absent. */
  readonly statement?: string;
  /** `db.namespace` / `db.name`. */
  readonly database: string;
  readonly ms?: DurationMs;
}

export interface CacheStep {
  readonly kind: 'cache';
  readonly operation: CacheOperation;
  /** Key template: `{attribute}` placeholders are filled from the request, e.g. `cart:{cart.id}`. */
  readonly key: string;
  readonly ms?: DurationMs;
}

export interface PublishStep {
  readonly kind: 'publish';
  readonly topic: string;
  readonly ms?: DurationMs;
}

/** A call to a third-party HTTP API outside the system (no server span of its own). */
export interface ExternalStep {
  readonly kind: 'external';
  readonly host: string;
  readonly method: HttpMethod;
  readonly path: string;
  /** Weights of 1, 2, 3 … attempts; every attempt but the last fails with a 503. Default [1]. */
  readonly attempts: readonly number[];
  readonly ms?: DurationMs;
}

export interface InternalStep {
  readonly kind: 'internal';
  readonly name: string;
  /** Work done inside the internal span (its child spans). */
  readonly step?: Step;
  readonly ms?: DurationMs;
}

/**
 * Forwards the request to a backend chosen by its path, as an API gateway does (Spring Cloud
 * Gateway, a catch-all route `/**` or `/*`): the first route whose pattern (and method, when
 * listed) matches the request path names the service, and the request goes, with the same method
 * and path, to that service's HTTP endpoint whose route matches the path. The request path is the
 * one the traffic entry sends (TrafficDefinition.path), so the entry endpoint may only be entered
 * by traffic. Every request attribute is recorded on the backend's server span too (the backend is
 * where the API really starts). Taking a route adds the backend endpoint's name as a behaviour
 * label (`POST /api/v1/orders`), since each API behind the gateway is its own structure.
 */
export interface ProxyStep {
  readonly kind: 'proxy';
  readonly routes: readonly ProxyRoute[];
}

export interface ProxyRoute {
  /**
   * Path pattern: literal segments, `*` (one segment), `{name}` (one segment) and a trailing `**`
   * (any number of segments, none included): `/api/v1/orders/**` matches `/api/v1/orders` and
   * `/api/v1/orders/{orderId}`.
   */
  readonly path: string;
  readonly service: string;
  /** Methods the route accepts (Spring Cloud Gateway's Method predicate); default all. */
  readonly methods?: readonly HttpMethod[];
}

export interface HttpEndpointDefinition {
  readonly kind: 'http';
  readonly method: HttpMethod;
  /** Route template with `{name}` placeholders, e.g. `/orders/{id}`. */
  readonly route: string;
  readonly handler: Step;
}

export interface RpcEndpointDefinition {
  readonly kind: 'rpc';
  readonly system: 'grpc';
  /** Fully qualified RPC service, e.g. `checkout.PaymentService`. */
  readonly service: string;
  readonly method: string;
  readonly handler: Step;
}

export interface ConsumerEndpointDefinition {
  readonly kind: 'consume';
  readonly topic: string;
  /** Consumer group (each group receives every message). */
  readonly group: string;
  readonly propagation: Propagation;
  readonly handler: Step;
}

export type EndpointDefinition =
  HttpEndpointDefinition | RpcEndpointDefinition | ConsumerEndpointDefinition;

export interface ServiceDefinition {
  readonly name: string;
  readonly language: SdkLanguage;
  readonly semconv: SemconvFlavour;
  readonly version: string;
  /** What its database client spans carry; default `full`. */
  readonly dbSpans?: DbSpanStyle;
  /** Instances; each has its own resource (`service.instance.id`), requests spread over them. */
  readonly replicas: number;
  readonly endpoints: readonly EndpointDefinition[];
}

export interface TopicDefinition {
  readonly name: string;
  readonly system: MessagingSystem;
}

/** Requests arriving from outside at one entry endpoint. */
export interface TrafficDefinition {
  readonly service: string;
  /** Endpoint name, as in CallStep. */
  readonly endpoint: string;
  /** Relative share of all requests. */
  readonly weight: number;
  /** Request attributes recorded on the entry span; handlers branch on them. */
  readonly attributes: Readonly<Record<string, Distribution>>;
  /** Route placeholder → request attribute whose value fills it in `url.path`. */
  readonly params?: Readonly<Record<string, string>>;
  /**
   * The path template the client requests, when it is not the endpoint's route: required for an
   * endpoint with a catch-all route (one ending in `/*` or `/**`, as a gateway's), whose span
   * reports the route but whose `url.path` / `http.target` is the real path
   * (`/api/v1/orders/{orderId}` filled from `params`). A proxy step routes by it.
   */
  readonly path?: string;
}

export interface SystemDefinition {
  readonly name: string;
  readonly description: string;
  readonly services: readonly ServiceDefinition[];
  /** Topics used by publish/consume; a topic not listed here is Kafka. */
  readonly topics: readonly TopicDefinition[];
  readonly traffic: readonly TrafficDefinition[];
}
