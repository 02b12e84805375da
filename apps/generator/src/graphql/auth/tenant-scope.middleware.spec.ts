import type { Request, Response } from 'express';
import { currentTenant, inTenantScope, withTenant } from '@t2t/wire';
import { ApiKeyAuthenticator } from './api-key.authenticator';
import { principalOf, tenantScopeMiddleware } from './tenant-scope.middleware';

const KEY = 'k-tenant-a-key-000000';
const request = (headers: Record<string, string>) => ({ headers }) as unknown as Request;

describe(tenantScopeMiddleware.name, () => {
  const middleware = tenantScopeMiddleware(
    new ApiKeyAuthenticator([{ key: KEY, tenant: 'a', role: 'read' }], 'x-t2t-tenant'),
  );

  it("runs what follows it in the key's tenant scope, through awaits, timers and later ticks", async () => {
    const req = request({ authorization: `Bearer ${KEY}` });
    const seen = await new Promise<string[]>((resolve) => {
      middleware(req, {} as Response, () => {
        const tenants = [currentTenant()];
        void (async () => {
          await Promise.resolve();
          tenants.push(currentTenant());
          await new Promise((r) => setTimeout(r, 1));
          tenants.push(currentTenant());
          setImmediate(() => {
            tenants.push(currentTenant());
            expect(principalOf(req)).toEqual({ tenant: 'a', role: 'read', keyed: true });
            resolve(tenants);
          });
        })();
      });
    });
    expect(seen).toEqual(['a', 'a', 'a', 'a']);
    expect(inTenantScope()).toBe(false);
  });

  it('passes a refused request on unscoped; principalOf then throws its refusal', () => {
    const req = request({ authorization: 'Bearer k-wrong-key-0000000000' });
    let scoped: boolean | undefined;
    middleware(req, {} as Response, () => (scoped = inTenantScope()));
    expect(scoped).toBe(false);
    expect(() => principalOf(req)).toThrow('invalid API key');
  });

  it('fails closed for a request that did not pass it, or runs in another scope', () => {
    expect(() => principalOf(request({}))).toThrow(/did not pass the tenant scope middleware/);
    const req = request({ authorization: `Bearer ${KEY}` });
    middleware(req, {} as Response, () => undefined);
    expect(() => principalOf(req)).toThrow(/runs in the scope of no tenant/);
    expect(() => withTenant('b', () => principalOf(req))).toThrow(/runs in the scope of b/);
  });
});
