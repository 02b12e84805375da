import type { SystemModel } from '@t2t/model';

/**
 * The behaviours (fingerprints) the model knows per endpoint, for StoredTraceVerifier's
 * `knownBehaviours`: a trace whose structure none of them has is reported as an unknown behaviour,
 * not as one of another known behaviour. From the latest model version rather than from the tests:
 * behaviours without a test of their own (rejected, or never generated) are known all the same.
 * `t2t test verify` (direct or through the server) and the GraphQL `verifyTests` use this one
 * function, so every mode judges a trace alike.
 */
export function knownBehavioursOf(model: SystemModel): Map<string, Set<string>> {
  const known = new Map<string, Set<string>>();
  for (const b of model.behaviours) {
    let set = known.get(b.endpoint);
    if (set === undefined) known.set(b.endpoint, (set = new Set()));
    set.add(b.fingerprint);
  }
  return known;
}
