import { UseFilters } from '@nestjs/common';
import { Args, Query, Resolver } from '@nestjs/graphql';
import { StoredEndpointTimings } from '@t2t/runner';
import { ModelRepository } from '@t2t/storage';
import { BadUserInputError } from '../errors/api.errors';
import { ResolverExceptionFilter } from '../errors/resolver-exception.filter';
import { EndpointTimingType } from '../types/endpoint-timing.type';

/** Endpoints one query may ask for. */
export const MAX_TIMED_ENDPOINTS = 100;

/**
 * Endpoint timings for `t2t test run` through the server: the figures libs/runner's
 * StoredEndpointTimings reads in direct mode (one query for every behaviour, cached for five
 * minutes), so the waits a run plans are the same in both modes.
 */
@UseFilters(ResolverExceptionFilter)
@Resolver()
export class EndpointTimingResolver {
  private readonly timings: StoredEndpointTimings;

  constructor(models: ModelRepository) {
    this.timings = new StoredEndpointTimings(models);
  }

  @Query(() => [EndpointTimingType], {
    description: `Per endpoint (at most ${MAX_TIMED_ENDPOINTS}), the 95th percentile of its trace durations, in the order asked.`,
  })
  async endpointTimings(
    @Args('endpoints', { type: () => [String] }) endpoints: string[],
  ): Promise<EndpointTimingType[]> {
    if (endpoints.length > MAX_TIMED_ENDPOINTS) {
      throw new BadUserInputError(
        `at most ${MAX_TIMED_ENDPOINTS} endpoints per query`,
        'endpoints',
      );
    }
    return Promise.all(
      endpoints.map(async (endpoint) => ({
        endpoint,
        p95Ms: (await this.timings.p95Ms(endpoint)) ?? null,
      })),
    );
  }
}
