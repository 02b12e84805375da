import DataLoader from 'dataloader';
import type { GenerationRun, TestRepository } from '@t2t/storage';

/**
 * Generation runs by id for one request: the `generationRun` of every test on a page (usually a
 * handful of distinct runs) is one `runsByIds` query. An unknown id resolves to null.
 */
export function createGenerationRunLoader(
  tests: TestRepository,
): DataLoader<string, GenerationRun | null> {
  return new DataLoader<string, GenerationRun | null>(async (runIds) => {
    const runs = new Map((await tests.runsByIds(runIds)).map((r) => [r.runId, r]));
    return runIds.map((id) => runs.get(id) ?? null);
  });
}
