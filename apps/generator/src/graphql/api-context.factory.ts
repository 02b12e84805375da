import { Injectable } from '@nestjs/common';
import { ModelRepository, SpanRepository, TestRepository } from '@t2t/storage';
import type { Request } from 'express';
import type { ApiContext } from './api.context';
import { principalOf } from './auth/tenant-scope.middleware';
import { createBehaviourStatsLoader } from './loaders/behaviour-stats.loader';
import { createEndpointTestsLoader } from './loaders/endpoint-tests.loader';
import { createGenerationRunLoader } from './loaders/generation-run.loader';
import { createModelDiffLoader } from './loaders/model-diff.loader';
import { createModelLoader } from './loaders/model.loader';
import { createSpanLoader } from './loaders/span.loader';
import { createTestExecutionLoader } from './loaders/test-execution.loader';
import { createTestLoader } from './loaders/test.loader';

/**
 * Builds the context of each GraphQL request: takes the principal the tenant scope middleware
 * authenticated (before Apollo parses the operation; a refusal ends the request with HTTP 401,
 * 403 or 400) and gives the request fresh DataLoaders, so no cached rows outlive the request or
 * leak between clients, let alone tenants.
 */
@Injectable()
export class ApiContextFactory {
  constructor(
    private readonly spans: SpanRepository,
    private readonly models: ModelRepository,
    private readonly tests: TestRepository,
  ) {}

  create(req: Request): ApiContext {
    const principal = principalOf(req);
    return {
      req,
      principal,
      loaders: {
        spans: createSpanLoader(this.spans),
        modelDiffs: createModelDiffLoader(this.models),
        models: createModelLoader(this.models),
        tests: createTestLoader(this.tests),
        testExecutions: createTestExecutionLoader(this.tests),
        endpointTests: createEndpointTestsLoader(this.tests),
        generationRuns: createGenerationRunLoader(this.tests),
        behaviourStats: createBehaviourStatsLoader(this.models),
      },
    };
  }
}
