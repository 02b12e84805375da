import type { AnyValue } from '@t2t/domain';
import type {
  DbOperation,
  DbSpanStyle,
  DbSystem,
  HttpMethod,
  MessagingSystem,
  SemconvFlavour,
} from '../model/system.model';

/**
 * The attributes each kind of span carries, in the current OpenTelemetry semantic conventions or
 * in the older names still emitted by much of the installed base (http.method, db.statement,
 * db.sql.table, messaging.destination, net.peer.name, …). Fixed parts are computed once per step
 * when a system is compiled; the generator adds the per-request parts (paths, keys, status codes)
 * under the attribute names returned here.
 */

export type Attr = readonly [key: string, value: AnyValue];

const PORTS: Record<DbSystem | 'redis' | MessagingSystem, bigint> = {
  postgresql: 5432n,
  mysql: 3306n,
  mongodb: 27017n,
  redis: 6379n,
  kafka: 9092n,
  rabbitmq: 5672n,
};

/** Every service listens on this port; hosts are the service names (cluster DNS). */
export const SERVICE_PORT = 8080n;

/**
 * Where a peer listens, as a span records it (server.address / net.peer.name and the port). The
 * functions below give each peer's address in the default deployment; the compiler passes it
 * through the environment (compile/deployment.environment.ts) before it reaches a span.
 */
export interface Address {
  readonly host: string;
  readonly port: bigint;
}

export function serviceAddress(service: string): Address {
  return { host: service, port: SERVICE_PORT };
}

export function dbAddress(system: DbSystem, database: string): Address {
  return { host: `${database}-${system === 'mongodb' ? 'mongo' : 'db'}`, port: PORTS[system] };
}

export function cacheAddress(): Address {
  return { host: 'redis', port: PORTS.redis };
}

export function brokerAddress(system: MessagingSystem): Address {
  return { host: system, port: PORTS[system] };
}

export interface HttpServerShape {
  readonly spanName: string;
  readonly attrs: readonly Attr[];
  /** Where the request path (ids filled in) goes. */
  readonly pathKey: string;
  readonly statusKey: string;
}

export function httpServer(
  flavour: SemconvFlavour,
  self: Address,
  method: HttpMethod,
  route: string,
): HttpServerShape {
  const spanName = `${method} ${route}`;
  if (flavour === 'current') {
    return {
      spanName,
      attrs: [
        ['http.request.method', method],
        ['http.route', route],
        ['url.scheme', 'http'],
        ['server.address', self.host],
        ['server.port', self.port],
        ['network.protocol.version', '1.1'],
      ],
      pathKey: 'url.path',
      statusKey: 'http.response.status_code',
    };
  }
  return {
    spanName,
    attrs: [
      ['http.method', method],
      ['http.route', route],
      ['http.scheme', 'http'],
      ['net.host.name', self.host],
      ['net.host.port', self.port],
      ['http.flavor', '1.1'],
    ],
    pathKey: 'http.target',
    statusKey: 'http.status_code',
  };
}

export interface HttpClientShape {
  readonly spanName: string;
  readonly attrs: readonly Attr[];
  /** Where the full URL (`<base><path>`) goes. */
  readonly urlKey: string;
  readonly urlBase: string;
  readonly statusKey: string;
}

export function httpClient(
  flavour: SemconvFlavour,
  target: { scheme: 'http' | 'https'; host: string; port: bigint; method: HttpMethod },
): HttpClientShape {
  const defaultPort = target.scheme === 'https' ? 443n : 80n;
  const urlBase = `${target.scheme}://${target.host}${target.port === defaultPort ? '' : `:${target.port}`}`;
  if (flavour === 'current') {
    return {
      spanName: target.method,
      attrs: [
        ['http.request.method', target.method],
        ['server.address', target.host],
        ['server.port', target.port],
      ],
      urlKey: 'url.full',
      urlBase,
      statusKey: 'http.response.status_code',
    };
  }
  return {
    spanName: `HTTP ${target.method}`,
    attrs: [
      ['http.method', target.method],
      ['net.peer.name', target.host],
      ['net.peer.port', target.port],
    ],
    urlKey: 'http.url',
    urlBase,
    statusKey: 'http.status_code',
  };
}

export interface RpcShape {
  readonly spanName: string;
  readonly attrs: readonly Attr[];
  readonly statusKey: string;
}

/**
 * gRPC spans (client and server alike) carry rpc.* in both generations; only the peer names differ.
 * `server` is the serving service's address, on both sides of the call.
 */
export function rpcSpan(
  flavour: SemconvFlavour,
  side: 'client' | 'server',
  server: Address,
  rpcService: string,
  method: string,
): RpcShape {
  const peer: Attr[] =
    flavour === 'current'
      ? [
          ['server.address', server.host],
          ['server.port', server.port],
        ]
      : side === 'client'
        ? [
            ['net.peer.name', server.host],
            ['net.peer.port', server.port],
          ]
        : [
            ['net.host.name', server.host],
            ['net.host.port', server.port],
          ];
  return {
    spanName: `${rpcService}/${method}`,
    attrs: [['rpc.system', 'grpc'], ['rpc.service', rpcService], ['rpc.method', method], ...peer],
    statusKey: 'rpc.grpc.status_code',
  };
}

