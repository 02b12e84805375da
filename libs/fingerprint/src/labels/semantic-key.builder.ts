import { completeFromSpanName } from './db-span-name.parser';
import { isIdToken, isIpAddress } from './id-token.classifier';
import { normalizeDelimited, normalizeOperation } from './operation-name.normalizer';
import {
  DB_COLLECTION,
  DB_OPERATION,
  DB_QUERY_SUMMARY,
  DB_QUERY_TEXT,
  DB_SYSTEM,
  DYNAMODB_TABLES,
  firstAttribute,
  GRAPHQL_OPERATION_NAME,
  GRAPHQL_OPERATION_TYPE,
  HTTP_METHOD,
  HTTP_PEER,
  HTTP_ROUTE,
  MESSAGING_DESTINATION,
  MESSAGING_OPERATION,
  MESSAGING_SYSTEM,
  MESSAGING_TEMPORARY,
  RPC_METHOD,
  RPC_SERVICE,
  RPC_SYSTEM,
  URL_FULL,
  URL_PATH,
  URL_TEMPLATE,
} from './semconv-attribute.names';
import { parseSqlStatement, SqlSummary } from './sql-statement.parser';
import { normalizeHost, normalizeUrlPath, stripPort, urlHost } from './url-path.normalizer';
import { KIND_SERVER } from './span-kind.constants';

/**
 * The semantic key of a call: what it talks to, built from semantic-convention attributes rather
 * than the span name (names differ between instrumentations of the same call, attributes less so):
 *
 *   db postgresql SELECT shop.orders        cache redis GET user:*
 *   msg kafka publish orders                http GET api.stripe.com /v1/charges/{id}
 *   rpc grpc shop.Cart/GetCart              graphql query GetCart
 *
 * '' when the span has none of these attributes. Values that vary per request (ids in paths,
 * cache keys, destinations; peer IP addresses) are normalised away.
 *
 * `name` is the span's name. A database span whose attributes (and statement) give no operation or
 * no table is completed from its `db.query.summary`, else its name, when that has the shape
 * `{operation} {target}` (see parseDbSpanName; with neither known, a summary is the key as
 * before): `SELECT ts.orders` with only `db.system` gives `db mysql SELECT orders`, the key the
 * same call gets with `db.operation` and `db.sql.table`. Without `name` (callers that have only
 * attributes), the name is not read; spanLabel always passes it.
 */
export function semanticKey(
  attributes: Record<string, string>,
  kind: number,
  name?: string,
): string {
  const dbSystem = firstAttribute(attributes, DB_SYSTEM);
  if (dbSystem !== undefined) {
    const system = dbSystem.toLowerCase();
    return CACHE_SYSTEMS.has(system)
      ? cacheKey(system, attributes)
      : databaseKey(system, attributes, name);
  }
  const messagingSystem = attributes[MESSAGING_SYSTEM];
  if (messagingSystem !== undefined) {
    return join(
      'msg',
      messagingSystem,
      firstAttribute(attributes, MESSAGING_OPERATION),
      messagingDestination(attributes),
    );
  }
  const rpc = rpcKey(attributes);
  if (rpc !== undefined) return rpc;
  const graphql = graphqlKey(attributes);
  if (graphql !== undefined) return graphql;
  const method = firstAttribute(attributes, HTTP_METHOD);
  if (method !== undefined) {
    if (kind === KIND_SERVER) return join('http', method.toUpperCase(), serverRoute(attributes));
    return join('http', method.toUpperCase(), peerHost(attributes), clientRoute(attributes));
  }
  return '';
}

/** Key-value stores whose statement is `COMMAND key args…`. */
const CACHE_SYSTEMS = new Set(['redis', 'valkey', 'memcached']);

