import { type BehaviourEvidence, buildSystemModel } from '@t2t/model';
import { serveTasks } from '@t2t/platform';
import { evidenceOf, type EvidenceText } from '@t2t/storage';
import { withTenant } from '@t2t/wire';

/**
 * Modeling's worker thread (MODELING_BUILD_THREAD): the pure model build, from the evidence as
 * read (`text`: its spans parsed here, off the event loop that read them) or already parsed
 * (`evidence`). The tenant comes with each task (the caller's scope does not cross into the
 * thread): the build reads no storage, and anything it ever reads stays within the tenant it
 * builds for.
 */
serveTasks({
  build: (input: { text?: EvidenceText; evidence?: BehaviourEvidence[]; tenant: string }) =>
    withTenant(input.tenant, () =>
      buildSystemModel(input.text ? evidenceOf(input.text) : (input.evidence ?? [])),
    ),
});
