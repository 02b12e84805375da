import { bool, defineEnv, duration, int, oneOf, str, url } from '@t2t/config';

/** The potato shop's options (one process serves one role). */
export const potatoShopEnv = defineEnv('potato-shop', {
  role: oneOf({
    key: 'POTATO_ROLE',
    default: 'shop',
    values: ['shop', 'potato-handler'] as const,
    doc: '`shop`: POST /orders and GET /orders/{id} (service `potato-shop`); `potato-handler`: POST /potatoes (service `potato-handler`).',
  }),
  port: int({
    key: 'PORT',
    default: 0,
    min: 0,
    max: 65535,
    doc: 'Port on 127.0.0.1; 0 picks a free one (printed as `listening on <url>`).',
  }),
  otlpTracesUrl: url({
    key: 'OTLP_TRACES_URL',
    doc: 'OTLP/HTTP traces endpoint spans are exported to (protobuf), e.g. trace2test’s receiver `http://127.0.0.1:4318/v1/traces`. Unset: spans are recorded and dropped.',
  }),
  exportDelayMs: duration({
    key: 'EXPORT_DELAY',
    default: 100,
    min: 1,
    doc: 'Batch span processor delay between exports (the SDK default is 5s; short keeps tests fast).',
  }),
  potatoHandlerUrl: url({
    key: 'POTATO_HANDLER_URL',
    doc: 'Shop: base URL of the potato handler (required for orders of users who like potatoes).',
  }),
  ordersFile: str({
    key: 'ORDERS_FILE',
    default: './data/potato-shop/orders.jsonl',
    doc: 'Shop: the orders "table", one JSON line per order; kept across restarts like a database.',
  }),
  serviceVersion: str({
    key: 'SERVICE_VERSION',
    default: '1.4.2',
    doc: 'Resource attribute `service.version` (environment: differs between deployments).',
  }),
  deploymentEnvironment: str({
    key: 'DEPLOYMENT_ENVIRONMENT',
    default: 'test',
    doc: 'Resource attribute `deployment.environment.name`.',
  }),
  dbHost: str({
    key: 'DB_HOST',
    default: '',
    doc: 'Host name the database spans record (`server.address`); empty: `orders-db.internal` (shop) or `potatoes-db.internal` (potato handler).',
  }),
  dbName: str({
    key: 'DB_NAME',
    default: '',
    doc: 'Database name the database spans record (`db.namespace`); empty: `shop` or `potatoes`.',
  }),
  dropDbWrite: bool({
    key: 'DROP_DB_WRITE',
    default: false,
    doc: 'Fault: POST /orders answers as usual but no longer writes the order (no INSERT span, nothing stored).',
  }),
  flipPotatoBranch: bool({
    key: 'FLIP_POTATO_BRANCH',
    default: false,
    doc: 'Fault: the potato handler is called for users who do NOT like potatoes, and not for those who do.',
  }),
  leakTraceContext: bool({
    key: 'LEAK_TRACE_CONTEXT',
    default: false,
    doc: 'Fault: after POST /orders answers, a background refresh keeps running in the request’s trace context, adding a span every 250ms: the trace never completes.',
  }),
});

export type PotatoShopConfig = ReturnType<typeof potatoShopEnv.parse>;
