import { createHash } from 'node:crypto';
import { canonicalJson, edgeId, type SystemModel } from '@t2t/model';

/**
 * A digest of everything in the model that the tests of one endpoint depend on: the endpoint, its
 * behaviours, its rules and the edges its traces use. Two model versions with the same digest for
 * an endpoint would generate the same tests for it, so a scheduled run skips it.
 */
export function endpointFragmentHashes(model: SystemModel): Map<string, string> {
  const out = new Map<string, string>();
  for (const endpoint of model.endpoints.filter((e) => e.entry)) {
    const fragment = {
      endpoint,
      behaviours: model.behaviours
        .filter((b) => b.endpoint === endpoint.key)
        .map((b) => ({ fingerprint: b.fingerprint, edges: [...b.edges].sort() })),
      rules: model.rules
        .filter((r) => r.endpoint === endpoint.key)
        .map((r) => ({ at: r.at, condition: r.condition, effect: r.effect })),
      edges: model.edges
        .filter((e) => e.seenIn.includes(endpoint.key))
        .map((e) => edgeId(e))
        .sort(),
    };
    out.set(endpoint.key, createHash('sha256').update(canonicalJson(fragment)).digest('hex'));
  }
  return out;
}

/** Entry endpoints whose fragment differs between the two models (new ones included, removed ones too). */
export function changedEndpoints(before: SystemModel | undefined, after: SystemModel): string[] {
  const a = before ? endpointFragmentHashes(before) : new Map<string, string>();
  const b = endpointFragmentHashes(after);
  const changed = new Set<string>();
  for (const [k, h] of b) if (a.get(k) !== h) changed.add(k);
  for (const k of a.keys()) if (!b.has(k)) changed.add(k);
  return [...changed].sort();
}
