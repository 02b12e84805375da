import type { TraceIndex } from '../evaluate/trace.index';
import type { Fixture, RequestAttribute } from '../spec/test-spec.model';

/**
 * Which of the entry span's attributes describe the request itself (`user.id`, `cart.items`,
 * `payment.method`) rather than the transport: everything outside the OpenTelemetry
 * semantic-convention namespaces below. Those are what a test must send to reproduce a behaviour,
 * and what rule conditions read.
 */
const TRANSPORT_PREFIXES = [
  'http.',
  'url.',
  'server.',
  'network.',
  'net.',
  'user_agent.',
  'rpc.',
  'messaging.',
  'db.',
  'graphql.',
  'otel.',
  'telemetry.',
  'code.',
  'thread.',
  'exception.',
  'error.',
  'peer.',
  'host.',
  'process.',
  'service.',
  'k8s.',
  'cloud.',
  'container.',
  'deployment.',
  'faas.',
];
const TRANSPORT_KEYS = new Set(['client.address', 'client.port']);

export function isRequestAttribute(key: string): boolean {
  return !TRANSPORT_KEYS.has(key) && !TRANSPORT_PREFIXES.some((p) => key.startsWith(p));
}

/** The request attributes of a trace (its entry span's), sorted by name. */
export function requestAttributesOf(index: TraceIndex): Record<string, string> {
  const out: Record<string, string> = {};
  const attrs = index.entry?.span.attributes ?? {};
  for (const key of Object.keys(attrs).sort()) if (isRequestAttribute(key)) out[key] = attrs[key];
  return out;
}

/** `id`, `order_id`, `userId`: fields that name a thing rather than describe it. */
export function isIdField(field: string): boolean {
  return field === 'id' || /(_id|Id)$/.test(field);
}

/**
 * Request attributes grouped into fixtures by their prefix (`user.id`, `user.likes_potatoes` →
 * fixture `user`), for prefixes that carry an id: those name something that must exist in the
 * system under test. Pinned fields become the fixture's requirement.
 */
export function fixturesOf(request: readonly RequestAttribute[]): Fixture[] {
  const groups = new Map<string, RequestAttribute[]>();
  for (const attr of request) {
    const dot = attr.name.indexOf('.');
    if (dot <= 0) continue;
    const prefix = attr.name.slice(0, dot);
    groups.set(prefix, [...(groups.get(prefix) ?? []), attr]);
  }
  const fixtures: Fixture[] = [];
  for (const [name, attrs] of [...groups.entries()].sort(([a], [b]) => (a < b ? -1 : 1))) {
    const field = (a: RequestAttribute) => a.name.slice(name.length + 1);
    if (!attrs.some((a) => isIdField(field(a)))) continue;
    const pinned = attrs.filter((a) => a.role === 'pinned' && !isIdField(field(a)));
    const ids = attrs.filter((a) => isIdField(field(a)));
    fixtures.push({
      name,
      values: Object.fromEntries(attrs.map((a) => [field(a), a.value])),
      requires:
        `${/^[aeio]/i.test(name) ? 'an' : 'a'} ${name}` +
        (pinned.length > 0
          ? ` with ${pinned.map((a) => `${field(a)} = ${a.value}`).join(' and ')}`
          : '') +
        ` (recorded: ${ids.map((a) => `${field(a)} ${a.value}`).join(', ')})`,
    });
  }
  return fixtures;
}

/** Placeholder names of fixture id fields: `user.id` → `{{user.id}}` in triggers. */
export function fixtureIdAttributes(fixtures: readonly Fixture[]): Set<string> {
  const out = new Set<string>();
  for (const f of fixtures) {
    for (const field of Object.keys(f.values)) if (isIdField(field)) out.add(`${f.name}.${field}`);
  }
  return out;
}
