import type { GraphqlClient } from './graphql.client';
import { RemoteEndpointTimings } from './remote-endpoint.timings';

describe(RemoteEndpointTimings.name, () => {
  it('asks once per endpoint and refresh period, and asks again after a failure', async () => {
    let now = 0;
    let fail = false;
    const asked: string[][] = [];
    const client = {
      request: async (_q: string, v: { endpoints: string[] }) => {
        asked.push(v.endpoints);
        if (fail) throw new Error('server down');
        return {
          endpointTimings: v.endpoints.map((endpoint) => ({
            endpoint,
            p95Ms: endpoint === 'a' ? 120 : null,
          })),
        };
      },
    } as unknown as GraphqlClient;
    const timings = new RemoteEndpointTimings(client, 1000, () => now);
    expect(await timings.p95Ms('a')).toBe(120);
    expect(await timings.p95Ms('a')).toBe(120);
    expect(await timings.p95Ms('b')).toBeUndefined();
    expect(asked).toEqual([['a'], ['b']]);

    now = 2000;
    fail = true;
    await expect(timings.p95Ms('a')).rejects.toThrow('server down');
    fail = false;
    expect(await timings.p95Ms('a')).toBe(120);
    expect(asked).toEqual([['a'], ['b'], ['a'], ['a']]);
  });
});
