/** One error of a GraphQL answer, as the trace2test API formats them (`extensions.code` always set). */
export interface GraphqlErrorBody {
  message: string;
  path?: (string | number)[];
  extensions?: { code?: string; argument?: string } & Record<string, unknown>;
}

export interface GraphqlAnswer<T> {
  /** Null when the operation failed as a whole. */
  data: T | null;
  /** Field errors next to partial data, or the errors that failed the operation. */
  errors: GraphqlErrorBody[];
}

/**
 * A request to the server that did not succeed. `kind`: `unreachable` (no HTTP answer: refused,
 * reset, timed out), `http` (an answer that is not a GraphQL answer), `graphql` (errors instead of
 * data; `code` is the first error's `extensions.code`, e.g. BAD_USER_INPUT or UNAUTHENTICATED).
 */
export class ServerRequestError extends Error {
  override readonly name = 'ServerRequestError';

  constructor(
    message: string,
    readonly kind: 'unreachable' | 'http' | 'graphql',
    readonly status: number | undefined,
    readonly errors: readonly GraphqlErrorBody[] = [],
  ) {
    super(message);
  }

  get code(): string | undefined {
    return this.errors[0]?.extensions?.code;
  }
}

export interface GraphqlClientOptions {
  /** Sent as `Authorization: Bearer <key>`. */
  apiKey?: string;
  /** Per request, unless the call says otherwise. Default 60 s. */
  timeoutMs?: number;
  /** Sent with every request, e.g. the server's tenant header while its auth is off. */
  headers?: Record<string, string>;
}

/**
 * A minimal GraphQL-over-HTTP client for the trace2test API (POST, JSON), on Node's fetch: the runner
 * and the CLI need a handful of fixed operations, not a client library. Answers with GraphQL errors are
 * returned next to their data (`execute`) or thrown (`request`); anything else that is not a
 * GraphQL answer is a ServerRequestError naming the URL.
 */
export class GraphqlClient {
  private readonly timeoutMs: number;

  constructor(
    readonly url: string,
    private readonly options: GraphqlClientOptions = {},
  ) {
    this.timeoutMs = options.timeoutMs ?? 60_000;
  }

  /** Data and errors as answered (a field error leaves the rest of the data usable). */
  async execute<T>(
    query: string,
    variables: Record<string, unknown> = {},
    options: { timeoutMs?: number } = {},
  ): Promise<GraphqlAnswer<T>> {
    let res: Response;
    try {
      res = await fetch(this.url, {
        method: 'POST',
        headers: {
          ...this.options.headers,
          'content-type': 'application/json',
          accept: 'application/graphql-response+json, application/json',
          ...(this.options.apiKey === undefined
            ? {}
            : { authorization: `Bearer ${this.options.apiKey}` }),
        },
        body: JSON.stringify({ query, variables }),
        signal: AbortSignal.timeout(options.timeoutMs ?? this.timeoutMs),
      });
    } catch (e) {
      throw new ServerRequestError(
        `cannot reach the trace2test server at ${this.url}: ${describeFetchError(e)}`,
        'unreachable',
        undefined,
      );
    }
    const text = await res.text().catch(() => '');
    if (res.status === 413) {
      // The server's JSON body parser refuses it before GraphQL sees it (Express: 100 kB).
      throw new ServerRequestError(
        `the trace2test server at ${this.url} refused the request as too large (HTTP 413)`,
        'http',
        413,
      );
    }
    let body: { data?: T | null; errors?: GraphqlErrorBody[] } | undefined;
    try {
      body = JSON.parse(text) as typeof body;
    } catch {
      body = undefined;
    }
    if (body === undefined || typeof body !== 'object' || body === null) {
      throw new ServerRequestError(
        `${this.url} is not a trace2test GraphQL endpoint: it answered HTTP ${res.status}` +
          (res.status === 413 ? ' (request too large)' : '') +
          (text.trim() === '' ? '' : `: ${text.trim().slice(0, 200)}`),
        'http',
        res.status,
      );
    }
    const errors = Array.isArray(body.errors) ? body.errors : [];
    if (body.data === undefined || body.data === null) {
      if (errors.length === 0) {
        throw new ServerRequestError(
          `${this.url} answered HTTP ${res.status} without data or errors`,
          'http',
          res.status,
        );
      }
      throw new ServerRequestError(
        this.describe(errors, res.status),
        'graphql',
        res.status,
        errors,
      );
    }
    return { data: body.data, errors };
  }

  /** The data; any error (a field's included) is thrown. */
  async request<T>(
    query: string,
    variables: Record<string, unknown> = {},
    options: { timeoutMs?: number } = {},
  ): Promise<T> {
    const answer = await this.execute<T>(query, variables, options);
    if (answer.errors.length > 0) {
      throw new ServerRequestError(
        this.describe(answer.errors, 200),
        'graphql',
        200,
        answer.errors,
      );
    }
    return answer.data as T;
  }

  private describe(errors: readonly GraphqlErrorBody[], status: number): string {
    const text = errors.map((e) => e.message).join('; ');
    if (errors[0]?.extensions?.code === 'UNAUTHENTICATED') {
      return `the trace2test server at ${this.url} refused the request: ${text} (pass --api-key or set T2T_API_KEY)`;
    }
    return status >= 400
      ? `the trace2test server at ${this.url} refused the request: ${text}`
      : text;
  }
}

/** fetch wraps the reason (ECONNREFUSED, a timeout) in `cause`; that is the useful part. */
function describeFetchError(e: unknown): string {
  if (e instanceof Error && (e.name === 'TimeoutError' || e.name === 'AbortError')) {
    return 'no answer in time';
  }
  const cause =
    e instanceof Error ? (e.cause as { code?: string; message?: string } | undefined) : undefined;
  if (cause?.code !== undefined) return cause.code;
  if (cause?.message !== undefined) return cause.message;
  return e instanceof Error ? e.message : String(e);
}
