import { type BehaviourEvidence, buildSystemModel } from '@t2t/model';
import { serveTasks } from '@t2t/platform';
import { type EvidenceOnThread, evidencePageTasks, takeEvidence } from '@t2t/storage';
import { withTenant } from '@t2t/wire';

/**
 * Modeling's worker thread (MODELING_BUILD_THREAD): the pure model build, from evidence sent
 * ahead a page at a time (`pages`: parsed here as each arrived, off the event loop that read it)
 * or already parsed (`evidence`). The tenant comes with each task (the caller's scope does not
 * cross into the thread): the build reads no storage, and anything it ever reads stays within
 * the tenant it builds for.
 */
serveTasks({
  ...evidencePageTasks,
  build: (input: { pages?: EvidenceOnThread; evidence?: BehaviourEvidence[]; tenant: string }) =>
    withTenant(input.tenant, () =>
      buildSystemModel(input.pages ? takeEvidence(input.pages) : (input.evidence ?? [])),
    ),
});
