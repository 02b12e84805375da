import { Injectable } from '@nestjs/common';
import { ModelRepository, type ModelVersionSummary, type StoredModelVersion } from '@t2t/storage';
import { BadUserInputError, NotFoundError } from '../errors/api.errors';
import type { Connection } from '../pagination/connection.type';
import { decodeCursor, encodeCursor } from '../pagination/cursor';
import { type PageArgs, pageSize } from '../pagination/page.args';

const VERSIONS = 'modelVersions';

/** Model versions as the API reads them: one version, or newest-first pages of them. */
@Injectable()
export class ModelReader {
  constructor(private readonly models: ModelRepository) {}

  /** The given version, or the latest when none is given, with its document. */
  async version(version?: number | null): Promise<StoredModelVersion> {
    if (version === undefined || version === null) {
      const latest = await this.models.latestVersion();
      if (!latest) throw new NotFoundError('no model version has been built yet');
      return latest;
    }
    if (!Number.isSafeInteger(version) || version < 0) {
      throw new BadUserInputError('version must be a non-negative integer', 'version');
    }
    const found = await this.find(version);
    if (!found) throw new NotFoundError(`model version ${version} not found`);
    return found;
  }

  /** The version with this number (a non-negative safe integer), with its document, if stored. */
  async find(version: number): Promise<StoredModelVersion | undefined> {
    // The newest version below version+1 is the version itself, if it exists.
    const [found] = await this.models.versions(1, version + 1);
    return found?.version === version ? found : undefined;
  }

  /**
   * Newest first, keyset-paged on the version number: versions written while a client pages
   * (always newer ones) never shift the pages it has not read yet. Without documents: fields
   * that need them load them per page (see model.loader.ts).
   */
  async versions(args: PageArgs): Promise<Connection<ModelVersionSummary>> {
    const first = pageSize(args);
    let before: number | undefined;
    if (args.after) {
      const key = decodeCursor(VERSIONS, args.after);
      if (typeof key !== 'number') throw new BadUserInputError('malformed cursor', 'after');
      before = key;
    }
    // One more than asked tells whether there is a next page.
    const rows = await this.models.versionSummaries(first + 1, before);
    const edges = rows
      .slice(0, first)
      .map((node) => ({ cursor: encodeCursor(VERSIONS, node.version), node }));
    return {
      edges,
      pageInfo: {
        hasNextPage: rows.length > first,
        hasPreviousPage: before !== undefined,
        startCursor: edges[0]?.cursor ?? null,
        endCursor: edges[edges.length - 1]?.cursor ?? null,
      },
      totalCount: null,
    };
  }
}
