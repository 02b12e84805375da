import type { ApolloServerPlugin } from '@apollo/server';
import { Kind, type FragmentDefinitionNode, type SelectionSetNode } from 'graphql';
import { ForbiddenError } from '../errors/api.errors';
import type { ApiContext } from '../api.context';
import { type ApiRole, roleAllows } from './api-key';

/**
 * The least role that may call each mutation. Queries (and subscriptions, should there be any)
 * need `read`; a mutation missing here needs `admin`, so a new one is closed until it is listed.
 */
export const MUTATION_ROLES: Readonly<Record<string, ApiRole>> = {
  /** Starts a generation run (stores tests). */
  generateTests: 'generate',
  /** Verifies tests on stored traces, storing the executions as a run. */
  verifyTests: 'generate',
  /** Stores the executions of a `t2t test run`. */
  recordTestExecutions: 'generate',
};

/** The role an operation needs: the highest any of its root fields needs. */
export function requiredRole(
  operation: 'query' | 'mutation' | 'subscription',
  rootFields: readonly string[],
): ApiRole {
  if (operation !== 'mutation') return 'read';
  let needed: ApiRole = 'read';
  for (const field of rootFields) {
    if (field === '__typename') continue;
    const role = MUTATION_ROLES[field] ?? 'admin';
    if (!roleAllows(needed, role)) needed = role;
  }
  return needed;
}

/** Root field names of a selection set, through fragment spreads and inline fragments. */
export function rootFieldNames(
  selectionSet: SelectionSetNode,
  fragments: Readonly<Record<string, FragmentDefinitionNode>>,
  seen = new Set<string>(),
): string[] {
  const names: string[] = [];
  for (const selection of selectionSet.selections) {
    if (selection.kind === Kind.FIELD) names.push(selection.name.value);
    else if (selection.kind === Kind.INLINE_FRAGMENT) {
      names.push(...rootFieldNames(selection.selectionSet, fragments, seen));
    } else {
      const name = selection.name.value;
      const fragment = fragments[name];
      if (fragment === undefined || seen.has(name)) continue;
      seen.add(name);
      names.push(...rootFieldNames(fragment.selectionSet, fragments, seen));
    }
  }
  return names;
}

/**
 * Refuses an operation above the role of the request's key with FORBIDDEN (HTTP 403) naming the
 * role it needs, after validation and before any resolver runs.
 */
export function roleCheckPlugin(): ApolloServerPlugin<ApiContext> {
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ operation, document, contextValue }) {
          // Apollo resolves the operation before this hook; without one there is nothing to run.
          if (!operation) return;
          const fragments: Record<string, FragmentDefinitionNode> = {};
          for (const d of document.definitions) {
            if (d.kind === Kind.FRAGMENT_DEFINITION) fragments[d.name.value] = d;
          }
          const needed = requiredRole(
            operation.operation,
            rootFieldNames(operation.selectionSet, fragments),
          );
          const held = contextValue.principal.role;
          if (!roleAllows(held, needed)) {
            throw new ForbiddenError(
              `this ${operation.operation} needs an API key with role ${needed} (or above); this key's role is ${held}`,
              { neededRole: needed },
            );
          }
        },
      };
    },
  };
}
