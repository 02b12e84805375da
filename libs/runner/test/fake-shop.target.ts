import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ModelSpan, ModelTrace } from '@t2t/model';
import type { SpanRow } from '@t2t/storage';
import type { HttpTrigger, TestSpec } from '@t2t/testgen';
import type { TraceSource } from '../src';

/**
 * Test doubles for the runner: a trace store in memory, and a tiny "instrumented" shop that records
 * the spans an OpenTelemetry SDK would for each request it gets (continuing the `traceparent` it
 * was sent) and hands them to a sink after a delay, as an exporter and a pipeline would. Faults
 * change what it records; `endless` keeps adding spans to the trace forever.
 */

export class MemoryTraceSource implements TraceSource {
  readonly traces = new Map<string, ModelSpan[]>();
  counts = 0;

  add(spans: readonly ModelSpan[]): void {
    for (const s of spans) this.traces.set(s.traceId, [...(this.traces.get(s.traceId) ?? []), s]);
  }

  async countSpans(traceId: string): Promise<number> {
    this.counts++;
    return this.traces.get(traceId)?.length ?? 0;
  }

  async readTrace(traceId: string): Promise<ModelTrace> {
    return { traceId, spans: [...(this.traces.get(traceId) ?? [])] };
  }
}

export interface FakeShopFaults {
  dropDbWrite?: boolean;
  flipPotatoBranch?: boolean;
  /** Record nothing at all (an uninstrumented target). */
  silent?: boolean;
  /** Keep adding a span to the trace every `endlessEveryMs` (a leaked trace context). */
  endless?: boolean;
}

export interface FakeShop {
  url: string;
  faults: FakeShopFaults;
  /** traceparent headers received, in order. */
  readonly received: string[];
  close(): Promise<void>;
}

const hex = (bytes: number) => randomBytes(bytes).toString('hex');

export async function startFakeShop(options: {
  sink: (spans: ModelSpan[]) => void | Promise<void>;
  /** Delay before the spans of a request reach the sink, ms (export + pipeline). */
  exportDelayMs?: number;
  endlessEveryMs?: number;
  faults?: FakeShopFaults;
}): Promise<FakeShop> {
  const faults: FakeShopFaults = { ...options.faults };
  const received: string[] = [];
  const timers = new Set<NodeJS.Timeout>();
  const orders = new Map<string, string>();
  let nextId = 100;
  const later = (fn: () => void, ms: number) => {
    const t = setTimeout(() => {
      timers.delete(t);
      fn();
    }, ms);
    timers.add(t);
  };
  const deliver = (spans: ModelSpan[]) =>
    later(() => void options.sink(spans), options.exportDelayMs ?? 20);

  const server: Server = createServer((req, res) => {
    void handle(req).then(({ status, body }) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    });
  });

  async function handle(req: IncomingMessage): Promise<{ status: number; body: unknown }> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const text = Buffer.concat(chunks).toString();
    const header = String(req.headers.traceparent ?? '');
    received.push(header);
    const m = /^00-([0-9a-f]{32})-([0-9a-f]{16})-01$/.exec(header);
    const traceId = m?.[1] ?? hex(16);
    const parent = m?.[2] ?? '';
    const now = BigInt(Date.now()) * 1_000_000n;
    const span = (over: Partial<ModelSpan> & Pick<ModelSpan, 'name' | 'service' | 'kind'>) =>
      ({
        traceId,
        spanId: hex(8),
        parentSpanId: '',
        startNs: now,
        durationNs: 2_000_000,
        statusCode: 0,
        attributes: {},
        links: [],
        ...over,
      }) satisfies ModelSpan;
    const url = new URL(req.url ?? '/', 'http://x');
    const spans: ModelSpan[] = [];
    let answer: { status: number; body: unknown };
    if (req.method === 'POST' && url.pathname === '/orders') {
      const body = JSON.parse(text || '{}') as {
        user?: { id?: unknown; likes_potatoes?: unknown };
      };
      const likes = body.user?.likes_potatoes === true;
      const id = String(nextId++);
      const entry = span({
        name: 'POST /orders',
        service: 'shop',
        kind: 2,
        parentSpanId: parent,
        durationNs: 10_000_000,
        attributes: {
          'http.request.method': 'POST',
          'http.route': '/orders',
          'user.id': String(body.user?.id),
          'user.likes_potatoes': String(likes),
        },
      });
      spans.push(entry);
      if (!faults.dropDbWrite) {
        orders.set(id, String(body.user?.id));
        spans.push(
          span({
            name: 'INSERT shop.orders',
            service: 'shop',
            kind: 3,
            parentSpanId: entry.spanId,
            startNs: now + 1_000_000n,
            attributes: {
              'db.system.name': 'postgresql',
              'db.operation.name': 'INSERT',
              'db.collection.name': 'orders',
            },
          }),
        );
      }
      if (likes !== Boolean(faults.flipPotatoBranch)) {
        spans.push(
          span({
            name: 'POST /potatoes',
            service: 'potato-handler',
            kind: 2,
            parentSpanId: entry.spanId,
            startNs: now + 4_000_000n,
            attributes: { 'http.request.method': 'POST', 'http.route': '/potatoes' },
          }),
        );
      }
      answer = { status: 201, body: { id: Number(id) } };
      if (faults.endless) {
        // Until the fault is switched off (or the shop closes): a leaked timer.
        const tick = () => {
          if (!faults.endless) return;
          void options.sink([
            span({ name: 'refresh', service: 'shop', kind: 1, parentSpanId: entry.spanId }),
          ]);
          later(tick, options.endlessEveryMs ?? 50);
        };
        later(tick, options.endlessEveryMs ?? 50);
      }
    } else if (req.method === 'GET' && /^\/orders\/\d+$/.test(url.pathname)) {
      const id = url.pathname.slice(8);
      const entry = span({
        name: 'GET /orders/{id}',
        service: 'shop',
        kind: 2,
        parentSpanId: parent,
        attributes: {
          'http.request.method': 'GET',
          'http.route': '/orders/{id}',
          'order.id': id,
          'http.response.status_code': orders.has(id) ? '200' : '404',
        },
      });
      spans.push(entry, {
        ...span({
          name: 'SELECT shop.orders',
          service: 'shop',
          kind: 3,
          parentSpanId: entry.spanId,
        }),
        attributes: {
          'db.system.name': 'postgresql',
          'db.operation.name': 'SELECT',
          'db.collection.name': 'orders',
        },
      });
      answer = orders.has(id)
        ? { status: 200, body: { id: Number(id), user: orders.get(id) } }
        : { status: 404, body: { error: 'no such order' } };
    } else {
      answer = { status: 404, body: { error: 'no route' } };
    }
    // Children first, entry span last: as SDKs export (a span is exported when it ends).
    if (!faults.silent) deliver(spans.slice(1).concat(spans.slice(0, 1)));
    return answer;
  }

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    faults,
    received,
    close: async () => {
      for (const t of timers) clearTimeout(t);
      timers.clear();
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    },
  };
}

