import DataLoader from 'dataloader';
import type { ModelRepository } from '@t2t/storage';
import { ModelSnapshot } from '../model/model.snapshot';

/**
 * No document is stored under the hash. From a listed version that is a storage problem (an
 * internal error); from a global id a client sent, it means there is no such object (null).
 */
export class ModelDocumentMissingError extends Error {
  constructor(readonly modelHash: string) {
    super(`model document ${modelHash} is missing`);
    this.name = 'ModelDocumentMissingError';
  }
}

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
      return document === undefined
        ? new ModelDocumentMissingError(hash)
        : new ModelSnapshot(hash, document);
    });
  });
}
