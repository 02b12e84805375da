/**
 * The semantic-convention attribute names modeling reads, current name first, then the older names
 * much of the installed base still sends. A system mixes generations (a Java service on an old agent
 * next to a Node service on the newest SDK), so every lookup accepts all of them.
 */

export const DB_SYSTEM = ['db.system.name', 'db.system'];
export const DB_OPERATION = ['db.operation.name', 'db.operation'];
export const DB_COLLECTION = [
  'db.collection.name',
  'db.sql.table',
  'db.mongodb.collection',
  'db.cosmosdb.container',
  'db.cassandra.table',
];
export const DB_QUERY_TEXT = ['db.query.text', 'db.statement'];
/** A low-cardinality summary newer instrumentations send (`SELECT orders`), shaped like a span name. */
export const DB_QUERY_SUMMARY = 'db.query.summary';

export const MESSAGING_SYSTEM = 'messaging.system';
export const MESSAGING_OPERATION = [
  'messaging.operation.type',
  'messaging.operation',
  'messaging.operation.name',
];

export const HTTP_METHOD = ['http.request.method', 'http.method'];
/** Where a client call goes, in order of preference (IP literals are skipped for a later name). */
export const PEER_HOST = ['server.address', 'net.peer.name', 'peer.service', 'http.host'];
export const URL_FULL = ['url.full', 'http.url'];
export const URL_TEMPLATE = ['url.template', 'http.route'];
export const URL_PATH = ['url.path', 'http.target'];
export const URL_SCHEME = ['url.scheme', 'http.scheme'];

export const RPC_SYSTEM = 'rpc.system';
export const RPC_SERVICE = 'rpc.service';
export const RPC_METHOD = 'rpc.method';

/** The first non-empty value among `keys`. */
export function firstAttribute(
  attributes: Record<string, string>,
  keys: readonly string[],
): string | undefined {
  for (const key of keys) {
    const value = attributes[key];
    if (value !== undefined && value !== '') return value;
  }
  return undefined;
}
