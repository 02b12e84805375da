import type DataLoader from 'dataloader';
import type { StoredModelDiff, SpanRow } from '@t2t/storage';
import type { Request } from 'express';
import type { ModelSnapshot } from './model/model.snapshot';

/** Per-request DataLoaders: batching and caching live exactly as long as one request. */
export interface ApiLoaders {
  spans: DataLoader<string, SpanRow[]>;
  modelDiffs: DataLoader<number, StoredModelDiff[]>;
  models: DataLoader<string, ModelSnapshot>;
}

/** The GraphQL context of one request (`@Context()` in resolvers). */
export interface ApiContext {
  req: Request;
  loaders: ApiLoaders;
}
