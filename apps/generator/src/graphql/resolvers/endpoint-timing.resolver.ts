import { UseFilters } from '@nestjs/common';
import { Args, Query, Resolver } from '@nestjs/graphql';
import { StoredEndpointTimings } from '@t2t/runner';
import { ModelRepository } from '@t2t/storage';
import { currentTenant } from '@t2t/wire';
import { BadUserInputError } from '../errors/api.errors';
import { ResolverExceptionFilter } from '../errors/resolver-exception.filter';
import { EndpointTimingType } from '../types/endpoint-timing.type';

/** Endpoints one query may ask for. */
export const MAX_TIMED_ENDPOINTS = 100;

/** Tenants whose timings are kept at once; beyond it the cache starts over (see below). */
const MAX_CACHED_TENANTS = 1000;

/**
 * Endpoint timings for `t2t test run` through the server: the figures libs/runner's
 * StoredEndpointTimings reads in direct mode (one query for every behaviour, cached for five
 * minutes), so the waits a run plans are the same in both modes. One cache per tenant: the
 * figures are read in the request's tenant scope, and a shared cache would answer one tenant
 * with another's.
 */
@UseFilters(ResolverExceptionFilter)
@Resolver()
export class EndpointTimingResolver {
  private readonly timings = new Map<string, StoredEndpointTimings>();

  constructor(private readonly models: ModelRepository) {}

  private timingsOfTenant(): StoredEndpointTimings {
    const tenant = currentTenant();
    let timings = this.timings.get(tenant);
    if (timings === undefined) {
      // Keys bound the tenants; only GRAPHQL_AUTH=off lets a header name any number of them.
      if (this.timings.size >= MAX_CACHED_TENANTS) this.timings.clear();
      timings = new StoredEndpointTimings(this.models);
      this.timings.set(tenant, timings);
    }
    return timings;
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
    const timings = this.timingsOfTenant();
    return Promise.all(
      endpoints.map(async (endpoint) => ({
        endpoint,
        p95Ms: (await timings.p95Ms(endpoint)) ?? null,
      })),
    );
  }
}
