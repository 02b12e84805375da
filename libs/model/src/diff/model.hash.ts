import { createHash } from 'node:crypto';
import type { SystemModel } from '../model.types';
import { identities, ruleKey } from './model.diff';

/**
 * A version id for a model: SHA-256 (hex) of a canonical JSON of its structure, exactly what
 * diffModels compares, so `modelHash(a) === modelHash(b)` exactly when `diffModels(a, b)` is empty.
 * Statistics (shares, latencies, support) are left out for the same reason diffModels ignores them:
 * a rebuild over new traffic with the same structure is the same version.
 *
 * Canonical: every array sorted, object keys sorted, no whitespace; the result depends only on
 * the content, not on the order evidence arrived in, the process, or the platform.
 */
export function modelHash(model: SystemModel): string {
  const id = identities(model);
  const structure = {
    services: [...id.services.keys()],
    endpoints: [...id.endpoints.keys()],
    entities: [...id.entities.keys()],
    edges: [...id.edges.keys()],
    behaviours: [...id.behaviours.keys()],
    rules: [...id.rules.values()].map((r) => ({ rule: ruleKey(r), condition: r.condition })),
  };
  return createHash('sha256').update(canonicalJson(structure)).digest('hex');
}

/** JSON with object keys and array items in sorted order (items by their own canonical JSON). */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) {
    return `[${value.map(canonicalJson).sort().join(',')}]`;
  }
  if (value !== null && typeof value === 'object') {
    const entries = Object.keys(value)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonicalJson((value as Record<string, unknown>)[k])}`);
    return `{${entries.join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}
