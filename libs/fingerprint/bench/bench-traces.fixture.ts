/**
 * Synthetic traces for the fingerprint benchmark: a checkout-like system (gateway → checkout →
 * cart/pricing/inventory over HTTP, Postgres, Redis, Kafka to a billing consumer), with the noise
 * real traffic has: ids in URLs and keys, retries, pagination loops, concurrent fan-out, optional
 * calls. Seeded, so every run measures the same traces.
 */
import { entryEndpoint, spanLabel } from '../src/labels';
import type { AssembledSpan, AssembledTrace, SpanFacts } from '../src/trace.model';

/** A span before labelling: facts plus timing. */
export interface BenchSpan extends SpanFacts {
  spanId: string;
  startUs: number;
  durationUs: number;
  error: boolean;
}

/** mulberry32: a tiny seeded PRNG, so the workload is the same in every run. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function generateBenchTraces(count: number, seed = 42): BenchSpan[][] {
  const random = seededRandom(seed);
  const int = (n: number): number => Math.floor(random() * n);
  const hex = (len: number): string => {
    let s = '';
    for (let i = 0; i < len; i++) s += '0123456789abcdef'[int(16)];
    return s;
  };
  const traces: BenchSpan[][] = [];
  for (let t = 0; t < count; t++) {
    const spans: BenchSpan[] = [];
    let clock = 0;
    const add = (
      parent: BenchSpan | undefined,
      serviceName: string,
      kind: number,
      name: string,
      attributes: Record<string, string>,
      durationUs: number,
      startUs = clock,
    ): BenchSpan => {
      const span: BenchSpan = {
        spanId: hex(16),
        parentSpanId: parent?.spanId ?? '',
        name,
        kind,
        serviceName,
        attributes,
        startUs,
        durationUs,
        error: random() < 0.02,
      };
      spans.push(span);
      clock = startUs + durationUs + 5;
      return span;
    };
    const userId = String(int(1_000_000));
    const cartId = hex(24);
    const root = add(
      undefined,
      'gateway',
      2,
      `POST /checkout/${cartId}`,
      {
        'http.request.method': 'POST',
        'http.route': '/checkout/{cartId}',
        'url.path': `/checkout/${cartId}`,
        'user.id': userId,
      },
      0,
      0,
    );
    clock = 20;
    const call = add(
      root,
      'gateway',
      3,
      'POST',
      {
        'http.request.method': 'POST',
        'server.address': `10.0.${int(4)}.${int(250)}`,
        'peer.service': 'checkout',
        'url.full': `http://checkout:8080/orders/${cartId}?user=${userId}`,
      },
      0,
    );
    clock = call.startUs + 10;
    const server = add(
      call,
      'checkout',
      2,
      'POST /orders/:cartId',
      {
        'http.method': 'POST',
        'http.route': '/orders/:cartId',
        'http.target': `/orders/${cartId}`,
      },
      0,
    );
    clock = server.startUs + 5;
    add(
      server,
      'checkout',
      3,
      'GET',
      { 'db.system': 'redis', 'db.statement': `GET session:${hex(32)}` },
      120 + int(80),
    );
    // Concurrent fan-out: price and stock lookups for each item, started together.
    const items = int(11);
    const fanStart = clock;
    for (let i = 0; i < items; i++) {
      const itemId = String(int(99_999));
      const client = add(
        server,
        'checkout',
        3,
        'GET',
        {
          'http.request.method': 'GET',
          'server.address': 'inventory',
          'url.full': `http://inventory/items/${itemId}/stock`,
        },
        900 + int(600),
        fanStart + i * 3,
      );
      const inv = add(
        client,
        'inventory',
        2,
        'GET /items/{id}/stock',
        {
          'http.request.method': 'GET',
          'http.route': '/items/{id}/stock',
        },
        client.durationUs - 40,
        client.startUs + 20,
      );
      clock = inv.startUs + 5;
      add(
        inv,
        'inventory',
        3,
        'SELECT stock',
        {
          'db.system': 'postgresql',
          'db.statement': `SELECT qty FROM stock WHERE item_id = ${itemId}`,
        },
        300 + int(200),
      );
    }
    clock = fanStart + 2000;
    // Retries: the pricing call fails and is retried up to 3 times.
    for (let r = 1 + int(3); r > 0; r--) {
      add(
        server,
        'checkout',
        3,
        'POST',
        {
          'http.request.method': 'POST',
          'server.address': 'pricing',
          'url.full': `http://pricing/quote?cart=${cartId}`,
        },
        400 + int(300),
      );
    }
    // Pagination: read the order history page by page.
    for (let p = 1 + int(4); p > 0; p--) {
      add(
        server,
        'checkout',
        3,
        'SELECT orders',
        {
          'db.system.name': 'postgresql',
          'db.query.text': `SELECT * FROM orders WHERE user_id = $1 LIMIT 20 OFFSET ${p * 20}`,
        },
        200 + int(100),
      );
    }
    add(
      server,
      'checkout',
      3,
      'INSERT orders',
      {
        'db.system': 'postgresql',
        'db.statement': `INSERT INTO orders (id, user_id) VALUES ('${hex(8)}', ${userId})`,
      },
      500 + int(300),
    );
    if (random() < 0.5) {
      add(
        server,
        'checkout',
        3,
        'SET',
        { 'db.system': 'redis', 'db.statement': `SET cart:${cartId} ?` },
        90,
      );
    }
    const produce = add(
      server,
      'checkout',
      4,
      'orders publish',
      {
        'messaging.system': 'kafka',
        'messaging.operation': 'publish',
        'messaging.destination': 'orders',
      },
      300,
    );
    const consume = add(
      produce,
      'billing',
      5,
      'orders process',
      {
        'messaging.system': 'kafka',
        'messaging.operation.type': 'process',
        'messaging.destination.name': 'orders',
      },
      2000,
      produce.startUs + 3000 + int(5000),
    );
    clock = consume.startUs + 10;
    add(
      consume,
      'billing',
      3,
      'UPDATE accounts',
      {
        'db.system': 'postgresql',
        'db.operation': 'UPDATE',
        'db.sql.table': 'accounts',
      },
      700,
    );
    add(
      consume,
      'billing',
      3,
      'POST',
      {
        'http.method': 'POST',
        'http.url': `https://api.stripe.com/v1/charges/ch_${hex(24)}`,
        'net.peer.name': 'api.stripe.com',
      },
      900,
    );
    server.durationUs = clock - server.startUs;
    call.durationUs = server.durationUs + 20;
    root.durationUs = call.durationUs + 40;
    // Spans reach clustering in no particular order.
    for (let i = spans.length - 1; i > 0; i--) {
      const j = int(i + 1);
      [spans[i], spans[j]] = [spans[j], spans[i]];
    }
    traces.push(spans);
  }
  return traces;
}

/** Labels interned per distinct string, as clustering does at arrival. */
export function assembleBenchTrace(
  spans: BenchSpan[],
  traceIndex: number,
  intern: Map<string, string>,
): AssembledTrace {
  const internOf = (s: string): string => {
    const seen = intern.get(s);
    if (seen !== undefined) return seen;
    intern.set(s, s);
    return s;
  };
  const assembled: AssembledSpan[] = spans.map((s) => {
    const endpoint = entryEndpoint(s);
    const span: AssembledSpan = {
      spanId: s.spanId,
      parentSpanId: s.parentSpanId,
      label: internOf(spanLabel(s)),
      startUs: s.startUs,
      durationUs: s.durationUs,
      error: s.error,
    };
    if (endpoint !== undefined) span.endpoint = internOf(endpoint);
    return span;
  });
  return { traceId: traceIndex.toString(16).padStart(32, '0'), baseStartNs: 0n, spans: assembled };
}
