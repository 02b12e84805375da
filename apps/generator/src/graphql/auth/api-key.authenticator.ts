import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { DEFAULT_TENANT, isTenant } from '@t2t/wire';
import { ApiError, ForbiddenError, UnauthenticatedError } from '../errors/api.errors';
import type { ApiKeyEntry, ApiRole } from './api-key';

const digest = (key: string) => createHash('sha256').update(key, 'utf8').digest();

/** Who a request acts as: the tenant every read and write of it is confined to, and its role. */
export interface ApiPrincipal {
  tenant: string;
  role: ApiRole;
  /** False when GRAPHQL_AUTH=off: no key, the tenant header chose the tenant. */
  keyed: boolean;
}

interface KnownKey {
  digest: Buffer;
  tenant: string;
  role: ApiRole;
}

/**
 * Checks the API key of a request, once, before Apollo parses or validates the operation: an
 * unauthenticated client learns nothing about the schema, not even from validation messages. The
 * key decides the request's tenant and role; the tenant header may repeat the key's tenant but
 * never change it.
 *
 * Keys are compared as SHA-256 digests with `timingSafeEqual`: equal lengths for every candidate,
 * and no early exit that would let response times reveal a key's prefix or which key matched.
 */
export class ApiKeyAuthenticator {
  private readonly keys: KnownKey[];

  /**
   * `keys` empty means authentication is off (the configuration only allows that explicitly);
   * `tenantHeader` is TENANT_HEADER (lower case, as Node presents header names).
   */
  constructor(
    keys: readonly ApiKeyEntry[],
    private readonly tenantHeader: string,
  ) {
    this.keys = keys.map((k) => ({ digest: digest(k.key), tenant: k.tenant, role: k.role }));
  }

  get enabled(): boolean {
    return this.keys.length > 0;
  }

  /**
   * The request's principal. With keys: UNAUTHENTICATED (HTTP 401) unless a presented key is a
   * configured one, FORBIDDEN (HTTP 403) when the tenant header names another tenant than the
   * key's. Without (GRAPHQL_AUTH=off): the tenant the header names (BAD_USER_INPUT, HTTP 400, for
   * a malformed one), `default` without it, with every role.
   */
  authenticate(headers: IncomingHttpHeaders): ApiPrincipal {
    const asked = requestedTenant(headers, this.tenantHeader);
    if (!this.enabled) {
      if (asked !== undefined && !isTenant(asked)) {
        throw new ApiError(
          'BAD_USER_INPUT',
          `header ${this.tenantHeader} must name a tenant: 1–63 characters of a-z, 0-9, '.', '_', '-', starting with a letter or digit`,
          { status: 400, details: { header: this.tenantHeader } },
        );
      }
      return { tenant: asked ?? DEFAULT_TENANT, role: 'admin', keyed: false };
    }
    const presented = presentedKeys(headers);
    if (presented.length === 0) {
      throw new UnauthenticatedError(
        'API key required: send "Authorization: Bearer <key>" or "x-api-key: <key>"',
      );
    }
    const matched = presented
      .map((key) => this.match(key))
      .filter((k): k is KnownKey => k !== undefined);
    if (matched.length === 0) throw new UnauthenticatedError('invalid API key');
    const [principal] = matched;
    if (matched.some((k) => k.tenant !== principal.tenant || k.role !== principal.role)) {
      throw new UnauthenticatedError(
        'the API keys sent have different tenants or roles: send one key',
      );
    }
    if (asked !== undefined && asked !== principal.tenant) {
      const shown = asked.length > 80 ? `${asked.slice(0, 80)}…` : asked;
      throw new ForbiddenError(
        `this API key is for tenant ${JSON.stringify(principal.tenant)}; header ${this.tenantHeader} names ${JSON.stringify(shown)}, and a key's tenant cannot be changed by a header`,
      );
    }
    return { tenant: principal.tenant, role: principal.role, keyed: true };
  }

  /** The configured key equal to `key`, checking every one of them whatever matched. */
  private match(key: string): KnownKey | undefined {
    const d = digest(key);
    let found: KnownKey | undefined;
    for (const known of this.keys) {
      const hit = timingSafeEqual(d, known.digest);
      found = hit ? known : found;
    }
    return found;
  }
}

/** The tenant the request's tenant header names (trimmed); undefined without one. */
function requestedTenant(headers: IncomingHttpHeaders, name: string): string | undefined {
  const raw = headers[name];
  // Node joins repeated custom headers with ", ", which no tenant name contains.
  const value = (Array.isArray(raw) ? raw.join(', ') : (raw ?? '')).trim();
  return value === '' ? undefined : value;
}

/** Keys from `Authorization: Bearer <key>` and `x-api-key`; either one may carry it. */
export function presentedKeys(headers: IncomingHttpHeaders): string[] {
  const keys: string[] = [];
  const bearer = /^Bearer\s+(\S+)\s*$/i.exec(headers.authorization ?? '');
  if (bearer) keys.push(bearer[1]);
  const header = headers['x-api-key'];
  for (const value of Array.isArray(header) ? header : header ? [header] : []) {
    if (value.trim()) keys.push(value.trim());
  }
  return keys;
}
