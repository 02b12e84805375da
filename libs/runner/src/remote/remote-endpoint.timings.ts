import type { EndpointTimings } from '../wait/trace-source.port';
import type { GraphqlClient } from './graphql.client';

const TIMINGS = `query Timings($endpoints: [String!]!) {
  endpointTimings(endpoints: $endpoints) { endpoint p95Ms }
}`;

/**
 * The runner's endpoint timings over the GraphQL API: the server computes them as
 * StoredEndpointTimings does in direct mode (and caches them as long). Each endpoint is asked for
 * once per refresh period; a failed read is not kept, so the next run asks again.
 */
export class RemoteEndpointTimings implements EndpointTimings {
  private readonly cache = new Map<string, { at: number; p95: Promise<number | undefined> }>();

  constructor(
    private readonly client: GraphqlClient,
    private readonly refreshMs = 300_000,
    private readonly now: () => number = Date.now,
  ) {}

  p95Ms(endpoint: string): Promise<number | undefined> {
    const t = this.now();
    const cached = this.cache.get(endpoint);
    if (cached !== undefined && t - cached.at <= this.refreshMs) return cached.p95;
    const p95 = this.read(endpoint);
    p95.catch(() => {
      // Unless a newer read has taken its place meanwhile.
      if (this.cache.get(endpoint)?.p95 === p95) this.cache.delete(endpoint);
    });
    this.cache.set(endpoint, { at: t, p95 });
    return p95;
  }

  private async read(endpoint: string): Promise<number | undefined> {
    const data = await this.client.request<{
      endpointTimings: { endpoint: string; p95Ms: number | null }[];
    }>(TIMINGS, { endpoints: [endpoint] });
    return data.endpointTimings.find((t) => t.endpoint === endpoint)?.p95Ms ?? undefined;
  }
}
