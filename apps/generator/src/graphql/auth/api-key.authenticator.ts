import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { UnauthenticatedError } from '../errors/api.errors';

const digest = (key: string) => createHash('sha256').update(key, 'utf8').digest();

/**
 * Checks the API key of a request, once, before Apollo parses or validates the operation: an
 * unauthenticated client learns nothing about the schema, not even from validation messages.
 *
 * Keys are compared as SHA-256 digests with `timingSafeEqual`: equal lengths for every candidate,
 * and no early exit that would let response times reveal a key's prefix.
 */
export class ApiKeyAuthenticator {
  private readonly digests: Buffer[];

  /** `keys` empty means authentication is off (the configuration only allows that explicitly). */
  constructor(keys: readonly string[]) {
    this.digests = keys.map(digest);
  }

  get enabled(): boolean {
    return this.digests.length > 0;
  }

  /** Throws UNAUTHENTICATED (HTTP 401) unless a presented key is one of the configured keys. */
  authenticate(headers: IncomingHttpHeaders): void {
    if (!this.enabled) return;
    const presented = presentedKeys(headers);
    if (presented.length === 0) {
      throw new UnauthenticatedError(
        'API key required: send "Authorization: Bearer <key>" or "x-api-key: <key>"',
      );
    }
    const ok = presented.some((key) => {
      const d = digest(key);
      // Check every configured key (no short-circuit) so timing does not depend on which matched.
      return this.digests.reduce((hit, known) => timingSafeEqual(d, known) || hit, false);
    });
    if (!ok) throw new UnauthenticatedError('invalid API key');
  }
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
