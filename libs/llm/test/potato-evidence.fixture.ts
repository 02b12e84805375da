import { generateTraces, potatoSystem } from '@t2t/examples';
import { buildSystemModel, modelHash, type BehaviourEvidence, type SystemModel } from '@t2t/model';
// The clustering steps production runs, shared with libs/model's and libs/testgen's specs.
import { clusterTraces } from '../../model/test/behaviour-evidence.fixture';

export const ORDERS = 'api-gateway|HTTP POST /orders';
export const POTATO_HANDLER = 'potato-handler|HTTP POST /potatoes';

export interface PotatoEvidence {
  systemModel: SystemModel;
  evidence: BehaviourEvidence[];
  modelHash: string;
  /** Fingerprint of POST /orders when the user likes potatoes (potato-handler is called). */
  likes: string;
  /** Fingerprint of POST /orders when the user does not. */
  plain: string;
}

let cached: PotatoEvidence | undefined;

/** potatoSystem's traces clustered with 20 samples per behaviour (clustering's default), modeled. */
export function potatoEvidence(): PotatoEvidence {
  if (cached !== undefined) return cached;
  const { evidence } = clusterTraces(generateTraces(potatoSystem, { seed: 101, traces: 400 }), {
    samplesPerBehaviour: 20,
  });
  const systemModel = buildSystemModel(evidence);
  const behaviours = systemModel.behaviours.filter((b) => b.endpoint === ORDERS);
  const calls = (fingerprint: string) =>
    behaviours
      .find((b) => b.fingerprint === fingerprint)!
      .edges.some((e) => e.includes(POTATO_HANDLER));
  const likes = behaviours.find((b) => calls(b.fingerprint))!.fingerprint;
  const plain = behaviours.find((b) => !calls(b.fingerprint))!.fingerprint;
  cached = { systemModel, evidence, modelHash: modelHash(systemModel), likes, plain };
  return cached;
}

/** The generator's input for POST /orders. */
export function ordersInput() {
  const { systemModel, evidence, modelHash } = potatoEvidence();
  return { systemModel, evidence, endpoint: ORDERS, modelHash };
}
