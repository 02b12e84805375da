import { entryEndpointDetail } from './entry-endpoint.resolver';
import type { SpanFacts } from '../trace.model';

/**
 * How a service's server spans name the endpoint of the traces that enter through them:
 *
 * - `auto` (the default): by their route; a catch-all route (`/*`, `/**`) or no route at all means
 *   a gateway or proxy received the request, so the trace's endpoint is the first server span
 *   further in with a concrete route, else this span's normalised request path;
 * - `downstream`: always the first server span further in (a gateway whose routes look specific
 *   but only forward), else the request path;
 * - `path`: this span's normalised request path (a proxy in front of uninstrumented services);
 * - `entry`: this span's own key, whatever its route.
 */
export type EndpointRule = 'auto' | 'downstream' | 'path' | 'entry';

export const ENDPOINT_RULES: readonly EndpointRule[] = ['auto', 'downstream', 'path', 'entry'];

/** Rules by service name; services not listed are `auto`. */
export type EndpointRules = ReadonlyMap<string, EndpointRule>;

export const NO_ENDPOINT_RULES: EndpointRules = new Map();

/**
 * `gateway=downstream,edge-proxy=path` → rules. Throws a RangeError naming every bad entry (for
 * configuration parsing at start-up).
 */
export function parseEndpointRules(text: string): EndpointRules {
  const rules = new Map<string, EndpointRule>();
  const bad: string[] = [];
  for (const part of text.split(',')) {
    const entry = part.trim();
    if (entry === '') continue;
    const eq = entry.lastIndexOf('=');
    const service = eq < 0 ? '' : entry.slice(0, eq).trim();
    const rule = eq < 0 ? '' : entry.slice(eq + 1).trim();
    if (service === '' || !(ENDPOINT_RULES as readonly string[]).includes(rule)) {
      bad.push(`"${entry}"`);
      continue;
    }
    rules.set(service, rule as EndpointRule);
  }
  if (bad.length > 0) {
    throw new RangeError(
      `endpoint rules must be service=${ENDPOINT_RULES.join('|')}, comma-separated; bad: ${bad.join(', ')}`,
    );
  }
  return rules;
}

/**
 * Whether a trace entering at a span names its endpoint further in:
 * - `always`: a catch-all route, or the `downstream` rule: the first server span further in with a
 *   concrete key names it;
 * - `same-request`: no route at all: only when that first server span serves the same request
 *   (same method, its route matching this span's path, possibly below a prefix the gateway
 *   strips), since a service without route instrumentation calling another is not a proxy.
 */
export type LookThrough = 'always' | 'same-request';

/**
 * What one span contributes to its trace's endpoint: its key as the rules of its service make
 * it, and whether the trace's endpoint is rather to be found further in. Undefined for spans that
 * cannot be an entry point.
 */
export function spanEndpoint(
  span: SpanFacts,
  rules: EndpointRules = NO_ENDPOINT_RULES,
): { key: string; lookThrough?: LookThrough } | undefined {
  const detail = entryEndpointDetail(span);
  if (detail === undefined) return undefined;
  const rule = rules.size === 0 ? 'auto' : (rules.get(span.serviceName) ?? 'auto');
  const pathKey = detail.pathKey ?? detail.key;
  switch (rule) {
    case 'entry':
      return { key: detail.key };
    case 'path':
      return { key: pathKey };
    case 'downstream':
      return { key: pathKey, lookThrough: 'always' };
    case 'auto':
      if (detail.basis === 'concrete') return { key: detail.key };
      return {
        key: pathKey,
        lookThrough: detail.basis === 'catch-all' ? 'always' : 'same-request',
      };
  }
}

/**
 * Whether the server span keyed `inner` serves the request the span keyed `outer` received: both
 * HTTP with the same method, and the inner route matching the end of the outer path segment by
 * segment (`{…}` and `*` match any one segment).
 */
export function servesSameRequest(outer: string, inner: string): boolean {
  const a = httpParts(outer);
  const b = httpParts(inner);
  if (a === undefined || b === undefined || a.method !== b.method) return false;
  if (b.segments.length === 0 || b.segments.length > a.segments.length) return false;
  const offset = a.segments.length - b.segments.length;
  return b.segments.every((seg, i) => {
    const other = a.segments[offset + i];
    return seg === other || isWild(seg) || isWild(other);
  });
}

function httpParts(key: string): { method: string; segments: string[] } | undefined {
  const rest = key.slice(key.indexOf('|') + 1);
  if (!rest.startsWith('HTTP ')) return undefined;
  const [method, path = ''] = rest.slice(5).split(' ');
  return { method, segments: path.split('/').filter((s) => s !== '') };
}

function isWild(segment: string): boolean {
  return segment.startsWith('{') || segment.startsWith(':') || segment.includes('*');
}
