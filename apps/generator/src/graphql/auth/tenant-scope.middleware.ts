import type { NextFunction, Request, Response } from 'express';
import { currentTenant, inTenantScope, withTenant } from '@t2t/wire';
import { ApiError } from '../errors/api.errors';
import type { ApiKeyAuthenticator, ApiPrincipal } from './api-key.authenticator';

/** What the middleware decided for each request: its principal, or why it is refused. */
const decided = new WeakMap<Request, ApiPrincipal | ApiError>();

/**
 * Express middleware on the GraphQL path, ahead of Apollo: authenticates the request and runs
 * everything after it (Apollo's parsing, the context, every resolver, DataLoader batches, and any
 * work a mutation starts and leaves running) inside `withTenant(principal.tenant, ...)`.
 *
 * It has to be here rather than in Apollo's context function: Apollo awaits that function and
 * executes the operation after it returns, outside any scope the function could open. A refused
 * request goes on unscoped and is answered by the context (principalOf throws its error there,
 * before Apollo parses the operation), so refusals keep Apollo's response format.
 */
export function tenantScopeMiddleware(
  authenticator: ApiKeyAuthenticator,
): (req: Request, res: Response, next: NextFunction) => void {
  return (req, _res, next) => {
    let principal: ApiPrincipal;
    try {
      principal = authenticator.authenticate(req.headers);
    } catch (e) {
      if (!(e instanceof ApiError)) throw e;
      decided.set(req, e);
      next();
      return;
    }
    decided.set(req, principal);
    withTenant(principal.tenant, () => next());
  };
}

/**
 * The principal of a request the middleware let through; throws the refusal it recorded. Fails
 * closed when the request did not pass the middleware or runs outside its tenant's scope: serving
 * it would read the implicit tenant's rows for whoever sent it.
 */
export function principalOf(req: Request): ApiPrincipal {
  const outcome = decided.get(req);
  if (outcome instanceof ApiError) throw outcome;
  if (outcome === undefined) {
    throw new Error('GraphQL request did not pass the tenant scope middleware');
  }
  if (!inTenantScope() || currentTenant() !== outcome.tenant) {
    throw new Error(
      `GraphQL request for tenant ${outcome.tenant} runs in the scope of ${inTenantScope() ? currentTenant() : 'no tenant'}`,
    );
  }
  return outcome;
}
