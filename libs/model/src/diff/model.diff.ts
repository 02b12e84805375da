import { entityKey } from '../extract/entity.extractor';
import { edgeId } from '../extract/edge.format';
import type { ModelChange, ModelEdge, ModelRule, SystemModel } from '../model.types';

/**
 * What changed between two versions of a model, structurally: services, endpoints, entities
 * (kind, name and system), edges (by edgeId), behaviours (endpoint + fingerprint) and rules
 * (endpoint, deciding handler and effect edge; `rule_changed` when the condition differs).
 *
 * Statistics are not changes: traffic shares, latencies, error rates, an endpoint's trace count,
 * a rule's support and confidence, and which entry endpoints use an edge move with every rebuild
 * over new traffic, and a version per rebuild would bury the changes that matter.
 *
 * Order is fixed: services, endpoints, entities, edges, behaviours, rules; within each, added before
 * removed (then rule_changed), each list sorted by identity.
 */
export function diffModels(before: SystemModel, after: SystemModel): ModelChange[] {
  const changes: ModelChange[] = [];
  const compare = <T>(
    x: ReadonlyMap<string, T>,
    y: ReadonlyMap<string, T>,
    added: (item: T) => ModelChange,
    removed: (item: T) => ModelChange,
  ) => {
    for (const key of sortedKeys(y)) if (!x.has(key)) changes.push(added(y.get(key)!));
    for (const key of sortedKeys(x)) if (!y.has(key)) changes.push(removed(x.get(key)!));
  };
  const a = identities(before);
  const b = identities(after);
  compare(
    a.services,
    b.services,
    (service) => ({ kind: 'service_added', service }),
    (service) => ({ kind: 'service_removed', service }),
  );
  compare(
    a.endpoints,
    b.endpoints,
    (endpoint) => ({ kind: 'endpoint_added', endpoint }),
    (endpoint) => ({ kind: 'endpoint_removed', endpoint }),
  );
  compare(
    a.entities,
    b.entities,
    (entity) => ({ kind: 'entity_added', entity }),
    (entity) => ({ kind: 'entity_removed', entity }),
  );
  compare(
    a.edges,
    b.edges,
    (edge) => ({ kind: 'edge_added', edge }),
    (edge) => ({ kind: 'edge_removed', edge }),
  );
  compare(
    a.behaviours,
    b.behaviours,
    ({ endpoint, fingerprint }) => ({ kind: 'behaviour_added', endpoint, fingerprint }),
    ({ endpoint, fingerprint }) => ({ kind: 'behaviour_removed', endpoint, fingerprint }),
  );
  compare(
    a.rules,
    b.rules,
    (rule) => ({ kind: 'rule_added', rule }),
    (rule) => ({ kind: 'rule_removed', rule }),
  );
  for (const key of sortedKeys(a.rules)) {
    const x = a.rules.get(key)!;
    const y = b.rules.get(key);
    if (y !== undefined && x.condition !== y.condition) {
      changes.push({ kind: 'rule_changed', before: x, after: y });
    }
  }
  return changes;
}

/** Identity → item for every part of the model that diffModels compares. */
export interface ModelIdentities {
  services: Map<string, string>;
  endpoints: Map<string, string>;
  entities: Map<string, SystemModel['entities'][number]>;
  edges: Map<string, ModelEdge>;
  behaviours: Map<string, { endpoint: string; fingerprint: string }>;
  /** Keyed by endpoint, deciding handler and effect edge; the condition is compared separately. */
  rules: Map<string, ModelRule>;
}

export function identities(model: SystemModel): ModelIdentities {
  return {
    services: new Map(model.services.map((s) => [s.name, s.name])),
    endpoints: new Map(model.endpoints.map((e) => [e.key, e.key])),
    entities: new Map(model.entities.map((e) => [entityKey(e), e])),
    edges: new Map(model.edges.map((e) => [edgeId(e), e])),
    behaviours: new Map(
      model.behaviours.map((b) => [
        `${b.endpoint}\u0000${b.fingerprint}`,
        { endpoint: b.endpoint, fingerprint: b.fingerprint },
      ]),
    ),
    rules: new Map(model.rules.map((r) => [ruleKey(r), r])),
  };
}

export function ruleKey(rule: ModelRule): string {
  return `${rule.endpoint}\u0000${rule.at}\u0000${edgeId(rule.edge)}`;
}

function sortedKeys(map: ReadonlyMap<string, unknown>): string[] {
  return [...map.keys()].sort();
}
