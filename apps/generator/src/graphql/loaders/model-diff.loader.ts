import DataLoader from 'dataloader';
import type { ModelRepository, StoredModelDiff } from '@t2t/storage';

/**
 * Diffs by target version for one request: the `diff` of every version on a page of
 * `modelVersions` is one `diffsFor` query, not one per version.
 */
export function createModelDiffLoader(
  models: ModelRepository,
): DataLoader<number, StoredModelDiff[]> {
  return new DataLoader<number, StoredModelDiff[]>(async (versions) => {
    const diffs = await models.diffsFor(versions);
    return versions.map((v) => diffs.filter((d) => d.version === v));
  });
}
