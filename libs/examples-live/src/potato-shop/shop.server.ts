// `http`, not `node:http`: the instrumentation patches the module under this name.
import {
  createServer,
  request as httpRequest,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'http';
import { context, type Context, trace } from '@opentelemetry/api';
import { between, field, readJson, sendJson, work } from './http.helpers';
import { OrderStore } from './order.store';
import type { PotatoShopConfig } from './potato-shop.env';

/**
 * The origin story as a real service (`potato-shop`):
 *
 *   POST /orders      validate, write the order (INSERT shop.orders), and call the potato
 *                     handler's POST /potatoes only when the user likes potatoes; answers
 *                     201 { id }
 *   GET /orders/{id}  read the order (SELECT shop.orders); 200 or 404
 *
 * The request attributes a test must send (user.id, user.likes_potatoes, cart.items, order.id)
 * are recorded on the server span: that is what trace2test learns the requests from. The fault
 * switches change the code paths the way a bad commit would.
 */
export function createShopServer(config: PotatoShopConfig): Server {
  const store = new OrderStore(config.ordersFile, { host: config.dbHost, name: config.dbName });
  const tracer = trace.getTracer('potato-shop', '1.4.2');
  const leaks: NodeJS.Timeout[] = [];

  async function createOrder(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const span = trace.getActiveSpan();
    span?.setAttribute('http.route', '/orders');
    const body = await readJson(req);
    const userId = field(body, 'user.id');
    const likes = field(body, 'user.likes_potatoes');
    const items = field(body, 'cart.items');
    if (
      (typeof userId !== 'string' && typeof userId !== 'number') ||
      typeof likes !== 'boolean' ||
      typeof items !== 'number'
    ) {
      return sendJson(res, 400, {
        error: 'expected { user: { id, likes_potatoes: boolean }, cart: { items: number } }',
      });
    }
    span?.setAttributes({
      'user.id': String(userId),
      'user.likes_potatoes': likes,
      'cart.items': items,
    });
    await tracer.startActiveSpan('validate order', async (s) => {
      await work(1, 3);
      s.end();
    });
    const order = { id: store.allocateId(), userId: String(userId), items, potatoes: likes };
    await between();
    if (!config.dropDbWrite) await store.insert(order);
    await between();
    if (likes !== config.flipPotatoBranch) await orderPotatoes(String(userId));
    sendJson(res, 201, { id: order.id, status: 'accepted' });
    if (config.leakTraceContext) leakRefresh(context.active());
  }

  async function readOrder(id: string, res: ServerResponse): Promise<void> {
    trace.getActiveSpan()?.setAttributes({ 'http.route': '/orders/{id}', 'order.id': id });
    const order = /^\d+$/.test(id) ? await store.findById(Number(id)) : undefined;
    if (order === undefined) return sendJson(res, 404, { error: `no order ${id}` });
    sendJson(res, 200, order);
  }

  function orderPotatoes(userId: string): Promise<void> {
    const base = config.potatoHandlerUrl;
    if (base === undefined) return Promise.reject(new Error('POTATO_HANDLER_URL is not set'));
    const body = JSON.stringify({ user: { id: userId } });
    return new Promise((resolve, reject) => {
      const out = httpRequest(
        `${base.replace(/\/+$/, '')}/potatoes`,
        {
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            'content-length': Buffer.byteLength(body),
          },
        },
        (answer) => {
          answer.resume();
          answer.on('end', () =>
            (answer.statusCode ?? 500) < 300
              ? resolve()
              : reject(new Error(`potato handler answered ${answer.statusCode}`)),
          );
        },
      );
      out.on('error', reject);
      out.end(body);
    });
  }

  /** The LEAK_TRACE_CONTEXT bug: a timer started inside the request keeps its trace context. */
  function leakRefresh(ctx: Context): void {
    const timer = setInterval(
      () => context.with(ctx, () => tracer.startSpan('refresh inventory').end()),
      250,
    );
    timer.unref();
    leaks.push(timer);
  }

  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const handle = async () => {
      if (url.pathname === '/health') return sendJson(res, 200, { status: 'ok' });
      if (req.method === 'POST' && url.pathname === '/orders') return createOrder(req, res);
      const m = /^\/orders\/([^/]+)$/.exec(url.pathname);
      if (req.method === 'GET' && m) return readOrder(decodeURIComponent(m[1]), res);
      sendJson(res, 404, { error: `no route ${req.method} ${url.pathname}` });
    };
    handle().catch((e: Error) => {
      trace.getActiveSpan()?.recordException(e);
      if (!res.headersSent) sendJson(res, 500, { error: e.message });
    });
  });
  server.on('close', () => leaks.forEach((t) => clearInterval(t)));
  return server;
}