/** Specs for the fake shop, as the generator would write them (hand-made, small). */
export function fakeShopSpecs(): {
  order: TestSpec;
  rule: TestSpec;
  journey: TestSpec;
} {
  const provenance = {
    generator: 'deterministic' as const,
    model: 'testgen-deterministic/1',
    evidenceTraceIds: [],
    modelVersion: '0123456789abcdef',
  };
  const http = (method: string, path: string, body?: unknown): HttpTrigger => ({
    type: 'http',
    service: 'shop',
    method,
    pathTemplate: path.replace(/\{\{[^}]+\}\}|\d+$/, '{id}'),
    path,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body }),
  });
  const insert = {
    id: 'a1',
    kind: 'exists' as const,
    description: 'writes the order (db postgresql INSERT orders)',
    select: { service: 'shop', kind: 'client' as const, semantic: 'db postgresql INSERT orders' },
  };
  const potatoes = { kind: 'server' as const, endpoint: 'potato-handler|HTTP POST /potatoes' };
  const setup = (likes: string) => ({
    request: [
      { name: 'user.id', value: '7', role: 'example' as const },
      { name: 'user.likes_potatoes', value: likes, role: 'pinned' as const, reason: 'constant' },
    ],
    fixtures: [{ name: 'user', values: { id: '7', likes_potatoes: likes }, requires: 'a user' }],
    state: [],
  });
  const order: TestSpec = {
    specVersion: 1,
    id: 'bhv-shop-post-orders-likes-00000001',
    name: 'POST /orders — likes potatoes',
    description: 'an order of a potato lover',
    endpoint: 'shop|HTTP POST /orders',
    covers: { behaviour: 'fp-likes' },
    setup: setup('true'),
    trigger: http('POST', '/orders', { user: { id: '{{user.id}}', likes_potatoes: true } }),
    assertions: [
      insert,
      {
        id: 'a2',
        kind: 'exists',
        description: 'calls potato-handler POST /potatoes',
        select: potatoes,
      },
    ],
    provenance,
  };
  const rule: TestSpec = {
    specVersion: 1,
    id: 'rule-shop-post-orders-potatoes-00000002',
    name: 'POST /orders — calls potato-handler only if user.likes_potatoes = true',
    description: 'the potato rule',
    endpoint: 'shop|HTTP POST /orders',
    covers: {
      rule: {
        endpoint: 'shop|HTTP POST /orders',
        at: 'shop|HTTP POST /orders',
        condition: 'user.likes_potatoes = true',
        effect: 'calls potato-handler POST /potatoes',
      },
    },
    setup: setup('true'),
    trigger: http('POST', '/orders', { user: { id: '{{user.id}}', likes_potatoes: true } }),
    variants: [
      {
        name: 'not (user.likes_potatoes = true)',
        trigger: http('POST', '/orders', { user: { id: '{{user.id}}', likes_potatoes: false } }),
        request: [
          { name: 'user.id', value: '7', role: 'example' },
          { name: 'user.likes_potatoes', value: 'false', role: 'pinned', reason: 'rule' },
        ],
      },
    ],
    assertions: [
      {
        id: 'a1',
        kind: 'conditional',
        description: 'calls potato-handler POST /potatoes only if user.likes_potatoes = true',
        when: { all: [{ attribute: 'user.likes_potatoes', op: '=', value: 'true' }] },
        then: [{ id: 'a2', kind: 'exists', description: 'calls potato-handler', select: potatoes }],
        else: [
          {
            id: 'a3',
            kind: 'absent',
            description: 'does not call potato-handler',
            select: potatoes,
          },
        ],
      },
    ],
    provenance,
  };
  const journey: TestSpec = {
    specVersion: 1,
    id: 'jrn-shop-orders-write-then-read-00000003',
    name: 'POST /orders then GET /orders/{id}',
    description: 'an order written is read back',
    endpoint: 'shop|HTTP GET /orders/{id}',
    covers: {
      behaviour: 'fp-read',
      journey: {
        entity: 'table orders',
        endpoints: ['shop|HTTP POST /orders', 'shop|HTTP GET /orders/{id}'],
      },
    },
    setup: { request: [], fixtures: order.setup.fixtures, state: [] },
    before: [
      {
        name: 'POST /orders',
        endpoint: 'shop|HTTP POST /orders',
        trigger: order.trigger,
        request: order.setup.request,
        assertions: [insert],
        captures: [{ name: 'order.id', from: 'response', path: 'id', observed: false }],
      },
    ],
    trigger: http('GET', '/orders/{{order.id}}'),
    assertions: [
      {
        id: 'a1',
        kind: 'attributes',
        description: 'the order is found',
        select: { entry: true },
        attributes: { 'http.response.status_code': { equals: '200' } },
      },
    ],
    provenance,
  };
  return { order, rule, journey };
}

