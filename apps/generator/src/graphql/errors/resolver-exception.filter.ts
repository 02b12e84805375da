import { type ArgumentsHost, Catch } from '@nestjs/common';
import type { GqlExceptionFilter } from '@nestjs/graphql';

/**
 * Hands every error a resolver throws back to GraphQL unchanged (a returned Error becomes the
 * field's error), so that the API's error formatter is the one place that classifies and logs
 * errors. Without it Nest logs each one with its stack, NOT_FOUND and bad input included, and
 * internal errors would be logged twice. Apply with `@UseFilters(ResolverExceptionFilter)` on
 * every resolver class of the API.
 */
@Catch()
export class ResolverExceptionFilter implements GqlExceptionFilter {
  catch(exception: unknown, _host: ArgumentsHost): Error {
    return exception instanceof Error ? exception : new Error(String(exception));
  }
}
