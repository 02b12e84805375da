import { type BehaviourEvidence, buildSystemModel } from '@t2t/model';
import { serveTasks } from '@t2t/platform';
import { withTenant } from '@t2t/wire';

/**
 * Modeling's worker thread (MODELING_BUILD_THREAD): the pure model build. The tenant comes with
 * each task (the caller's scope does not cross into the thread): the build reads no storage, and
 * anything it ever reads stays within the tenant it builds for.
 */
serveTasks({
  build: (input: { evidence: BehaviourEvidence[]; tenant: string }) =>
    withTenant(input.tenant, () => buildSystemModel(input.evidence)),
});
