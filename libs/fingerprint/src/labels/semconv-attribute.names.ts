/**
 * OpenTelemetry semantic-convention attribute names that labels and endpoint keys read, current
 * name first, then the names older instrumentations still send (each list is tried in order).
 * Senders upgrade slowly and mix versions in one trace, so every lookup accepts all of them.
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
/** The database (current name, then the older one): the first part of older span names' target. */
export const DB_NAMESPACE = ['db.namespace', 'db.name'];
/** The server a database span talks to: a span name's target equal to it is no table. */
export const DB_TARGET_HOSTS = ['server.address', 'net.peer.name'];
/** The statement; parsed only when operation or collection is missing. */
export const DB_QUERY_TEXT = ['db.query.text', 'db.statement'];
/** A low-cardinality summary some newer instrumentations send (`SELECT orders`). */
export const DB_QUERY_SUMMARY = 'db.query.summary';
/** JSON array of table names on DynamoDB spans. */
export const DYNAMODB_TABLES = 'aws.dynamodb.table_names';

export const MESSAGING_SYSTEM = 'messaging.system';
export const MESSAGING_OPERATION = [
  'messaging.operation.type',
  'messaging.operation',
  'messaging.operation.name',
];
/** The template is preferred: names of temporary or per-entity destinations carry ids. */
export const MESSAGING_DESTINATION = [
  'messaging.destination.template',
  'messaging.destination.name',
  'messaging.destination',
];
export const MESSAGING_TEMPORARY = [
  'messaging.destination.temporary',
  'messaging.destination.anonymous',
];

export const HTTP_METHOD = ['http.request.method', 'http.method'];
export const HTTP_ROUTE = 'http.route';
export const URL_TEMPLATE = 'url.template';
/** Where an HTTP client sends to, in order of preference. */
export const HTTP_PEER = ['server.address', 'net.peer.name', 'peer.service', 'http.host'];
export const URL_FULL = ['url.full', 'http.url'];
/** The path (and query) of a request as a server sees it. */
export const URL_PATH = ['url.path', 'http.target'];

export const RPC_SYSTEM = 'rpc.system';
export const RPC_SERVICE = 'rpc.service';
export const RPC_METHOD = 'rpc.method';

export const GRAPHQL_OPERATION_TYPE = 'graphql.operation.type';
export const GRAPHQL_OPERATION_NAME = 'graphql.operation.name';

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