/** Commands whose first argument is not a key (and may be a secret: AUTH). */
export const KEYLESS_COMMANDS = new Set([
  'AUTH',
  'HELLO',
  'PING',
  'ECHO',
  'SELECT',
  'MULTI',
  'EXEC',
  'DISCARD',
  'INFO',
  'CLIENT',
  'CONFIG',
  'SCRIPT',
  'EVAL',
  'EVALSHA',
  'FCALL',
  'FLUSHDB',
  'FLUSHALL',
  'SCAN',
  'KEYS',
  'PUBLISH',
  'SUBSCRIBE',
  'QUIT',
  'VERSION',
  'STATS',
]);

function join(...parts: (string | undefined)[]): string {
  let out = '';
  for (const part of parts) {
    if (part === undefined || part === '') continue;
    out = out === '' ? part : out + ' ' + part;
  }
  return out;
}

function databaseKey(
  system: string,
  attributes: Record<string, string>,
  name: string | undefined,
): string {
  let operation = firstAttribute(attributes, DB_OPERATION);
  let table = firstAttribute(attributes, DB_COLLECTION) ?? dynamoDbTable(attributes);
  if (operation === undefined || table === undefined) {
    const text = firstAttribute(attributes, DB_QUERY_TEXT);
    if (text !== undefined) {
      const parsed = parseStatementOnce(text);
      operation ??= parsed.operation;
      table ??= parsed.table;
    }
  }
  const summary = attributes[DB_QUERY_SUMMARY];
  if (operation === undefined && table === undefined && summary !== undefined) {
    return join('db', system, normalizeOperation(summary));
  }
  // The summary has the name's shape and, when sent, replaces it (libs/model reads the same text).
  const named = summary ?? name;
  if ((operation === undefined || table === undefined) && named !== undefined) {
    const completed = completeFromSpanName(named, attributes, operation, table);
    operation ??= completed.operation;
    table ??= completed.table;
  }
  return join(
    'db',
    system,
    operation === undefined ? undefined : normalizeOperation(operation),
    table === undefined ? undefined : normalizeDelimited(table, '.'),
  );
}

/**
 * Statements repeat (a service runs a handful of distinct queries), so their parse is memoised.
 * Bounded: the map is dropped when full, which costs only re-parsing.
 */
const statementCache = new Map<string, SqlSummary>();
const STATEMENT_CACHE_MAX = 4096;

function parseStatementOnce(text: string): SqlSummary {
  let parsed = statementCache.get(text);
  if (parsed === undefined) {
    parsed = parseSqlStatement(text);
    if (statementCache.size >= STATEMENT_CACHE_MAX) statementCache.clear();
    statementCache.set(text, parsed);
  }
  return parsed;
}

/** `["orders","users"]` → `orders`: the first table of a DynamoDB call. */
function dynamoDbTable(attributes: Record<string, string>): string | undefined {
  const raw = attributes[DYNAMODB_TABLES];
  if (raw === undefined) return undefined;
  const match = /^\[?\s*"?([^",\]]+)/.exec(raw);
  return match?.[1];
}

/** `cache redis GET user:*`: the command and the static prefix of the key, never the key itself. */
function cacheKey(system: string, attributes: Record<string, string>): string {
  const text = (firstAttribute(attributes, DB_QUERY_TEXT) ?? '').trim();
  const firstSpace = text.search(/\s/);
  const first = firstSpace < 0 ? text : text.slice(0, firstSpace);
  const command = (firstAttribute(attributes, DB_OPERATION) ?? first).toUpperCase();
  let key: string | undefined;
  if (firstSpace > 0 && first.toUpperCase() === command && !KEYLESS_COMMANDS.has(command)) {
    const rest = text.slice(firstSpace).trimStart();
    const end = rest.search(/\s/);
    key = keyPrefix(end < 0 ? rest : rest.slice(0, end));
  }
  return join('cache', system, command, key);
}

/**
 * The leading static parts of a cache key, then `*`: `user:42:profile` → `user:*`,
 * `session:ab12…` → `session:*`, `config` → `config`. A part is static when it has only letters,
 * `_` and `-` (no digits: versioned or numbered parts are usually ids) and is not a long token.
 */
