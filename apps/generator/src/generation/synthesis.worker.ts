import type { BehaviourEvidence, SystemModel } from '@t2t/model';
import { serveTasks } from '@t2t/platform';
import { type EvidenceOnThread, evidencePageTasks, takeEvidence } from '@t2t/storage';
import { synthesizeVerifiedTests } from '@t2t/testgen';
import { withTenant } from '@t2t/wire';

/**
 * The generator's worker thread (see SYNTHESIS_WORKER): synthesis and verification. The run's
 * tenant comes with each task (the caller's scope does not cross into the thread): synthesis
 * reads no storage, and anything it ever reads stays within the run's tenant.
 */
serveTasks({
  ...evidencePageTasks,
  synthesize: (input: {
    model: SystemModel;
    /** Parsed already, or sent ahead a page at a time (parsed here as each arrived). */
    evidence?: BehaviourEvidence[];
    pages?: EvidenceOnThread;
    tenant: string;
  }) =>
    withTenant(input.tenant, () =>
      synthesizeVerifiedTests(
        input.model,
        input.pages ? takeEvidence(input.pages) : (input.evidence ?? []),
      ),
    ),
});
