import {
  completeFromSpanName,
  entryEndpoint,
  keyPrefix,
  KEYLESS_COMMANDS,
  normalizeHost,
  normalizeUrlPath,
  parseSqlStatement,
} from '@t2t/fingerprint';
import type { ModelEntity } from '../model.types';
import {
  DB_COLLECTION,
  DB_OPERATION,
  DB_QUERY_SUMMARY,
  DB_QUERY_TEXT,
  DB_SYSTEM,
  firstAttribute,
  HTTP_METHOD,
  MESSAGING_OPERATION,
  MESSAGING_SYSTEM,
  PEER_HOST,
  RPC_METHOD,
  RPC_SERVICE,
  RPC_SYSTEM,
  URL_FULL,
  URL_PATH,
  URL_SCHEME,
  URL_TEMPLATE,
} from './semconv-attribute.names';
import { KIND_CONSUMER, KIND_PRODUCER } from './span-kind.constants';

/**
 * What one span says about the entities of the system: which table, collection, cache key
 * template, topic or third-party host it touches, and how. Reads semantic-convention attributes of
 * both generations; falls back to parsing the statement when the structured attributes are missing
 * (older database instrumentations send only `db.statement`), then to the query summary and the
 * span's name (`SELECT ts.orders`: some send neither, and the name carries the target).
 */

export interface DataAccess {
  entity: ModelEntity;
  type: 'READS' | 'WRITES';
  operation: string;
}

export interface TopicAccess {
  entity: ModelEntity;
  type: 'PUBLISHES' | 'CONSUMES';
}

export interface ExternalCall {
  entity: ModelEntity;
  method: string;
  route: string;
}

/** `table orders postgresql`: kind and name (the ground truth's order), then the system. */
export function entityKey(entity: ModelEntity): string {
  return `${entity.kind} ${entity.name} ${entity.system}`;
}

const CACHE_SYSTEMS = new Set(['redis', 'valkey', 'memcached']);

/** Stores whose units are collections of documents rather than tables. */
const DOCUMENT_SYSTEMS = new Set([
  'mongodb',
  'couchdb',
  'couchbase',
  'cosmosdb',
  'azure.cosmosdb',
  'dynamodb',
  'aws.dynamodb',
  'firestore',
  'elasticsearch',
  'opensearch',
]);

/**
 * Operations that only read (compared lower-case). Everything else counts as a write: an unknown
 * command is more safely reported as a side effect than hidden as a read.
 */
const READ_OPERATIONS = new Set([
  // SQL and document stores
  'select',
  'find',
  'findone',
  'aggregate',
  'count',
  'countdocuments',
  'distinct',
  'getitem',
  'batchgetitem',
  'query',
  'scan',
  'search',
  // key-value stores
  'get',
  'gets',
  'mget',
  'getrange',
  'strlen',
  'exists',
  'ttl',
  'pttl',
  'type',
  'hget',
  'hmget',
  'hgetall',
  'hexists',
  'hkeys',
  'hvals',
  'hlen',
  'lrange',
  'lindex',
  'llen',
  'smembers',
  'sismember',
  'scard',
  'zrange',
  'zrevrange',
  'zrangebyscore',
  'zscore',
  'zcard',
]);

const SEND_OPERATIONS = new Set(['publish', 'send', 'create']);
const RECEIVE_OPERATIONS = new Set(['receive', 'process', 'deliver']);

/**
 * A database or cache access, or undefined when the span is not one or names nothing. `spanName`
 * completes a database span whose attributes lack the operation or the table (see
 * libs/fingerprint's parseDbSpanName: `{operation} {target}`, the database prefix dropped), so
 * the table is the one the same call names in `db.sql.table` / `db.collection.name`.
 */
export function extractDataAccess(
  attributes: Record<string, string>,
  spanName?: string,
): DataAccess | undefined {
  const rawSystem = firstAttribute(attributes, DB_SYSTEM);
  if (rawSystem === undefined) return undefined;
  const system = rawSystem.toLowerCase();
  return CACHE_SYSTEMS.has(system)
    ? cacheAccess(system, attributes)
    : databaseAccess(system, attributes, spanName);
}

function databaseAccess(
  system: string,
  attributes: Record<string, string>,
  spanName: string | undefined,
): DataAccess | undefined {
  const document = DOCUMENT_SYSTEMS.has(system);
  let operation = firstAttribute(attributes, DB_OPERATION);
  let name = firstAttribute(attributes, DB_COLLECTION);
  if (operation === undefined || name === undefined) {
    const text = firstAttribute(attributes, DB_QUERY_TEXT);
    if (text !== undefined) {
      const parsed = document ? parseDocumentCommand(text) : parseSqlStatement(text);
      operation ??= parsed.operation;
      name ??= parsed.table;
    }
  }
  // `db.query.summary` (`SELECT orders`) and the span name have the same shape; the summary, an
  // attribute meant for this, replaces the name (as in libs/fingerprint's semantic key).
  const named = attributes[DB_QUERY_SUMMARY] ?? spanName;
  if ((operation === undefined || name === undefined) && named !== undefined) {
    const completed = completeFromSpanName(named, attributes, operation, name);
    operation ??= completed.operation;
    name ??= completed.table;
  }
  if (operation === undefined || name === undefined) return undefined;
  // SQL verbs are case-insensitive and instrumentations differ in case; document-store commands
  // are case-sensitive names (insertMany) and stay as sent.
  const op = document ? operation : operation.toUpperCase();
  return {
    entity: { kind: document ? 'collection' : 'table', name, system },
    type: READ_OPERATIONS.has(op.toLowerCase()) ? 'READS' : 'WRITES',
    operation: op,
  };
}

