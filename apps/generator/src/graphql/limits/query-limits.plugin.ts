import type { ApolloServerPlugin, BaseContext } from '@apollo/server';
import { type DocumentNode, getNamedType, type GraphQLSchema, isLeafType } from 'graphql';
import {
  type ComplexityEstimator,
  fieldExtensionsEstimator,
  getComplexity,
} from 'graphql-query-complexity';
import { QueryTooComplexError } from '../errors/api.errors';
import { operationDepth } from './operation-depth';

/** Objects cost 1 plus what is selected in them; scalar and enum fields are free. */
const objectEstimator: ComplexityEstimator = ({ field, childComplexity }) =>
  isLeafType(getNamedType(field.type)) ? 0 : 1 + childComplexity;

/** The cost of an operation as the limit counts it (see queryLimitsPlugin). */
export function operationComplexity(
  schema: GraphQLSchema,
  document: DocumentNode,
  variables: Record<string, unknown> = {},
  operationName?: string,
): number {
  return getComplexity({
    schema,
    query: document,
    operationName,
    variables,
    estimators: [fieldExtensionsEstimator(), objectEstimator],
  });
}

export interface QueryLimits {
  maxDepth: number;
  maxComplexity: number;
}

/**
 * Refuses operations that are too deep or too costly after Apollo has parsed and validated them
 * and before any resolver runs, with QUERY_TOO_COMPLEX and HTTP 400.
 *
 * Cost, as Shopify's API counts it: each object 1, scalars and enums 0, and fields that declare
 * their own (`complexity` on the field): Relay connections multiply their selection by the page
 * size, span lists by an estimate of spans per trace. It approximates the objects a response can
 * hold, i.e. what one request can make the service read from ClickHouse and keep in memory,
 * whatever data it happens to find.
 */
export function queryLimitsPlugin(
  limits: QueryLimits,
  onRefused: (measure: 'depth' | 'complexity') => void = () => undefined,
): ApolloServerPlugin<BaseContext> {
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ request, document, schema, operationName }) {
          const depth = operationDepth(document, operationName);
          if (depth > limits.maxDepth) {
            onRefused('depth');
            throw new QueryTooComplexError(
              `query is ${depth} levels deep; the limit is ${limits.maxDepth}`,
              { measure: 'depth', limit: limits.maxDepth, actual: depth },
            );
          }
          const complexity = operationComplexity(
            schema,
            document,
            request.variables ?? {},
            operationName ?? undefined,
          );
          if (complexity > limits.maxComplexity) {
            onRefused('complexity');
            throw new QueryTooComplexError(
              `query complexity ${complexity} exceeds the limit ${limits.maxComplexity}; ask for smaller pages (first) or fewer nested fields`,
              { measure: 'complexity', limit: limits.maxComplexity, actual: complexity },
            );
          }
        },
      };
    },
  };
}
