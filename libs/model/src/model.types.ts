/**
 * The semantic model of a system, built from clustering's output (libs/model is pure).
 *
 *   BehaviourEvidence[] (per endpoint + fingerprint: stats, representative and sampled traces)
 *        ──buildSystemModel──► SystemModel ──diffModels(previous, next)──► ModelChange[]
 *
 * The shapes mirror libs/examples' ground truth (SystemTruth) so a built model can be compared
 * with the truth of an example system field by field.
 */

/** A span as modeling reads it back from the `spans` table (string attributes, as stored). */
export interface ModelSpan {
  traceId: string;
  spanId: string;
  /** '' for a root span. */
  parentSpanId: string;
  service: string;
  name: string;
  /** OTLP SpanKind number (1 internal, 2 server, 3 client, 4 producer, 5 consumer). */
  kind: number;
  startNs: bigint;
  durationNs: number;
  /** OTLP status code (0 unset, 1 ok, 2 error). */
  statusCode: number;
  attributes: Record<string, string>;
  links: { traceId: string; spanId: string }[];
}

export interface ModelTrace {
  traceId: string;
  spans: ModelSpan[];
}

/** Everything known about one behaviour (an endpoint's structural variant, i.e. one fingerprint). */
export interface BehaviourEvidence {
  /** Entry endpoint key, as libs/fingerprint's entryEndpoint computes it. */
  endpoint: string;
  fingerprint: string;
  /** Over all traffic seen (cluster statistics), not only the samples. */
  traces: number;
  errors: number;
  p50Us: number;
  p95Us: number;
  /** Over all traffic; absent where only p50/p95 are known. */
  p99Us?: number;
  /** The behaviour's representative trace, when its spans could be read. */
  representative: ModelTrace | undefined;
  /** Traces of this behaviour (a bounded, uniform sample), with all their spans. */
  samples: ModelTrace[];
}

export type EntityKind = 'table' | 'collection' | 'cache-prefix' | 'topic' | 'external-api';

export interface ModelService {
  name: string;
  /** Keys of the service's endpoints. */
  endpoints: string[];
}

export interface ModelEndpoint {
  /** `service|HTTP POST /orders`, `service|RPC grpc pkg.Svc/Method`, `service|CONSUME topic`, … */
  key: string;
  service: string;
  kind: 'http' | 'rpc' | 'consume' | 'graphql' | 'other';
  /** True when traces start here. */
  entry: boolean;
  /** Traces that start here (0 for endpoints only reached from other services). */
  traces: number;
  /** Fingerprints of the behaviours of this endpoint (entry endpoints only), busiest first. */
  behaviours: string[];
  /**
   * For an entry endpoint whose traces enter through another span (a gateway or proxy): that
   * span's own endpoint key, and why the trace is named after this endpoint instead.
   */
  enteredVia?: { endpoint: string; reason: string };
}

export interface ModelEntity {
  kind: EntityKind;
  /** Table, collection, topic, host, or a cache key template with ids as `{id}` (`cart:{id}`). */
  name: string;
  /** `postgresql`, `mysql`, `mongodb`, `redis`, `kafka`, `rabbitmq`, `https`, … */
  system: string;
}

/** The same edge vocabulary as libs/examples' EdgeTruth. */
export type ModelEdge = (
  | {
      type: 'CALLS';
      from: string;
      to: string;
      protocol: 'http' | 'grpc';
      method: string;
      route: string;
    }
  | {
      type: 'READS' | 'WRITES';
      from: string;
      to: string;
      entityKind: EntityKind;
      operation: string;
    }
  | { type: 'PUBLISHES' | 'CONSUMES'; from: string; to: string }
  | { type: 'CALLS_EXTERNAL'; from: string; to: string; method: string; route: string }
) & {
  /** Entry endpoints whose traces use this edge. */
  seenIn: string[];
};

export interface ModelBehaviour {
  endpoint: string;
  fingerprint: string;
  /** Fraction of the endpoint's traces. */
  share: number;
  traces: number;
  errorRate: number;
  p50Us: number;
  p95Us: number;
  representativeTraceId: string | undefined;
  /** Ids (edgeId) of the edges this behaviour's traces use. */
  edges: string[];
}

export interface RuleAtom {
  attribute: string;
  op: '=' | '!=' | '>=' | '<';
  value: string;
}

/** "Within traces of `endpoint`, `effect` happens only if `condition` holds." */
export interface ModelRule {
  endpoint: string;
  /** The endpoint whose handler makes the decision (where the effect's edge starts). */
  at: string;
  /** Atoms as text, joined with ' and ': `user.likes_potatoes = true`. */
  condition: string;
  atoms: RuleAtom[];
  /** `calls potato-handler POST /potatoes`, `writes gift_cards (UPDATE)`, … */
  effect: string;
  edge: ModelEdge;
  /** Traces where the condition held and the effect happened. */
  support: number;
  /** P(effect | condition). */
  confidence: number;
  /** P(effect | not condition): ~0 for a rule worth stating. */
  falseRate: number;
  /**
   * What support, confidence and false rate were counted on, per behaviour. Absent in models
   * stored before rules were measured.
   */
  measured?: RuleMeasurement;
}

/**
 * The evidence behind a rule's figures. Mining finds a rule on the sampled traces; modeling then
 * counts it again over every stored trace of the period (`all-traces`), which also places a
 * numeric threshold between the classes rather than at a sampled value.
 */
export interface RuleMeasurement {
  basis: 'all-traces' | 'samples';
  /**
   * Every behaviour of the endpoint in which the deciding handler runs: whether the rule's effect
   * is part of its structure, how many of its traces were counted, and in how many of them the
   * condition holds. A behaviour whose traces all agree (`holds` is 0 or `traces`) is decided by
   * the rule: tests of that behaviour apply exactly when the condition holds (or fails).
   */
  behaviours: RuleBehaviourCount[];
}

export interface RuleBehaviourCount {
  fingerprint: string;
  effect: boolean;
  traces: number;
  holds: number;
}

export interface SystemModel {
  services: ModelService[];
  endpoints: ModelEndpoint[];
  entities: ModelEntity[];
  edges: ModelEdge[];
  behaviours: ModelBehaviour[];
  rules: ModelRule[];
}

export type ModelChange =
  | { kind: 'service_added' | 'service_removed'; service: string }
  | { kind: 'endpoint_added' | 'endpoint_removed'; endpoint: string }
  | { kind: 'entity_added' | 'entity_removed'; entity: ModelEntity }
  | { kind: 'edge_added' | 'edge_removed'; edge: ModelEdge }
  | { kind: 'behaviour_added' | 'behaviour_removed'; endpoint: string; fingerprint: string }
  | { kind: 'rule_added' | 'rule_removed'; rule: ModelRule }
  | { kind: 'rule_changed'; before: ModelRule; after: ModelRule };