export interface DbShape {
  readonly spanName: string;
  readonly attrs: readonly Attr[];
}

/**
 * A database client span. With the `name-only` style the operation and table appear only in the
 * span name; the attributes keep the system, database (and, on older conventions, the user, which
 * is the database's own account here) and the peer.
 */
export function dbClient(
  flavour: SemconvFlavour,
  style: DbSpanStyle,
  system: DbSystem,
  operation: DbOperation,
  table: string,
  database: string,
  statement: string,
  server: Address,
): DbShape {
  if (flavour === 'current') {
    const spanName = `${operation} ${table}`;
    if (style === 'name-only') {
      return {
        spanName,
        attrs: [
          ['db.system.name', system],
          ['db.namespace', database],
          ['server.address', server.host],
          ['server.port', server.port],
        ],
      };
    }
    return {
      spanName,
      attrs: [
        ['db.system.name', system],
        ['db.namespace', database],
        ['db.operation.name', operation],
        ['db.collection.name', table],
        ['db.query.text', statement],
        ['server.address', server.host],
        ['server.port', server.port],
      ],
    };
  }
  const spanName = `${operation} ${database}.${table}`;
  if (style === 'name-only') {
    return {
      spanName,
      attrs: [
        ['db.system', system],
        ['db.name', database],
        ['db.user', database],
        ['net.peer.name', server.host],
        ['net.peer.port', server.port],
      ],
    };
  }
  return {
    spanName,
    attrs: [
      ['db.system', system],
      ['db.name', database],
      ['db.operation', operation],
      [system === 'mongodb' ? 'db.mongodb.collection' : 'db.sql.table', table],
      ['db.statement', statement],
      ['net.peer.name', server.host],
      ['net.peer.port', server.port],
    ],
  };
}

/** A realistic statement for an operation on a table or collection (parameters left as placeholders). */
export function defaultStatement(system: DbSystem, operation: DbOperation, table: string): string {
  if (system === 'mongodb') {
    const field = {
      find: 'filter',
      insert: 'documents',
      update: 'updates',
      delete: 'deletes',
      aggregate: 'pipeline',
    };
    return `{"${operation}":"${table}","${field[operation as keyof typeof field]}":"?"}`;
  }
  const p = system === 'postgresql' ? (n: number) => `$${n}` : () => '?';
  switch (operation) {
    case 'SELECT':
      return `SELECT * FROM ${table} WHERE id = ${p(1)}`;
    case 'INSERT':
      return `INSERT INTO ${table} (id, data, created_at) VALUES (${p(1)}, ${p(2)}, ${p(3)})`;
    case 'UPDATE':
      return `UPDATE ${table} SET data = ${p(1)}, updated_at = ${p(2)} WHERE id = ${p(3)}`;
    default:
      return `DELETE FROM ${table} WHERE id = ${p(1)}`;
  }
}

export interface RedisShape {
  readonly spanName: string;
  readonly attrs: readonly Attr[];
  /** Where the command with its key (`GET cart:42`) goes. */
  readonly statementKey: string;
}

export function redisClient(
  flavour: SemconvFlavour,
  operation: string,
  server: Address,
): RedisShape {
  if (flavour === 'current') {
    return {
      spanName: operation,
      attrs: [
        ['db.system.name', 'redis'],
        ['db.operation.name', operation],
        ['db.namespace', '0'],
        ['server.address', server.host],
        ['server.port', server.port],
      ],
      statementKey: 'db.query.text',
    };
  }
  return {
    spanName: operation,
    attrs: [
      ['db.system', 'redis'],
      ['db.redis.database_index', 0n],
      ['net.peer.name', server.host],
      ['net.peer.port', server.port],
    ],
    statementKey: 'db.statement',
  };
}

export interface MessagingShape {
  readonly spanName: string;
  readonly attrs: readonly Attr[];
  /** Where the message id goes (the same id on producer and consumer spans). */
  readonly messageIdKey: string;
}

export function messagingSpan(
  flavour: SemconvFlavour,
  side: 'producer' | 'consumer',
  system: MessagingSystem,
  destination: string,
  group: string,
  broker: Address,
): MessagingShape {
  if (flavour === 'current') {
    const operation = side === 'producer' ? 'send' : 'process';
    const attrs: Attr[] = [
      ['messaging.system', system],
      ['messaging.destination.name', destination],
      ['messaging.operation.type', operation],
      ['messaging.operation.name', operation],
      ['server.address', broker.host],
      ['server.port', broker.port],
    ];
    if (side === 'consumer') attrs.push(['messaging.consumer.group.name', group]);
    return { spanName: `${operation} ${destination}`, attrs, messageIdKey: 'messaging.message.id' };
  }
  const attrs: Attr[] = [
    ['messaging.system', system],
    ['messaging.destination', destination],
    ['messaging.destination_kind', system === 'kafka' ? 'topic' : 'queue'],
    ['net.peer.name', broker.host],
  ];
  if (side === 'consumer') {
    attrs.push(['messaging.operation', 'process']);
    if (system === 'kafka') attrs.push(['messaging.kafka.consumer_group', group]);
  }
  return {
    spanName: `${destination} ${side === 'producer' ? 'send' : 'process'}`,
    attrs,
    messageIdKey: 'messaging.message_id',
  };
}
