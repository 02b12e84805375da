import {
  edgeId,
  modelHash,
  type BehaviourEvidence,
  type ModelBehaviour,
  type ModelEdge,
  type ModelEntity,
  type ModelRule,
  type ModelTrace,
  type SystemModel,
} from '@t2t/model';
import { profileBehaviour, type BehaviourProfile } from './behaviour.profile';
import type { SynthesisOptions } from './synthesis.options';

/** The model and evidence indexed once for every synthesizer. */
export interface SynthesisContext {
  readonly model: SystemModel;
  readonly options: SynthesisOptions;
  readonly modelVersion: string;
  /** edgeId → edge. */
  readonly edges: ReadonlyMap<string, ModelEdge>;
  /** `endpoint\0fingerprint` → behaviour. */
  readonly behaviours: ReadonlyMap<string, ModelBehaviour>;
  /** `endpoint\0fingerprint` → evidence. */
  readonly evidence: ReadonlyMap<string, BehaviourEvidence>;
  /** Endpoint → its evidence, busiest first. */
  readonly evidenceByEndpoint: ReadonlyMap<string, BehaviourEvidence[]>;
  /** `kind name` → entity. */
  readonly entities: ReadonlyMap<string, ModelEntity>;
  readonly rulesByEndpoint: ReadonlyMap<string, ModelRule[]>;
  /** Every sampled trace of an endpoint profiled together (without selectors), on first use. */
  endpointProfile(endpoint: string): BehaviourProfile;
  /** One behaviour's traces profiled with selectors, on first use (journeys reuse them). */
  behaviourProfile(evidence: BehaviourEvidence): BehaviourProfile;
  /** Every sampled trace of an endpoint profiled with selectors, on first use (for its rules). */
  ruleProfile(endpoint: string): BehaviourProfile | undefined;
}

export const behaviourKey = (endpoint: string, fingerprint: string): string =>
  `${endpoint}\u0000${fingerprint}`;

export const entityRef = (kind: string, name: string): string => `${kind} ${name}`;

export function createSynthesisContext(
  model: SystemModel,
  evidence: readonly BehaviourEvidence[],
  options: SynthesisOptions,
): SynthesisContext {
  const byEndpoint = new Map<string, BehaviourEvidence[]>();
  const byKey = new Map<string, BehaviourEvidence>();
  for (const e of evidence) {
    const key = behaviourKey(e.endpoint, e.fingerprint);
    // Several windows of one behaviour: keep the busiest row (its samples are as good as any).
    const known = byKey.get(key);
    if (known !== undefined && known.traces >= e.traces) continue;
    byKey.set(key, e);
  }
  for (const e of byKey.values()) {
    byEndpoint.set(e.endpoint, [...(byEndpoint.get(e.endpoint) ?? []), e]);
  }
  for (const list of byEndpoint.values()) {
    list.sort((a, b) => b.traces - a.traces || (a.fingerprint < b.fingerprint ? -1 : 1));
  }
  const profiles = new Map<string, BehaviourProfile>();
  const behaviourProfiles = new Map<BehaviourEvidence, BehaviourProfile>();
  const ruleProfiles = new Map<string, BehaviourProfile | undefined>();
  const rules = new Map<string, ModelRule[]>();
  for (const r of model.rules) rules.set(r.endpoint, [...(rules.get(r.endpoint) ?? []), r]);
  return {
    model,
    options,
    modelVersion: options.modelVersion ?? modelHash(model),
    edges: new Map(model.edges.map((e) => [edgeId(e), e])),
    behaviours: new Map(model.behaviours.map((b) => [behaviourKey(b.endpoint, b.fingerprint), b])),
    evidence: byKey,
    evidenceByEndpoint: byEndpoint,
    entities: new Map(model.entities.map((e) => [entityRef(e.kind, e.name), e])),
    rulesByEndpoint: rules,
    endpointProfile(endpoint) {
      let profile = profiles.get(endpoint);
      if (profile === undefined) {
        profile = profileBehaviour((byEndpoint.get(endpoint) ?? []).flatMap(tracesOf), {
          selectors: false,
        });
        profiles.set(endpoint, profile);
      }
      return profile;
    },
    behaviourProfile(e) {
      let profile = behaviourProfiles.get(e);
      if (profile === undefined) {
        profile = profileBehaviour(tracesOf(e));
        behaviourProfiles.set(e, profile);
      }
      return profile;
    },
    ruleProfile(endpoint) {
      if (!ruleProfiles.has(endpoint)) {
        const traces = (byEndpoint.get(endpoint) ?? []).flatMap(tracesOf);
        ruleProfiles.set(endpoint, traces.length === 0 ? undefined : profileBehaviour(traces));
      }
      return ruleProfiles.get(endpoint);
    },
  };
}

/** The traces of a behaviour: the representative first, then the samples, each once. */
export function tracesOf(e: BehaviourEvidence): ModelTrace[] {
  const out = e.representative === undefined ? [] : [e.representative];
  for (const t of e.samples) if (!out.some((o) => o.traceId === t.traceId)) out.push(t);
  return out;
}
