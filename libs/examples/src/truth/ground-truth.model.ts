import type { Condition, SdkLanguage, SemconvFlavour } from '../model/system.model';

/**
 * What a perfect model of a system contains, computed from its definition (see ground-truth.builder).
 * Everything listed appears in generated traces with non-zero probability; declared but unreachable
 * parts are left out, because no model built from traces could know them.
 */
export interface SystemTruth {
  readonly system: string;
  readonly services: readonly ServiceTruth[];
  readonly endpoints: readonly EndpointTruth[];
  readonly entities: readonly EntityTruth[];
  readonly edges: readonly EdgeTruth[];
  readonly behaviours: readonly BehaviourTruth[];
  readonly rules: readonly RuleTruth[];
}

export interface ServiceTruth {
  readonly name: string;
  readonly language: SdkLanguage;
  readonly semconv: SemconvFlavour;
  /** Keys of the service's endpoints that appear in traces. */
  readonly endpoints: readonly string[];
}

export interface EndpointTruth {
  /** `service|HTTP POST /orders`, `service|RPC grpc pkg.Svc/Method`, `service|CONSUME topic`. */
  readonly key: string;
  readonly service: string;
  readonly kind: 'http' | 'rpc' | 'consume';
  /** True when traces start here (traffic entries, and consumers that start a linked trace). */
  readonly entry: boolean;
  /** Expected traces with this endpoint key per generated request (0 for non-entry endpoints). */
  readonly tracesPerRequest: number;
  /**
   * Expected traces per request that serve this endpoint as their API (GeneratedTrace.apiEndpoint):
   * an entry that does not proxy has its tracesPerRequest here, an endpoint a gateway forwards to
   * the traces forwarded to it, any other endpoint 0.
   */
  readonly apiTracesPerRequest: number;
}

export type EntityKind = 'table' | 'collection' | 'cache-prefix' | 'topic' | 'external-api';

export interface EntityTruth {
  readonly kind: EntityKind;
  /** Table, collection, topic, host, or a cache key template with ids as `{id}` (`cart:{id}`). */
  readonly name: string;
  /** `postgresql`, `mysql`, `mongodb`, `redis`, `kafka`, `rabbitmq` or `https`. */
  readonly system: string;
}

/**
 * CALLS: endpoint key → endpoint key. For HTTP `method` is the HTTP method and `route` the route;
 * for gRPC `method` is the RPC method and `route` is `package.Service/Method`.
 * READS/WRITES: service → table, collection or cache key template, with the operation
 * (SELECT, INSERT, find, GET, SET, …). PUBLISHES/CONSUMES: service → topic.
 * CALLS_EXTERNAL: service → host, with the HTTP method and path.
 */
export type EdgeTruth =
  | {
      readonly type: 'CALLS';
      readonly from: string;
      readonly to: string;
      readonly protocol: 'http' | 'grpc';
      readonly method: string;
      readonly route: string;
    }
  | {
      readonly type: 'READS' | 'WRITES';
      readonly from: string;
      readonly to: string;
      readonly entityKind: EntityKind;
      readonly operation: string;
    }
  | { readonly type: 'PUBLISHES' | 'CONSUMES'; readonly from: string; readonly to: string }
  | {
      readonly type: 'CALLS_EXTERNAL';
      readonly from: string;
      readonly to: string;
      readonly method: string;
      readonly route: string;
    };

export interface BehaviourTruth {
  /** The endpoint key of the traces that show this behaviour (their entry endpoint). */
  readonly endpoint: string;
  /**
   * The API these traces serve (GeneratedTrace.apiEndpoint): the endpoint a gateway entry forwarded
   * them to (`order-service|HTTP POST /api/v1/orders` behind `gateway|HTTP POST /*`), else `endpoint`.
   */
  readonly apiEndpoint: string;
  /** Labels of the arms taken, joined with '+' in execution order; `default` when none. */
  readonly id: string;
  /** The id without the gateway route's label (GeneratedTrace.apiBehaviour); `id` without a proxy. */
  readonly apiId: string;
  readonly description: string;
  /** Expected fraction of this endpoint's traces, under the generator's distributions and faults. */
  readonly share: number;
  /** Its share within its API: among the traces of `endpoint` that serve `apiEndpoint`. */
  readonly apiShare: number;
}

/**
 * "Within traces of `endpoint` that serve `apiEndpoint`, `effect` happens only if `condition`
 * holds": the edge never occurs when the condition is false, and occurs with probability
 * `confidence` when it is true (1 unless random draws or faults sit between the branch and the
 * effect). Effects are the steps written directly in the branch; what they cause further
 * downstream is implied and not listed again. Behind a gateway, rules are per API (the APIs of one
 * gateway endpoint carry different request attributes); without one, apiEndpoint = endpoint.
 */
export interface RuleTruth {
  readonly endpoint: string;
  /** The API of the traces the rule is about (see BehaviourTruth.apiEndpoint). */
  readonly apiEndpoint: string;
  /** The endpoint whose handler holds the branch. */
  readonly at: string;
  /** Conjunction of atoms as text: `user.likes_potatoes = true`. */
  readonly condition: string;
  readonly atoms: readonly Condition[];
  /** `calls potato-handler POST /potatoes`, `writes gift_cards (UPDATE)`, … */
  readonly effect: string;
  readonly edge: EdgeTruth;
  /** P(condition) among the endpoint's traces that serve apiEndpoint. */
  readonly share: number;
  /** P(effect | condition). */
  readonly confidence: number;
}
