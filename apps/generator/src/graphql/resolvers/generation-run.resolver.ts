import { UseFilters } from '@nestjs/common';
import { Args, Mutation, Query, Resolver } from '@nestjs/graphql';
import { ResolverExceptionFilter } from '../errors/resolver-exception.filter';
import { ownIdOf } from '../node/global-id.codec';
import { PageArgs, connectionComplexity } from '../pagination/page.args';
import { GenerationLauncher } from '../tests/generation.launcher';
import { GenerationRunReader } from '../tests/generation-run.reader';
import {
  GenerationRunConnection,
  GenerationRunType,
  toGenerationRunType,
} from '../types/generation-run.type';

/** Generation runs: the recorded ones, and the mutation that starts one. */
@UseFilters(ResolverExceptionFilter)
@Resolver(() => GenerationRunType)
export class GenerationRunResolver {
  constructor(
    private readonly reader: GenerationRunReader,
    private readonly launcher: GenerationLauncher,
  ) {}

  @Query(() => GenerationRunConnection, {
    description: 'Generation runs, newest first: scheduled, at start-up and requested ones.',
    complexity: connectionComplexity,
  })
  async generationRuns(@Args() page: PageArgs): Promise<GenerationRunConnection> {
    const connection = await this.reader.runs(page);
    return {
      ...connection,
      edges: connection.edges.map((e) => ({ cursor: e.cursor, node: toGenerationRunType(e.node) })),
    };
  }

  @Query(() => GenerationRunType, {
    nullable: true,
    description:
      'A generation run by its own id (`runId`) or its global id (`id`). NOT_FOUND for an unknown one.',
  })
  async generationRun(@Args('id') id: string): Promise<GenerationRunType> {
    return toGenerationRunType(await this.reader.run(ownIdOf(id, 'GenerationRun', 'id')));
  }

  @Mutation(() => GenerationRunType, {
    description: [
      'Generates, verifies and stores tests now, and answers the finished run (SUCCEEDED, SKIPPED or FAILED with its `error`).',
      'With `endpoint`: that entry endpoint of the latest model, changed or not (BAD_USER_INPUT for any other endpoint).',
      'Without: every endpoint whose part of the model changed since the last successful run.',
      'The request waits for the run, which queues behind a run in progress (scheduled runs included) and can take longer than a client’s timeout (verification reads recorded traces; the LLM, when configured, adds model calls). The run goes on if the client gives up; it is listed in `generationRuns` from its start, as RUNNING until it ends.',
    ].join(' '),
  })
  async generateTests(
    @Args('endpoint', {
      nullable: true,
      description: 'Endpoint key, e.g. `api-gateway|HTTP POST /orders`.',
    })
    endpoint?: string,
  ): Promise<GenerationRunType> {
    return toGenerationRunType(await this.launcher.generate(endpoint));
  }
}
