/** How the page reaches the API: written into the page by the server (see web-ui.bundle.ts). */
export interface ApiSettings {
  path: string;
  auth: 'api-key' | 'off';
}

export function readApiSettings(doc: Document): ApiSettings {
  const meta = (name: string) =>
    doc.querySelector<HTMLMetaElement>(`meta[name="${name}"]`)?.content ?? '';
  return {
    path: meta('t2t-graphql-path') || '/graphql',
    auth: meta('t2t-auth') === 'off' ? 'off' : 'api-key',
  };
}

/** A failed request: `unauthenticated` when the key is missing or wrong (HTTP 401). */
export class ApiError extends Error {
  constructor(
    message: string,
    readonly unauthenticated = false,
  ) {
    super(message);
  }
}

interface GraphqlAnswer<T> {
  data?: T | null;
  errors?: { message: string; extensions?: { code?: string } }[];
}

export type RunQuery = <T>(query: string, variables?: Record<string, unknown>) => Promise<T>;

/** A function that runs one GraphQL operation with the key (when there is one). */
export function graphqlClient(settings: ApiSettings, key: string | undefined): RunQuery {
  return async <T>(query: string, variables: Record<string, unknown> = {}): Promise<T> => {
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if (key) headers.authorization = `Bearer ${key}`;
    let res: Response;
    try {
      res = await fetch(settings.path, {
        method: 'POST',
        headers,
        body: JSON.stringify({ query, variables }),
      });
    } catch (e) {
      throw new ApiError(`the server did not answer (${(e as Error).message})`);
    }
    let body: GraphqlAnswer<T>;
    try {
      body = (await res.json()) as GraphqlAnswer<T>;
    } catch {
      throw new ApiError(`the server answered HTTP ${res.status} without a GraphQL result`);
    }
    const errors = body.errors ?? [];
    if (res.status === 401 || errors.some((e) => e.extensions?.code === 'UNAUTHENTICATED')) {
      throw new ApiError(errors[0]?.message ?? 'API key required', true);
    }
    if (errors.length > 0 || !body.data) {
      throw new ApiError(errors.map((e) => e.message).join('; ') || `HTTP ${res.status}`);
    }
    return body.data;
  };
}

/** A Relay connection's nodes. */
export function nodesOf<T>(connection: { edges: { node: T }[] } | null | undefined): T[] {
  return connection ? connection.edges.map((e) => e.node) : [];
}

interface Page<T> {
  edges: { node: T }[];
  pageInfo: { hasNextPage: boolean; endCursor: string | null };
}

/**
 * Every item of a connection, a page at a time: `query` takes `$after` and `pick` finds the
 * connection in its answer. Stops at `limit` items (a UI shows at most that many).
 */
export async function allPages<D, T>(
  run: RunQuery,
  query: string,
  variables: Record<string, unknown>,
  pick: (data: D) => Page<T> | null | undefined,
  limit = 2000,
): Promise<T[]> {
  const items: T[] = [];
  let after: string | null = null;
  for (;;) {
    const page: Page<T> | null | undefined = pick(await run<D>(query, { ...variables, after }));
    if (!page) return items;
    items.push(...page.edges.map((e) => e.node));
    if (!page.pageInfo.hasNextPage || !page.pageInfo.endCursor || items.length >= limit)
      return items;
    after = page.pageInfo.endCursor;
  }
}
