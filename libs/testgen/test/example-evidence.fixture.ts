import { checkoutSystem, generateTraces, potatoSystem } from '@t2t/examples';
import { buildSystemModel, type BehaviourEvidence, type SystemModel } from '@t2t/model';
// The clustering steps production runs (TraceAssembler, fingerprintTrace, bottom-k samples, a
// representative), as libs/model's specs use them: both libs measure on identical evidence.
import { clusterTraces } from '../../model/test/behaviour-evidence.fixture';

export interface ExampleEvidence {
  model: SystemModel;
  evidence: BehaviourEvidence[];
}

const cache = new Map<string, ExampleEvidence>();

/** Model and evidence of an example system, clustered with clustering's default 20 samples per behaviour. */
export function exampleEvidence(
  system: 'potato' | 'checkout',
  seed = 101,
  traces = 2_000,
): ExampleEvidence {
  const key = `${system}/${seed}/${traces}`;
  let hit = cache.get(key);
  if (hit === undefined) {
    const generated = generateTraces(system === 'potato' ? potatoSystem : checkoutSystem, {
      seed,
      traces,
    });
    const { evidence } = clusterTraces(generated, { samplesPerBehaviour: 20 });
    hit = { model: buildSystemModel(evidence), evidence };
    cache.set(key, hit);
  }
  return hit;
}
