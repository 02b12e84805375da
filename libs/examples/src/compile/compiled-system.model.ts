import type { InstrumentationScope, Resource, SpanKind } from '@t2t/domain';
import type {
  Condition,
  DbSpanStyle,
  DurationMs,
  EndpointDefinition,
  Label,
  Propagation,
  RepeatCount,
  SemconvFlavour,
  SystemDefinition,
  TrafficDefinition,
} from '../model/system.model';
import type { EdgeTruth, EntityTruth } from '../truth/ground-truth.model';
import type { Instrumentation } from './instrumentation.scopes';
import type { Attr } from './semconv.attributes';

/**
 * A system with every reference resolved and every fixed span part precomputed: what the generator
 * interprets per request (so the hot loop does no lookups by name and builds no constant strings)
 * and what the ground truth walks. Built once per SystemDefinition object and cached.
 */
export interface CompiledSystem {
  readonly definition: SystemDefinition;
  readonly services: readonly CompiledService[];
  readonly endpoints: ReadonlyMap<string, CompiledEndpoint>;
  readonly traffic: readonly CompiledTraffic[];
  /** Everything a fault can target: endpoint keys, tables, collections, cache keys, topics, hosts. */
  readonly faultTargets: ReadonlySet<string>;
}

export interface CompiledService {
  readonly name: string;
  readonly index: number;
  readonly flavour: SemconvFlavour;
  readonly dbSpans: DbSpanStyle;
  /** One per replica; spans of one replica share the object (the encoder groups by identity). */
  readonly resources: readonly Resource[];
  readonly scopes: Readonly<Record<Instrumentation | 'internal', InstrumentationScope>>;
}

/** A text with slots filled per request: a slot names a request attribute, or none for a random id. */
export type Template = readonly (string | { readonly attribute: string | undefined })[];

export interface CompiledEndpoint {
  readonly key: string;
  readonly name: string;
  readonly service: CompiledService;
  readonly definition: EndpointDefinition;
  readonly spanName: string;
  readonly spanKind: SpanKind;
  readonly scope: InstrumentationScope;
  readonly attrs: readonly Attr[];
  /** HTTP: the route as a template of its placeholders, and where the path goes. */
  readonly route: Template;
  readonly pathKey: string | undefined;
  /** Response status attribute (HTTP or gRPC); undefined for consumers. */
  readonly statusKey: string | undefined;
  readonly grpc: boolean;
  /** Consumers only. */
  readonly propagation: Propagation | undefined;
  readonly messageIdKey: string | undefined;
  /** Set after every endpoint exists, since handlers refer to other endpoints. */
  handler: Node;
}

export interface CompiledTraffic {
  /** Position in CompiledSystem.traffic (proxy nodes resolve their route per traffic entry). */
  readonly index: number;
  readonly definition: TrafficDefinition;
  readonly endpoint: CompiledEndpoint;
  /** Cumulative, normalised weight: pick the first entry whose value exceeds a uniform draw. */
  readonly cumulative: number;
  readonly share: number;
  /** The requested path (TrafficDefinition.path, else the route) with the traffic's params bound. */
  readonly path: Template;
}

interface LeafBase {
  readonly scope: InstrumentationScope;
  readonly spanName: string;
  readonly attrs: readonly Attr[];
  readonly ms: DurationMs;
  readonly edge: EdgeTruth;
  readonly entity: EntityTruth | undefined;
  /** What a fault targets to hit this step: endpoint key, entity name or host. */
  readonly faultKey: string;
}

export interface CallNode extends LeafBase {
  readonly kind: 'call';
  readonly target: CompiledEndpoint;
  readonly path: Template;
  /** HTTP: where the full URL goes and its base; '' for gRPC. */
  readonly urlKey: string;
  readonly urlBase: string;
  readonly statusKey: string;
  readonly forward: readonly string[];
  /**
   * A gateway forwarding the request (see ProxyNode): the callee gets the entry's own path (the
   * one on the entry span, ids and all) instead of one filled from `path`.
   */
  readonly proxied: boolean;
}

export interface DbNode extends LeafBase {
  readonly kind: 'db';
}

export interface CacheNode extends LeafBase {
  readonly kind: 'cache';
  readonly operation: string;
  readonly key: Template;
  readonly statementKey: string;
}

export interface PublishNode extends LeafBase {
  readonly kind: 'publish';
  readonly topic: string;
  readonly messageIdKey: string;
  /** Filled after every endpoint exists. */
  consumers: readonly CompiledEndpoint[];
}

export interface ExternalNode extends LeafBase {
  readonly kind: 'external';
  readonly url: string;
  readonly urlKey: string;
  readonly statusKey: string;
  /** Cumulative, normalised weights of 1, 2, … attempts. */
  readonly attempts: readonly number[];
}

/** Where a proxy sends one traffic entry's requests, and the behaviour label that adds. */
export interface ProxyTarget {
  readonly call: CallNode;
  readonly label: Label;
}

export interface ProxyNode {
  readonly kind: 'proxy';
  /**
   * Indexed by CompiledTraffic.index: the route each traffic entry's path takes (undefined for
   * entries that never reach this node). Filled after the traffic is compiled.
   */
  readonly targets: (ProxyTarget | undefined)[];
}

export interface WhenNode {
  readonly kind: 'when';
  /** Unique within the system: identifies the branch in rules. */
  readonly id: number;
  /** Key of the endpoint whose handler holds the branch. */
  readonly at: string;
  readonly condition: Condition;
  readonly then: Node;
  readonly else: Node;
  readonly thenLabel: Label | undefined;
  readonly elseLabel: Label | undefined;
}

export type Node =
  | { readonly kind: 'seq' | 'par'; readonly steps: readonly Node[] }
  | CallNode
  | DbNode
  | CacheNode
  | PublishNode
  | ExternalNode
  | ProxyNode
  | {
      readonly kind: 'internal';
      readonly scope: InstrumentationScope;
      readonly spanName: string;
      readonly ms: DurationMs;
      readonly step: Node | undefined;
    }
  | WhenNode
  | {
      readonly kind: 'chance';
      readonly probability: number;
      readonly then: Node;
      readonly else: Node;
      readonly thenLabel: Label | undefined;
      readonly elseLabel: Label | undefined;
    }
  | { readonly kind: 'repeat'; readonly count: RepeatCount; readonly step: Node }
  | {
      readonly kind: 'fail';
      readonly message: string;
      readonly status: number;
      readonly exceptionType: string;
    }
  | {
      readonly kind: 'recover';
      readonly step: Node;
      readonly fallback: Node;
      readonly failedLabel: Label | undefined;
      readonly okLabel: Label | undefined;
    };
