/**
 * Attributes that describe where a system runs rather than what it does: host names, addresses,
 * ports, instance and pod ids, versions, database and broker locations. The same code run in
 * staging or on a laptop records other values, so a generated test never asserts them (a test
 * bound to production's `server.address` fails everywhere else). What the call does is kept:
 * method, route, table, operation, topic, status.
 */
const ENVIRONMENT_KEYS = new Set([
  'server.address',
  'client.address',
  'net.peer.name',
  'net.peer.ip',
  'net.host.name',
  'net.host.ip',
  'http.host',
  'http.server_name',
  'http.client_ip',
  // Full URLs carry the host and port; their route is in the semantic key already.
  'url.full',
  'http.url',
  'url.domain',
  'db.connection_string',
  'db.instance.id',
  'db.user',
  // The database (schema) name is deployment configuration: `shop` here, `shop_staging` there.
  'db.name',
  'db.namespace',
  'db.mongodb.cluster',
  'messaging.url',
  'messaging.client_id',
  'messaging.client.id',
  'messaging.kafka.client_id',
  'service.version',
  'service.instance.id',
  'service.namespace',
  'deployment.environment',
  'deployment.environment.name',
  'peer.ipv4',
  'peer.ipv6',
  'peer.hostname',
  'peer.port',
]);

const ENVIRONMENT_PREFIXES = [
  'network.',
  'net.sock.',
  'host.',
  'k8s.',
  'container.',
  'cloud.',
  'process.',
  'os.',
  'telemetry.',
  'faas.instance',
  'server.socket.',
  'client.socket.',
];

/** Whether an attribute's value depends on the environment the traces were recorded in. */
export function isEnvironmentAttribute(key: string): boolean {
  if (ENVIRONMENT_KEYS.has(key)) return true;
  if (key.endsWith('.port') || key === 'port') return true;
  return ENVIRONMENT_PREFIXES.some((p) => key.startsWith(p));
}

/**
 * The semantic key a generated selector uses: an HTTP client call's key names the peer host
 * (`http POST potato-handler /potatoes`), which differs between environments, so it becomes `*`
 * (`http POST * /potatoes`); the callee's own server span, when instrumented, says which service
 * it is. Every other key is kept as it is.
 */
export function portableSemantic(semantic: string, kind: string): string {
  if (kind === 'server' || !semantic.startsWith('http ')) return semantic;
  const words = semantic.split(' ');
  // `http METHOD peer route…`; a call without a known peer has no third word to replace.
  if (words.length < 3 || words[2].startsWith('/')) return semantic;
  words[2] = '*';
  return words.join(' ');
}
