import type DataLoader from 'dataloader';
import type {
  GenerationRun,
  SpanRow,
  StoredModelDiff,
  StoredTest,
  TestExecution,
} from '@t2t/storage';
import type { Request } from 'express';
import type { ApiPrincipal } from './auth/api-key.authenticator';
import type { CurrentBehaviourStats } from './loaders/behaviour-stats.loader';
import type { EndpointTestsKey } from './loaders/endpoint-tests.loader';
import type { ModelSnapshot } from './model/model.snapshot';

/** Per-request DataLoaders: batching and caching live exactly as long as one request. */
export interface ApiLoaders {
  spans: DataLoader<string, SpanRow[]>;
  modelDiffs: DataLoader<number, StoredModelDiff[]>;
  models: DataLoader<string, ModelSnapshot>;
  /** Current tests by test id (null: unknown or retired). */
  tests: DataLoader<string, StoredTest | null>;
  testExecutions: DataLoader<string, TestExecution[]>;
  endpointTests: DataLoader<EndpointTestsKey, StoredTest[], string>;
  generationRuns: DataLoader<string, GenerationRun | null>;
  /** `endpoint\0fingerprint` → statistics counted up to now. */
  behaviourStats: DataLoader<string, CurrentBehaviourStats | null>;
}

/** The GraphQL context of one request (`@Context()` in resolvers). */
export interface ApiContext {
  req: Request;
  /** The tenant and role the request acts as; every read and write runs in its tenant's scope. */
  principal: ApiPrincipal;
  loaders: ApiLoaders;
}
