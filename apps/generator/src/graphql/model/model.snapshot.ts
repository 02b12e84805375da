import {
  edgeId,
  type ModelBehaviour,
  type ModelEdge,
  type ModelEndpoint,
  type ModelRule,
  type SystemModel,
} from '@t2t/model';

/** Identity of a behaviour: an endpoint's fingerprint. */
export const behaviourKey = (b: Pick<ModelBehaviour, 'endpoint' | 'fingerprint'>) =>
  `${b.endpoint}#${b.fingerprint}`;

/**
 * Identity of a rule, as modeling's diff defines it: the endpoint, the deciding handler and the
 * effect's edge (a new condition for the same effect is the same rule, changed). Rules carry no
 * id of their own; this one keeps a rule's cursor across versions where only its condition moved.
 */
export const ruleKey = (r: Pick<ModelRule, 'endpoint' | 'at' | 'edge'>) =>
  JSON.stringify([r.endpoint, r.at, edgeId(r.edge)]);

/**
 * The model document of one version, parsed once when first needed, with the lookups its
 * resolvers use. Versions are immutable (identified by the hash of their content), so nothing
 * here changes after construction.
 */
export class ModelSnapshot {
  private parsed: SystemModel | undefined;
  private edgeIndex: Map<string, ModelEdge> | undefined;
  private endpointIndex: Map<string, ModelEndpoint> | undefined;
  private behaviourIndex: Map<string, ModelBehaviour> | undefined;

  constructor(
    readonly modelHash: string,
    private readonly document: string,
  ) {}

  get model(): SystemModel {
    this.parsed ??= JSON.parse(this.document) as SystemModel;
    return this.parsed;
  }

  edgeById(id: string): ModelEdge | undefined {
    this.edgeIndex ??= new Map(this.model.edges.map((e) => [edgeId(e), e]));
    return this.edgeIndex.get(id);
  }

  endpoint(key: string): ModelEndpoint | undefined {
    this.endpointIndex ??= new Map(this.model.endpoints.map((e) => [e.key, e]));
    return this.endpointIndex.get(key);
  }

  behaviour(endpoint: string, fingerprint: string): ModelBehaviour | undefined {
    this.behaviourIndex ??= new Map(this.model.behaviours.map((b) => [behaviourKey(b), b]));
    return this.behaviourIndex.get(behaviourKey({ endpoint, fingerprint }));
  }

  /** Behaviours of one endpoint in the endpoint's order (busiest first). */
  behavioursOf(endpoint: string): ModelBehaviour[] {
    const order = this.endpoint(endpoint)?.behaviours ?? [];
    const rank = new Map(order.map((fp, i) => [fp, i]));
    return this.model.behaviours
      .filter((b) => b.endpoint === endpoint)
      .sort(
        (a, b) =>
          (rank.get(a.fingerprint) ?? order.length) - (rank.get(b.fingerprint) ?? order.length),
      );
  }
}
