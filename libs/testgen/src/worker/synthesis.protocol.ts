import type { BehaviourEvidence, SystemModel } from '@t2t/model';
import type { TestSpec } from '../spec/test-spec.model';

/** Messages between SynthesisThread and its worker (structured clone: plain data and bigints). */
export interface SynthesisRequest {
  id: number;
  model: SystemModel;
  evidence: readonly BehaviourEvidence[];
}

export type SynthesisResponse =
  | { id: number; specs: TestSpec[]; error?: undefined }
  | { id: number; error: string; specs?: undefined };
