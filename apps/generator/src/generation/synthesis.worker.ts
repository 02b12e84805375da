import type { BehaviourEvidence, SystemModel } from '@t2t/model';
import { serveTasks } from '@t2t/platform';
import { evidenceOf, type EvidenceText } from '@t2t/storage';
import { synthesizeVerifiedTests } from '@t2t/testgen';
import { withTenant } from '@t2t/wire';

/**
 * The generator's worker thread (see SYNTHESIS_WORKER): synthesis and verification. The run's
 * tenant comes with each task (the caller's scope does not cross into the thread): synthesis
 * reads no storage, and anything it ever reads stays within the run's tenant.
 */
serveTasks({
  synthesize: (input: {
    model: SystemModel;
    /** Parsed, or as read (parsed here, off the event loop that read it). */
    evidence: BehaviourEvidence[] | EvidenceText;
    tenant: string;
  }) =>
    withTenant(input.tenant, () =>
      synthesizeVerifiedTests(
        input.model,
        Array.isArray(input.evidence) ? input.evidence : evidenceOf(input.evidence),
      ),
    ),
});
