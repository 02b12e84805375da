import { GraphQLError } from 'graphql';

/**
 * The closed set of `extensions.code` values clients see. Every error the API returns carries
 * exactly one of them, so a client can branch on the code without parsing messages.
 */
export const API_ERROR_CODES = [
  'UNAUTHENTICATED',
  'FORBIDDEN',
  'NOT_FOUND',
  'BAD_USER_INPUT',
  'QUERY_TOO_COMPLEX',
  'INTERNAL',
] as const;

export type ApiErrorCode = (typeof API_ERROR_CODES)[number];

export function isApiErrorCode(code: unknown): code is ApiErrorCode {
  return (API_ERROR_CODES as readonly unknown[]).includes(code);
}

/**
 * An error meant for the client: its message is safe to show. `status` becomes the HTTP status
 * when the error ends the request before execution (Apollo reads `extensions.http`).
 */
export class ApiError extends GraphQLError {
  constructor(
    code: ApiErrorCode,
    message: string,
    options: { status?: number; headers?: Record<string, string>; details?: object } = {},
  ) {
    const http =
      options.status === undefined
        ? undefined
        : { status: options.status, headers: new Map(Object.entries(options.headers ?? {})) };
    super(message, { extensions: { code, ...options.details, ...(http ? { http } : {}) } });
    this.name = 'ApiError';
  }
}

export class NotFoundError extends ApiError {
  constructor(message: string) {
    super('NOT_FOUND', message);
  }
}

export class BadUserInputError extends ApiError {
  constructor(message: string, argument?: string) {
    super('BAD_USER_INPUT', message, argument ? { details: { argument } } : {});
  }
}

export class UnauthenticatedError extends ApiError {
  constructor(message: string) {
    super('UNAUTHENTICATED', message, {
      status: 401,
      headers: { 'www-authenticate': 'Bearer realm="trace2test"' },
    });
  }
}

/**
 * An authenticated request asking for what its key may not do: another tenant's data, or an
 * operation above the key's role. HTTP 403 when it ends the request before execution.
 */
export class ForbiddenError extends ApiError {
  constructor(message: string, details?: object) {
    super('FORBIDDEN', message, { status: 403, ...(details ? { details } : {}) });
  }
}

export class QueryTooComplexError extends ApiError {
  constructor(message: string, details: { limit: number; actual: number; measure: string }) {
    super('QUERY_TOO_COMPLEX', message, { status: 400, details });
  }
}
