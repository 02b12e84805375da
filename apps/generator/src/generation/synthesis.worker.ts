import type { BehaviourEvidence, SystemModel } from '@t2t/model';
import { serveTasks } from '@t2t/platform';
import { synthesizeVerifiedTests } from '@t2t/testgen';

/** The generator's worker thread (see SYNTHESIS_WORKER): synthesis and verification. */
serveTasks({
  synthesize: (input: { model: SystemModel; evidence: BehaviourEvidence[] }) =>
    synthesizeVerifiedTests(input.model, input.evidence),
});