/**
 * `{"insert":"orders","documents":…}`: a MongoDB command names its operation and collection in its
 * first field. Anything else (a shell-style query, truncated text) names nothing.
 */
function parseDocumentCommand(text: string): { operation?: string; table?: string } {
  const match = /^\s*\{\s*"([A-Za-z]+)"\s*:\s*"([^"]+)"/.exec(text);
  return match === null ? {} : { operation: match[1], table: match[2] };
}

function cacheAccess(system: string, attributes: Record<string, string>): DataAccess | undefined {
  const words = (firstAttribute(attributes, DB_QUERY_TEXT) ?? '').trim().split(/\s+/);
  const command = (firstAttribute(attributes, DB_OPERATION) ?? words[0]).toUpperCase();
  if (command === '' || KEYLESS_COMMANDS.has(command)) return undefined;
  const key = words[0].toUpperCase() === command ? words[1] : undefined;
  if (key === undefined || key === '') return undefined;
  return {
    entity: { kind: 'cache-prefix', name: cacheKeyTemplate(key), system },
    type: READ_OPERATIONS.has(command.toLowerCase()) ? 'READS' : 'WRITES',
    operation: command,
  };
}

/**
 * `cart:3f2a…` → `cart:{id}`: the static prefix libs/fingerprint's keyPrefix finds (the same one the
 * span's label uses), with the per-request rest written as `{id}`, as the ground truth and test
 * specs name key templates.
 */
export function cacheKeyTemplate(key: string): string {
  const prefix = keyPrefix(key);
  return prefix.endsWith('*') ? `${prefix.slice(0, -1)}{id}` : prefix;
}

/** A message sent to or taken from a topic/queue, or undefined. */
export function extractTopicAccess(
  kind: number,
  attributes: Record<string, string>,
): TopicAccess | undefined {
  const system = attributes[MESSAGING_SYSTEM];
  if (system === undefined || system === '') return undefined;
  const operation = firstAttribute(attributes, MESSAGING_OPERATION)?.toLowerCase() ?? '';
  let type: TopicAccess['type'];
  if (kind === KIND_PRODUCER || (kind !== KIND_CONSUMER && SEND_OPERATIONS.has(operation))) {
    type = 'PUBLISHES';
  } else if (kind === KIND_CONSUMER || RECEIVE_OPERATIONS.has(operation)) {
    type = 'CONSUMES';
  } else {
    return undefined;
  }
  const name = topicName(attributes);
  return name === undefined ? undefined : { entity: { kind: 'topic', name, system }, type };
}

/**
 * The destination exactly as libs/fingerprint names it in consumer endpoint keys
 * (`svc|CONSUME orders`): the template if sent, ids in names replaced, `(temporary)` for reply
 * queues. Asking entryEndpoint for a consumer's key reuses that logic instead of restating it, so
 * a CONSUMES edge's topic and the consumer's endpoint key can never disagree.
 */
export function topicName(attributes: Record<string, string>): string | undefined {
  const key = entryEndpoint({
    name: '',
    kind: KIND_CONSUMER,
    serviceName: '',
    parentSpanId: '',
    attributes,
  });
  return key?.startsWith(CONSUME_PREFIX) ? key.slice(CONSUME_PREFIX.length) : undefined;
}

const CONSUME_PREFIX = '|CONSUME ';

/**
 * A call to a third-party API (the caller already knows nobody in the system answered it): HTTP by
 * host, method and normalised path, or RPC by host and `service/method`. Undefined when the span is
 * neither or its host cannot be named.
 */
export function extractExternalCall(attributes: Record<string, string>): ExternalCall | undefined {
  const rpcSystem = attributes[RPC_SYSTEM];
  if (rpcSystem !== undefined && rpcSystem !== '') {
    const host = peerHost(attributes);
    const rpcMethod = attributes[RPC_METHOD] ?? '';
    if (host === undefined) return undefined;
    const route = rpcMethod.includes('/')
      ? rpcMethod
      : `${attributes[RPC_SERVICE] ?? ''}/${rpcMethod}`;
    return {
      entity: { kind: 'external-api', name: host, system: rpcSystem },
      method: route.slice(route.lastIndexOf('/') + 1),
      route,
    };
  }
  const method = firstAttribute(attributes, HTTP_METHOD);
  if (method === undefined) return undefined;
  const url = firstAttribute(attributes, URL_FULL);
  const parsed = url === undefined ? undefined : parseUrl(url);
  const host = peerHost(attributes) ?? (parsed === undefined ? undefined : hostOf(parsed));
  if (host === undefined) return undefined;
  const scheme =
    firstAttribute(attributes, URL_SCHEME)?.toLowerCase() ??
    parsed?.protocol.replace(/:$/, '') ??
    'http';
  return {
    entity: { kind: 'external-api', name: host, system: scheme },
    method: method.toUpperCase(),
    route: externalRoute(attributes, url),
  };
}

/** The first peer attribute that is a name (IP literals change with every pod and say nothing). */
function peerHost(attributes: Record<string, string>): string | undefined {
  for (const key of PEER_HOST) {
    const value = attributes[key];
    if (value === undefined || value === '') continue;
    const host = normalizeHost(value);
    if (host !== '{ip}') return host;
  }
  return undefined;
}

function parseUrl(url: string): URL | undefined {
  try {
    return new URL(url);
  } catch {
    return undefined;
  }
}

function hostOf(url: URL): string | undefined {
  return url.hostname === '' ? undefined : normalizeHost(url.hostname);
}

function externalRoute(attributes: Record<string, string>, url: string | undefined): string {
  const raw =
    firstAttribute(attributes, URL_TEMPLATE) ?? url ?? firstAttribute(attributes, URL_PATH);
  return raw === undefined ? '' : normalizeUrlPath(raw);
}
