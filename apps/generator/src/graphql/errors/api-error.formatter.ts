import type { Logger } from '@nestjs/common';
import { unwrapResolverError } from '@apollo/server/errors';
import type { GraphQLFormattedError } from 'graphql';
import { ApiError, type ApiErrorCode, isApiErrorCode } from './api.errors';

/**
 * Apollo's codes for requests the client got wrong (unparsable, invalid against the schema, bad
 * variables, no operation to run). Their messages describe the client's document, never server
 * state, so they are passed on under BAD_USER_INPUT with the original code as `reason`.
 */
const CLIENT_MISTAKES = new Set([
  'GRAPHQL_PARSE_FAILED',
  'GRAPHQL_VALIDATION_FAILED',
  'BAD_USER_INPUT',
  'BAD_REQUEST',
  'OPERATION_RESOLUTION_FAILURE',
  'PERSISTED_QUERY_NOT_FOUND',
  'PERSISTED_QUERY_NOT_SUPPORTED',
]);

/**
 * Apollo `formatError`: gives every error one of the API's codes and nothing else a client should
 * not see. Anything not raised on purpose (an ApiError or a client mistake Apollo detected) is an
 * internal error: logged here with its stack, returned as a bare INTERNAL message.
 */
export function createApiErrorFormatter(
  log: Logger,
  onError: (code: ApiErrorCode) => void = () => undefined,
): (formatted: GraphQLFormattedError, error: unknown) => GraphQLFormattedError {
  return (formatted, error) => {
    const original = unwrapResolverError(error);
    const base = { locations: formatted.locations, path: formatted.path };
    const apolloCode = formatted.extensions?.code;
    if (original instanceof ApiError && isApiErrorCode(original.extensions.code)) {
      const code = original.extensions.code;
      onError(code);
      // The extensions the error was built with (code, limits, argument); never a stacktrace.
      const { stacktrace: _s, http: _h, ...extensions } = original.extensions;
      return { message: original.message, ...base, extensions: { ...extensions, code } };
    }
    if (typeof apolloCode === 'string' && CLIENT_MISTAKES.has(apolloCode)) {
      onError('BAD_USER_INPUT');
      return {
        message: formatted.message,
        ...base,
        extensions: { code: 'BAD_USER_INPUT', reason: apolloCode },
      };
    }
    onError('INTERNAL');
    const cause = original instanceof Error ? original : error;
    log.error(
      `GraphQL request failed${formatted.path ? ` at ${formatted.path.join('.')}` : ''}: ${
        cause instanceof Error ? (cause.stack ?? cause.message) : String(cause)
      }`,
    );
    return { message: 'Internal server error', ...base, extensions: { code: 'INTERNAL' } };
  };
}