/** A ModelSpan as the spans table stores it (what ingest would insert), for ClickHouse tests. */
export function toSpanRow(s: ModelSpan, service = s.service): SpanRow {
  const kinds = ['Unspecified', 'Internal', 'Server', 'Client', 'Producer', 'Consumer'];
  return {
    Timestamp: s.startNs.toString(),
    TraceId: s.traceId,
    SpanId: s.spanId,
    ParentSpanId: s.parentSpanId,
    TraceState: '',
    SpanName: s.name,
    SpanKind: kinds[s.kind] ?? 'Unspecified',
    ServiceName: service,
    ResourceAttributes: { 'service.name': service },
    ScopeName: 'fake',
    ScopeVersion: '1',
    SpanAttributes: s.attributes,
    Duration: String(s.durationNs),
    StatusCode: ['Unset', 'Ok', 'Error'][s.statusCode] ?? 'Unset',
    StatusMessage: '',
    'Events.Timestamp': [],
    'Events.Name': [],
    'Events.Attributes': [],
    'Links.TraceId': [],
    'Links.SpanId': [],
    'Links.TraceState': [],
    'Links.Attributes': [],
    Flags: 1,
    DroppedAttributesCount: 0,
    DroppedEventsCount: 0,
    DroppedLinksCount: 0,
    ScopeAttributes: {},
    ScopeDroppedAttributesCount: 0,
    ScopeSchemaUrl: '',
    ResourceDroppedAttributesCount: 0,
    ResourceSchemaUrl: '',
    'Events.DroppedAttributesCount': [],
    'Links.Flags': [],
    'Links.DroppedAttributesCount': [],
  };
}
