import { Injectable, type OnModuleInit } from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import type { SystemModel } from '@t2t/model';
import { type GenerationRun, ModelRepository } from '@t2t/storage';
import { TestGenerationService } from '../../generation/test-generation.service';
import { BadUserInputError } from '../errors/api.errors';

/**
 * Starts generation runs asked for through the API (the `generateTests` mutation) and waits for
 * them. The runs go through the application's one TestGenerationService, the one the schedule
 * uses, so a requested run queues behind a scheduled one instead of running beside it.
 */
@Injectable()
export class GenerationLauncher implements OnModuleInit {
  private generation!: TestGenerationService;

  constructor(
    private readonly moduleRef: ModuleRef,
    private readonly models: ModelRepository,
  ) {}

  /**
   * The service is GenerationModule's, a sibling of this module in the app. Importing that module
   * here would build a second service with its own run queue (runs would no longer be serialised),
   * so the app's instance is looked up instead; a missing one fails start-up, not the first call.
   */
  onModuleInit(): void {
    this.generation = this.moduleRef.get(TestGenerationService, { strict: false });
  }

  /**
   * `endpoint` given: that endpoint, whether or not its part of the model changed (BAD_USER_INPUT
   * unless it is an entry endpoint of the latest model). Omitted: every endpoint whose part of
   * the model changed since the last successful run.
   */
  async generate(endpoint?: string | null): Promise<GenerationRun> {
    if (endpoint !== undefined && endpoint !== null) await this.checkEndpoint(endpoint);
    return this.generation.generate({
      trigger: 'manual',
      endpoints: endpoint !== undefined && endpoint !== null ? [endpoint] : undefined,
    });
  }

  /**
   * Refused before a run is recorded: a run for an endpoint the model does not know would succeed
   * with no tests and retire nothing, which reads like "this endpoint needs no tests". Inner
   * endpoints (reached only from other services) are refused too: tests start where traces start.
   */
  private async checkEndpoint(endpoint: string): Promise<void> {
    const latest = await this.models.latestVersion();
    if (!latest) {
      throw new BadUserInputError(
        'no model version has been built yet, so there is no endpoint to generate tests for',
        'endpoint',
      );
    }
    const model = JSON.parse(latest.model) as SystemModel;
    const found = model.endpoints.find((e) => e.key === endpoint);
    if (!found) {
      throw new BadUserInputError(
        `endpoint ${JSON.stringify(endpoint)} is not in the latest model (version ${latest.version})`,
        'endpoint',
      );
    }
    if (!found.entry) {
      throw new BadUserInputError(
        `endpoint ${JSON.stringify(endpoint)} is not an entry endpoint: tests start at endpoints where traces start`,
        'endpoint',
      );
    }
  }
}
