import { DEFAULT_TENANT, parseTenant } from '@t2t/wire';

/**
 * Checks the tenants a batch of rows names (the distinct ones, so a batch of any size costs a few
 * checks): a row carrying a malformed tenant is a bug of its writer, refused before it is stored
 * under a name no reader can ask for.
 */
export function assertTenants(tenants: Iterable<string>, from: string): void {
  for (const t of tenants) parseTenant(t, from);
}

/**
 * An insert's deduplication token with the tenants of its rows, so that one source batch written
 * as one insert per tenant is not taken for a replay of itself. A batch of the default tenant
 * alone keeps the token as given: a replay across the upgrade to tenants is still recognised.
 */
export function tenantDedupToken(token: string, tenants: Iterable<string>): string {
  const list = [...new Set(tenants)].sort();
  if (list.length === 1 && list[0] === DEFAULT_TENANT) return token;
  return `${token}|tenants=${list.join(',')}`;
}
