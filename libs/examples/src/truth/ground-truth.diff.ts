import { edgeKey } from './edge.format';
import type { EdgeTruth, SystemTruth } from './ground-truth.model';

/** What a model-drift detector should report between two versions of a system. */
export interface TruthDiff {
  readonly added: TruthDelta;
  readonly removed: TruthDelta;
}

export interface TruthDelta {
  readonly services: readonly string[];
  readonly endpoints: readonly string[];
  /** `kind name`, e.g. `table orders`. */
  readonly entities: readonly string[];
  readonly edges: readonly EdgeTruth[];
  /** `endpoint: condition → effect`. */
  readonly rules: readonly string[];
}

export function diffGroundTruth(before: SystemTruth, after: SystemTruth): TruthDiff {
  const sets = (t: SystemTruth) => ({
    services: new Map(t.services.map((s) => [s.name, s.name])),
    endpoints: new Map(t.endpoints.map((e) => [e.key, e.key])),
    entities: new Map(t.entities.map((e) => [`${e.kind} ${e.name}`, `${e.kind} ${e.name}`])),
    edges: new Map(t.edges.map((e) => [edgeKey(e), e])),
    rules: new Map(
      t.rules.map((r) => [
        `${r.endpoint}: ${r.condition} → ${r.effect}`,
        `${r.endpoint}: ${r.condition} → ${r.effect}`,
      ]),
    ),
  });
  const a = sets(before);
  const b = sets(after);
  const minus = <T>(x: Map<string, T>, y: Map<string, T>): T[] =>
    [...x.keys()].filter((k) => !y.has(k)).map((k) => x.get(k) as T);
  const delta = (x: typeof a, y: typeof a): TruthDelta => ({
    services: minus(x.services, y.services),
    endpoints: minus(x.endpoints, y.endpoints),
    entities: minus(x.entities, y.entities),
    edges: minus(x.edges, y.edges),
    rules: minus(x.rules, y.rules),
  });
  return { added: delta(b, a), removed: delta(a, b) };
}
