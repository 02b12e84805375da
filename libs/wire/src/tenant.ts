import { AsyncLocalStorage } from 'node:async_hooks';

/**
 * Tenants: every stored row belongs to one, and every read is confined to one.
 *
 * The one-process default (and any installation that never names one) runs as the implicit
 * tenant `default`; nothing has to be set up for it. Tenant names are plain identifiers so they
 * can travel in Kafka headers, HTTP headers and SQL parameters without any escaping question.
 */
export const DEFAULT_TENANT = 'default';

/** Kafka header carrying the tenant of a record between this product's own stages. */
export const TENANT_RECORD_HEADER = 't2t-tenant';

const TENANT_PATTERN = /^[a-z0-9][a-z0-9._-]{0,62}$/;

export class InvalidTenantError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InvalidTenantError';
  }
}

/** Whether `value` is a well-formed tenant name. */
export function isTenant(value: string): boolean {
  return TENANT_PATTERN.test(value);
}

/**
 * `value` as a tenant name, or an `InvalidTenantError` saying where it came from and what is
 * allowed (1–63 characters: lower-case letters, digits, `.`, `_`, `-`; starting with a letter or
 * digit).
 */
export function parseTenant(value: string, from: string): string {
  if (isTenant(value)) return value;
  const shown = value.length > 80 ? `${value.slice(0, 80)}…` : value;
  throw new InvalidTenantError(
    `invalid tenant ${JSON.stringify(shown)} from ${from}: 1–63 characters of a-z, 0-9, '.', '_', '-', starting with a letter or digit`,
  );
}

const scope = new AsyncLocalStorage<string>();

/**
 * Runs `fn` with `tenant` as the current tenant: every repository read and write made inside it
 * (and in everything it awaits) is confined to that tenant.
 */
export function withTenant<T>(tenant: string, fn: () => T): T {
  return scope.run(parseTenant(tenant, 'the caller'), fn);
}

/** The tenant of the work in progress: the innermost `withTenant`, else the implicit `default`. */
export function currentTenant(): string {
  return scope.getStore() ?? DEFAULT_TENANT;
}

/** Whether some `withTenant` encloses the caller (an explicit choice, not the implicit default). */
export function inTenantScope(): boolean {
  return scope.getStore() !== undefined;
}