export function keyPrefix(key: string): string {
  let i = 0;
  let partStart = 0;
  for (; i <= key.length; i++) {
    const c = i < key.length ? key.charCodeAt(i) : -1;
    if (c === -1 || c === 58 || c === 46 || c === 47 || c === 124 || c === 35) {
      if (i === partStart || isIdToken(key, partStart, i) || i - partStart > 40) break;
      if (c === -1) return key;
      partStart = i + 1;
      continue;
    }
    const lower = c | 0x20;
    if (!((lower >= 97 && lower <= 122) || c === 95 || c === 45)) break;
  }
  return key.slice(0, partStart) + '*';
}

/**
 * Where a message goes: the destination template if sent (names of per-entity destinations carry
 * ids), `(temporary)` for temporary/anonymous destinations (reply queues), else the name with
 * per-request parts replaced.
 */
export function messagingDestination(attributes: Record<string, string>): string | undefined {
  for (const key of MESSAGING_TEMPORARY) if (attributes[key] === 'true') return '(temporary)';
  const template = attributes[MESSAGING_DESTINATION[0]];
  if (template !== undefined && template !== '') return template;
  const name = firstAttribute(attributes, MESSAGING_DESTINATION);
  return name === undefined ? undefined : normalizeDelimited(name, '/.:');
}

/** `rpc grpc shop.Cart/GetCart`, or undefined without `rpc.system`. */
function rpcKey(attributes: Record<string, string>): string | undefined {
  const system = attributes[RPC_SYSTEM];
  if (system === undefined) return undefined;
  return join('rpc', system, rpcPath(attributes));
}

/** `service/method`; newer conventions may put the fully qualified `service/method` in rpc.method. */
export function rpcPath(attributes: Record<string, string>): string | undefined {
  const service = attributes[RPC_SERVICE];
  const method = attributes[RPC_METHOD];
  if (method !== undefined && method.includes('/')) return method;
  if (service === undefined && method === undefined) return undefined;
  return `${service ?? ''}/${method ?? ''}`;
}

function graphqlKey(attributes: Record<string, string>): string | undefined {
  const type = attributes[GRAPHQL_OPERATION_TYPE];
  const name = attributes[GRAPHQL_OPERATION_NAME];
  if (type === undefined && name === undefined) return undefined;
  return join('graphql', type, name);
}

/**
 * The route a server matched: `http.route`, else `url.template`, else the request path. All are
 * normalised: some frameworks report the raw path as the route when nothing matched (404s), and
 * templates (`{id}`, `:id`) pass through unchanged.
 */
export function serverRoute(attributes: Record<string, string>): string | undefined {
  const route = attributes[HTTP_ROUTE] ?? attributes[URL_TEMPLATE];
  if (route !== undefined && route !== '') return normalizeUrlPath(route);
  const path = firstAttribute(attributes, URL_PATH) ?? firstAttribute(attributes, URL_FULL);
  return path === undefined ? undefined : normalizeUrlPath(path);
}

/** The route a client called: `url.template`, else `http.route`, else the normalised URL path. */
function clientRoute(attributes: Record<string, string>): string | undefined {
  const route = attributes[URL_TEMPLATE] ?? attributes[HTTP_ROUTE];
  if (route !== undefined && route !== '') return normalizeUrlPath(route);
  const url = firstAttribute(attributes, URL_FULL) ?? firstAttribute(attributes, URL_PATH);
  return url === undefined ? undefined : normalizeUrlPath(url);
}

/**
 * The peer an HTTP client calls, in HTTP_PEER order, skipping IP literals (they change with every
 * pod) in favour of a later name; `{ip}` when only addresses are known.
 */
function peerHost(attributes: Record<string, string>): string | undefined {
  let sawIp = false;
  for (const key of HTTP_PEER) {
    const value = attributes[key];
    if (value === undefined || value === '') continue;
    if (isIpAddress(stripPort(value))) sawIp = true;
    else return normalizeHost(value);
  }
  const url = firstAttribute(attributes, URL_FULL);
  const host = url === undefined ? '' : urlHost(url);
  if (host !== '') return normalizeHost(host);
  return sawIp ? '{ip}' : undefined;
}
