import { appendFileSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { SpanKind, SpanStatusCode, trace, type Tracer } from '@opentelemetry/api';
import { work } from './http.helpers';

export interface Order {
  id: number;
  userId: string;
  items: number;
  potatoes: boolean;
}

/**
 * Attributes a PostgreSQL client instrumentation records (stable database semantic conventions);
 * host and database name are the deployment's.
 */
function dbAttributes(host: string, name: string) {
  return {
    'db.system.name': 'postgresql',
    'db.namespace': name,
    'db.collection.name': 'orders',
    'server.address': host,
    'server.port': 5432,
  } as const;
}

/**
 * The shop's `orders` table: a JSON-lines file (so orders survive a restart, like a database),
 * read into memory at start. Each statement is a CLIENT span shaped like a database driver's,
 * created by hand because there is no real database to instrument.
 */
export class OrderStore {
  private readonly orders = new Map<number, Order>();
  private nextId = 1;
  private readonly tracer: Tracer = trace.getTracer('potato-shop-db', '1.0.0');

  private readonly db: ReturnType<typeof dbAttributes>;

  constructor(
    private readonly file: string,
    database: { host?: string; name?: string } = {},
  ) {
    this.db = dbAttributes(database.host || 'orders-db.internal', database.name || 'shop');
    mkdirSync(dirname(file), { recursive: true });
    if (existsSync(file)) {
      for (const line of readFileSync(file, 'utf8').split('\n')) {
        if (line.trim() === '') continue;
        const order = JSON.parse(line) as Order;
        this.orders.set(order.id, order);
        this.nextId = Math.max(this.nextId, order.id + 1);
      }
    }
  }

  /** A fresh order id (a sequence, as `nextval('orders_id_seq')` would give). */
  allocateId(): number {
    return this.nextId++;
  }

  async insert(order: Order): Promise<void> {
    await this.statement(
      'INSERT shop.orders',
      'INSERT',
      'INSERT INTO orders (id, user_id, items, potatoes) VALUES ($1, $2, $3, $4)',
      async () => {
        await work(4, 10);
        appendFileSync(this.file, `${JSON.stringify(order)}\n`);
        this.orders.set(order.id, order);
      },
    );
  }

  async findById(id: number): Promise<Order | undefined> {
    return this.statement(
      'SELECT shop.orders',
      'SELECT',
      'SELECT id, user_id, items, potatoes FROM orders WHERE id = $1',
      async () => {
        await work(2, 6);
        return this.orders.get(id);
      },
    );
  }

  private statement<T>(
    name: string,
    operation: string,
    text: string,
    run: () => Promise<T>,
  ): Promise<T> {
    return this.tracer.startActiveSpan(
      name,
      {
        kind: SpanKind.CLIENT,
        attributes: { ...this.db, 'db.operation.name': operation, 'db.query.text': text },
      },
      async (span) => {
        try {
          return await run();
        } catch (e) {
          span.recordException(e as Error);
          span.setStatus({ code: SpanStatusCode.ERROR, message: (e as Error).message });
          throw e;
        } finally {
          span.end();
        }
      },
    );
  }
}
