import { UseFilters } from '@nestjs/common';
import { Args, Query, Resolver } from '@nestjs/graphql';
import { ClusterRepository } from '@t2t/storage';
import { BadUserInputError } from '../errors/api.errors';
import { ResolverExceptionFilter } from '../errors/resolver-exception.filter';
import { decodeCursor, encodeCursor } from '../pagination/cursor';
import { PageArgs, connectionComplexity, pageSize } from '../pagination/page.args';
import { ClusterStatsConnection, toClusterStatsType } from '../types/cluster.type';

const CLUSTERS = 'clusters';
/** Between endpoint and fingerprint in a cursor key; neither contains it. */
const SEP = '\u0000';

@UseFilters(ResolverExceptionFilter)
@Resolver()
export class ClusterResolver {
  constructor(private readonly repository: ClusterRepository) {}

  @Query(() => ClusterStatsConnection, {
    description:
      'Clustering’s live totals per behaviour, in (endpoint, fingerprint) order. Read from the cluster tables, so newer than the latest model version.',
    complexity: connectionComplexity,
  })
  async clusters(
    @Args() page: PageArgs,
    @Args('endpoint', { nullable: true }) endpoint?: string,
  ): Promise<ClusterStatsConnection> {
    const first = pageSize(page);
    let after: { endpoint: string; fingerprint: string } | undefined;
    if (page.after) {
      const parts = String(decodeCursor(CLUSTERS, page.after)).split(SEP);
      if (parts.length !== 2) throw new BadUserInputError('malformed cursor', 'after');
      after = { endpoint: parts[0], fingerprint: parts[1] };
    }
    const rows = await this.repository.statsPage({
      limit: first + 1,
      after,
      endpoint: endpoint ?? undefined,
    });
    const edges = rows.slice(0, first).map((row) => ({
      cursor: encodeCursor(CLUSTERS, `${row.endpoint}${SEP}${row.fingerprint}`),
      node: toClusterStatsType(row),
    }));
    return {
      edges,
      pageInfo: {
        hasNextPage: rows.length > first,
        hasPreviousPage: after !== undefined,
        startCursor: edges[0]?.cursor ?? null,
        endCursor: edges[edges.length - 1]?.cursor ?? null,
      },
      totalCount: null,
    };
  }
}
