import { createHash } from 'node:crypto';

/**
 * Names and ids of generated specs. Ids must be stable across regenerations of the same thing
 * (the generator replaces a spec by id, the runner's history is keyed by it) and readable in a
 * file listing: a slug of what it covers plus 8 hex characters of a hash of its identity.
 */

/** `api-gateway|HTTP POST /orders` → `POST /orders`; RPC and consumers keep their kind. */
export function endpointDisplay(key: string): string {
  const rest = key.slice(key.indexOf('|') + 1);
  if (rest.startsWith('HTTP ')) return rest.slice(5);
  if (rest.startsWith('RPC ')) return `gRPC ${rest.slice(rest.indexOf(' ', 4) + 1)}`;
  if (rest.startsWith('CONSUME ')) return `consume ${rest.slice(8)}`;
  if (rest.startsWith('GRAPHQL ')) return `GraphQL ${rest.slice(8)}`;
  return rest;
}

export function endpointService(key: string): string {
  const bar = key.indexOf('|');
  return bar < 0 ? '' : key.slice(0, bar);
}

/** `bhv-api-gateway-post-orders-3fa9c1d2`. */
export function specId(prefix: 'bhv' | 'rule' | 'jrn', readable: string, identity: string): string {
  const hash = createHash('sha256').update(identity).digest('hex').slice(0, 8);
  return `${prefix}-${slug(readable)}-${hash}`;
}

export function slug(text: string, max = 60): string {
  const s = text
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '');
  return s.length > max ? s.slice(0, max).replace(/-+$/, '') : s;
}

/** `calls potato-handler POST /potatoes` → `does not call potato-handler POST /potatoes`. */
export function negateEffect(effect: string): string {
  const [verb, ...rest] = effect.split(' ');
  const base = /(sh|ch|ss|x)es$/.test(verb) ? verb.slice(0, -2) : verb.replace(/s$/, '');
  return `does not ${base} ${rest.join(' ')}`;
}
