import { randomUUID } from 'node:crypto';
import type { BehaviourEvidence } from '@t2t/model';
import type { TaskRunner } from '@t2t/platform';
import type { SpanRepository } from '../repositories/span.repository';
import { EvidenceAssembler, type EvidenceShape, readEvidencePages } from './evidence.reader';

/**
 * A plan's evidence sent ahead to a task thread (its pages parsed there as they arrived), for the
 * task that uses it: plain data naming what the thread holds.
 */
export interface EvidenceOnThread {
  session: string;
  shape: EvidenceShape;
}

/** On a task thread: the evidence being assembled, by session. */
const sessions = new Map<string, EvidenceAssembler>();

/**
 * Tasks a worker module adds to its table (`serveTasks({ ...evidencePageTasks, … })`) so that its
 * tasks can take evidence sent with `withEvidenceOnThread`.
 */
export const evidencePageTasks = {
  evidencePage: (input: { session: string; page: Uint8Array }): void => {
    let assembler = sessions.get(input.session);
    if (assembler === undefined) {
      assembler = new EvidenceAssembler();
      sessions.set(input.session, assembler);
    }
    assembler.add(input.page);
  },
  evidenceDrop: (input: { session: string }): void => {
    sessions.delete(input.session);
  },
};

/** On the task thread: the evidence a session's pages make; the thread lets go of them. */
export function takeEvidence(on: EvidenceOnThread): BehaviourEvidence[] {
  const assembler = sessions.get(on.session) ?? new EvidenceAssembler();
  sessions.delete(on.session);
  return assembler.evidence(on.shape);
}

/**
 * Reads a plan's evidence and sends it to the runner's thread a page at a time (the bytes are
 * transferred, not copied; the next page is read while the thread parses the last), then runs
 * `use` with what names it there. Neither side ever holds all of the text: the reader one page,
 * the thread one page besides the spans parsed so far. If anything fails before the task took
 * the evidence, the thread lets go of it.
 */
export async function withEvidenceOnThread<O>(
  runner: TaskRunner,
  plan: EvidenceShape,
  spans: SpanRepository,
  use: (on: EvidenceOnThread) => Promise<O>,
): Promise<O> {
  const on: EvidenceOnThread = {
    session: randomUUID(),
    shape: { stats: plan.stats, samples: plan.samples, representatives: plan.representatives },
  };
  try {
    let parsing: Promise<unknown> = Promise.resolve();
    await readEvidencePages(plan, spans, async (page) => {
      await parsing;
      parsing = runner.run('evidencePage', { session: on.session, page }, [page.buffer]);
      // Awaited before the next page (or after the last); until then a failure is not unhandled.
      parsing.catch(() => undefined);
    });
    await parsing;
    return await use(on);
  } catch (e) {
    await runner.run('evidenceDrop', { session: on.session }).catch(() => undefined);
    throw e;
  }
}
