// `http`, not `node:http`: the instrumentation patches the module under this name.
import type { PotatoShopConfig } from './potato-shop.env';
import { createServer, type Server } from 'http';
import { SpanKind, trace } from '@opentelemetry/api';
import { between, field, readJson, sendJson, work } from './http.helpers';

/**
 * `potato-handler`: POST /potatoes peels potatoes for a user and records the potato order in its
 * own store (a MongoDB-shaped client span). Called by the shop only for potato lovers.
 */
export function createPotatoHandlerServer(
  config: Pick<PotatoShopConfig, 'dbHost' | 'dbName'>,
): Server {
  const tracer = trace.getTracer('potato-handler', '0.9.2');
  return createServer((req, res) => {
    const handle = async () => {
      if (req.url === '/health') return sendJson(res, 200, { status: 'ok' });
      if (req.method !== 'POST' || req.url !== '/potatoes') {
        return sendJson(res, 404, { error: `no route ${req.method} ${req.url}` });
      }
      const span = trace.getActiveSpan();
      span?.setAttribute('http.route', '/potatoes');
      const userId = field(await readJson(req), 'user.id');
      if (typeof userId === 'string' || typeof userId === 'number') {
        span?.setAttribute('user.id', String(userId));
      }
      await tracer.startActiveSpan('peel potatoes', async (s) => {
        await work(2, 5);
        s.end();
      });
      await between();
      await tracer.startActiveSpan(
        'insert potatoes.potato_orders',
        {
          kind: SpanKind.CLIENT,
          attributes: {
            'db.system.name': 'mongodb',
            'db.namespace': config.dbName || 'potatoes',
            'db.collection.name': 'potato_orders',
            'db.operation.name': 'insert',
            'server.address': config.dbHost || 'potatoes-db.internal',
            'server.port': 27017,
          },
        },
        async (s) => {
          await work(2, 5);
          s.end();
        },
      );
      sendJson(res, 201, { peeled: true });
    };
    handle().catch((e: Error) => {
      if (!res.headersSent) sendJson(res, 500, { error: e.message });
    });
  });
}
