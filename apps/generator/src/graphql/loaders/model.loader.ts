import DataLoader from 'dataloader';
import type { ModelRepository } from '@t2t/storage';
import { ModelSnapshot } from '../model/model.snapshot';

/**
 * Parsed model documents by model hash for one request. Listings read versions without their
 * documents; the documents of a page are read here, in one `modelsByHash` query, only when a
 * field that needs them (endpoints, edges, ...) is selected, and parsed once per request.
 */
export function createModelLoader(models: ModelRepository): DataLoader<string, ModelSnapshot> {
  return new DataLoader<string, ModelSnapshot>(async (hashes) => {
    const documents = await models.modelsByHash(hashes);
    return hashes.map((hash) => {
      const document = documents.get(hash);
      // A listed version whose document is gone is a storage problem, not the client's.
      return document === undefined
        ? new Error(`model document ${hash} is missing`)
        : new ModelSnapshot(hash, document);
    });
  });
}
