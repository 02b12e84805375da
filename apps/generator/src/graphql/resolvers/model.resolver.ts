import { UseFilters } from '@nestjs/common';
import { Args, Context, Int, Query, Resolver } from '@nestjs/graphql';
import { diffModels } from '@t2t/model';
import type { ApiLoaders } from '../api.context';
import { ResolverExceptionFilter } from '../errors/resolver-exception.filter';
import { ModelReader } from '../model/model.reader';
import { ModelSnapshot } from '../model/model.snapshot';
import { PageArgs, connectionComplexity } from '../pagination/page.args';
import { ModelDiffType, toModelChangeType } from '../types/model-change.type';
import {
  ModelVersionConnection,
  ModelVersionType,
  toModelVersionType,
} from '../types/model-version.type';

/** Entry points into the model: one version, or the history of versions. */
@UseFilters(ResolverExceptionFilter)
@Resolver()
export class ModelResolver {
  constructor(private readonly reader: ModelReader) {}

  @Query(() => ModelVersionType, {
    nullable: true,
    description:
      'One version of the model; the latest when `version` is omitted. NOT_FOUND if there is none.',
  })
  async modelVersion(
    @Context('loaders') loaders: ApiLoaders,
    @Args('version', { type: () => Int, nullable: true }) version?: number | null,
  ): Promise<ModelVersionType> {
    const stored = await this.reader.version(version);
    // The document came with the version: its fields read it from the loader, not again.
    loaders.models.prime(stored.modelHash, new ModelSnapshot(stored.modelHash, stored.model));
    return toModelVersionType(stored);
  }

  @Query(() => ModelVersionConnection, {
    description: 'Model versions, newest first.',
    complexity: connectionComplexity,
  })
  async modelVersions(@Args() page: PageArgs): Promise<ModelVersionConnection> {
    const connection = await this.reader.versions(page);
    return {
      ...connection,
      edges: connection.edges.map((e) => ({ cursor: e.cursor, node: toModelVersionType(e.node) })),
    };
  }

  @Query(() => ModelDiffType, {
    description:
      'What changed from version `from` to version `to`, any two (older or newer, in either order), as modeling diffs consecutive versions. NOT_FOUND for a version that does not exist.',
  })
  async modelDiff(
    @Context('loaders') loaders: ApiLoaders,
    @Args('from', { type: () => Int }) from: number,
    @Args('to', { type: () => Int }) to: number,
  ): Promise<ModelDiffType> {
    const [before, after] = await Promise.all([this.reader.version(from), this.reader.version(to)]);
    const snapshots = [before, after].map((v) => {
      const snapshot = new ModelSnapshot(v.modelHash, v.model);
      // Fields of either version asked in the same request read the parsed document.
      loaders.models.prime(v.modelHash, snapshot);
      return snapshot;
    });
    const diff = { fromHash: before.modelHash, toHash: after.modelHash };
    return {
      ...diff,
      changes: diffModels(snapshots[0].model, snapshots[1].model).map((c) =>
        toModelChangeType(c, diff),
      ),
    };
  }
}
