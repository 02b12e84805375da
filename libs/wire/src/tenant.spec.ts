import {
  currentTenant,
  DEFAULT_TENANT,
  inTenantScope,
  InvalidTenantError,
  parseTenant,
  withTenant,
} from './tenant';

describe('tenant', () => {
  it('accepts plain names and refuses anything that could need escaping, saying where it came from', () => {
    expect(parseTenant('team-a', 'x')).toBe('team-a');
    expect(parseTenant('0.ops_b', 'x')).toBe('0.ops_b');
    for (const bad of ['', 'Team', "a' OR 1=1", 'a b', '-a', 'a/b', 'x'.repeat(64), 'é']) {
      expect(() => parseTenant(bad, 'header x-tenant')).toThrow(InvalidTenantError);
    }
    expect(() => parseTenant("a'--", 'header x-tenant')).toThrow(/from header x-tenant/);
  });

  it('scopes work to a tenant through awaits, and falls back to the implicit default outside any scope', async () => {
    expect(currentTenant()).toBe(DEFAULT_TENANT);
    expect(inTenantScope()).toBe(false);
    const seen = await withTenant('team-a', async () => {
      await new Promise((r) => setTimeout(r, 1));
      const inner = await withTenant('team-b', async () => currentTenant());
      return [currentTenant(), inner, inTenantScope()];
    });
    expect(seen).toEqual(['team-a', 'team-b', true]);
    expect(currentTenant()).toBe(DEFAULT_TENANT);
    expect(() => withTenant('Bad Name', () => 1)).toThrow(InvalidTenantError);
  });
});
