import { type BehaviourEvidence, buildSystemModel } from '@t2t/model';
import { serveTasks } from '@t2t/platform';

/** Modeling's worker thread (MODELING_BUILD_THREAD): the pure model build. */
serveTasks({
  build: (evidence: BehaviourEvidence[]) => buildSystemModel(evidence),
});
