import { GraphqlClient, ServerRequestError } from '@t2t/runner';

export type ProbeResult =
  | { answered: true; authenticated: true }
  | { answered: true; authenticated: false; reason: string }
  | { answered: false; reason: string };

/**
 * Whether a trace2test GraphQL API answers at `url`: the cheapest operation there is. A refused
 * key still means "it is there" (the caller then says the key is missing or wrong); anything that
 * is not a GraphQL answer of this API means it is not. `reason` says why, naming the URL.
 */
export async function probeServer(
  url: string,
  apiKey: string | undefined,
  timeoutMs = 10_000,
): Promise<ProbeResult> {
  const client = new GraphqlClient(url, { ...(apiKey === undefined ? {} : { apiKey }), timeoutMs });
  try {
    const data = await client.request<{ __typename?: string }>('{ __typename }');
    return data.__typename === 'Query'
      ? { answered: true, authenticated: true }
      : { answered: false, reason: `${url} answers, but not as the trace2test GraphQL API` };
  } catch (e) {
    if (!(e instanceof ServerRequestError)) throw e;
    if (e.code === 'UNAUTHENTICATED') {
      return { answered: true, authenticated: false, reason: e.message };
    }
    return { answered: false, reason: e.message };
  }
}
