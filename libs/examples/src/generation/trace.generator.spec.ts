import { SpanKind, StatusCode, type Span } from '@t2t/domain';
import { bankSystem } from '../systems/bank.system';
import { checkoutSystem } from '../systems/checkout.system';
import { deliverySystem } from '../systems/delivery.system';
import { potatoSystem } from '../systems/potato.system';
import { railwaySystem } from '../systems/railway.system';
import type { GeneratedTrace } from './generated-trace.model';
import { DEFAULT_START_NS, generateTraces, iterateTraces } from './trace.generator';

const service = (s: Span) => s.resource.attributes['service.name'];
const byService = (trace: GeneratedTrace, name: string) =>
  trace.spans.filter((s) => service(s) === name);

/**
 * Every invariant a valid OTLP trace (and our ground truth) promises, as a list of violations:
 * one assertion at the end keeps a run over thousands of spans fast and its failure readable.
 */
function violations(traces: readonly GeneratedTrace[]): string[] {
  const out: string[] = [];
  const check = (ok: boolean, what: string) => {
    if (!ok) out.push(what);
  };
  const spansById = new Map<string, Span>();
  for (const t of traces) for (const s of t.spans) spansById.set(`${s.traceId}/${s.spanId}`, s);
  const traceIds = new Set<string>();
  for (const trace of traces) {
    const id = trace.traceId;
    check(/^[0-9a-f]{32}$/.test(id) && !/^0+$/.test(id), `${id}: not a 16-byte id`);
    check(!traceIds.has(id), `${id}: trace id used twice`);
    traceIds.add(id);
    const seen = new Set<string>();
    let roots = 0;
    for (const s of trace.spans) {
      const at = `${id}/${s.spanId}`;
      check(s.traceId === id, `${at}: span of another trace`);
      check(/^[0-9a-f]{16}$/.test(s.spanId) && !/^0+$/.test(s.spanId), `${at}: not an 8-byte id`);
      check(!seen.has(s.spanId), `${at}: span id used twice`);
      // Pre-order: the parent exists in the same trace and came earlier.
      if (s.parentSpanId === '') roots++;
      else check(seen.has(s.parentSpanId), `${at}: parent ${s.parentSpanId} missing`);
      seen.add(s.spanId);
      check(s.endTimeUnixNano >= s.startTimeUnixNano, `${at}: ends before it starts`);
      check(typeof s.resource.attributes['service.name'] === 'string', `${at}: no service.name`);
      check(s.scope.name !== '', `${at}: no scope name`);
    }
    check(roots === 1 && trace.spans[0].parentSpanId === '', `${id}: ${roots} roots`);
    const root = trace.spans[0];
    if (trace.linkedFrom === undefined) {
      check(root.links.length === 0, `${id}: unexpected link`);
      continue;
    }
    // The cross-trace case: a new trace whose root links to the producer span of another trace.
    const { traceId, spanId } = trace.linkedFrom;
    const producer = spansById.get(`${traceId}/${spanId}`);
    check(root.kind === SpanKind.Consumer, `${id}: linked root is not a consumer`);
    check(
      root.links.length === 1 &&
        root.links[0].traceId === traceId &&
        root.links[0].spanId === spanId,
      `${id}: bad link`,
    );
    check(
      producer?.kind === SpanKind.Producer && traceId !== id,
      `${id}: link target is not a producer of another trace`,
    );
  }
  return out;
}

describe(generateTraces.name, () => {
  describe('determinism', () => {
    it('the same seed gives identical output', () => {
      for (const system of [
        potatoSystem,
        checkoutSystem,
        bankSystem,
        deliverySystem,
        railwaySystem,
      ]) {
        const a = generateTraces(system, { seed: 7, traces: 200 });
        const b = generateTraces(system, { seed: 7, traces: 200 });
        expect(b).toEqual(a);
        expect(generateTraces(system, { seed: 7, traces: 50, noise: true })).toEqual(
          generateTraces(system, { seed: 7, traces: 50, noise: true }),
        );
      }
    });

    it('another seed gives other traces', () => {
      const a = generateTraces(checkoutSystem, { seed: 1, traces: 20 });
      const b = generateTraces(checkoutSystem, { seed: 2, traces: 20 });
      expect(b.map((t) => t.traceId)).not.toEqual(a.map((t) => t.traceId));
    });

    it('request i is the same whatever the count or chunking', () => {
      const all = generateTraces(checkoutSystem, { seed: 5, traces: 100 });
      const head = generateTraces(checkoutSystem, { seed: 5, traces: 40 });
      const tail = generateTraces(checkoutSystem, { seed: 5, traces: 60, firstIndex: 40 });
      expect([...head, ...tail]).toEqual(all);
      expect(all.filter((t) => t.requestIndex < 40)).toEqual(head);
    });

    it('iterateTraces streams the same traces', () => {
      expect([...iterateTraces(potatoSystem, { seed: 3, traces: 30 })]).toEqual(
        generateTraces(potatoSystem, { seed: 3, traces: 30 }),
      );
    });
  });

  describe('validity', () => {
    it.each([
      ['potato', potatoSystem, {}],
      ['checkout', checkoutSystem, {}],
      ['potato with noise', potatoSystem, { noise: true }],
      ['checkout with noise', checkoutSystem, { noise: true }],
      ['bank', bankSystem, {}],
      ['bank with noise', bankSystem, { noise: true }],
      ['delivery', deliverySystem, {}],
      ['railway with noise', railwaySystem, { noise: true }],
      [
        'railway with faults',
        railwaySystem,
        {
          faults: [
            { target: 'ts-preserve-service|HTTP POST /api/v1/preserve', probability: 0.2 },
            { target: 'api.bank.example', probability: 0.3 },
          ],
        },
      ],
      [
        'delivery with faults',
        deliverySystem,
        {
          faults: [
            { target: 'routing.maps.example', probability: 0.3 },
            { target: 'menu:{id}', probability: 0.2 },
          ],
        },
      ],
      [
        'checkout with faults',
        checkoutSystem,
        {
          faults: [
            { target: 'api.stripe.example', probability: 0.3 },
            { target: 'stock', probability: 0.2 },
          ],
        },
      ],
    ])('%s: ids, parents, links and times are valid', (_, system, options) => {
      expect(violations(generateTraces(system, { seed: 11, traces: 500, ...options }))).toEqual([]);
    });

    it('the check itself catches broken traces', () => {
      const [trace] = generateTraces(potatoSystem, { seed: 11, traces: 1 });
      const orphan = { ...trace.spans[1], parentSpanId: 'ffffffffffffffff' };
      const backwards = {
        ...trace.spans[2],
        endTimeUnixNano: trace.spans[2].startTimeUnixNano - 1n,
      };
      const broken = {
        ...trace,
        spans: [trace.spans[0], orphan, backwards, ...trace.spans.slice(3)],
      };
      expect(violations([broken])).toEqual([
        `${trace.traceId}/${orphan.spanId}: parent ffffffffffffffff missing`,
        `${trace.traceId}/${backwards.spanId}: ends before it starts`,
      ]);
    });

    it('starts request i inside its own slot from startNs', () => {
      const traces = generateTraces(potatoSystem, {
        seed: 1,
        traces: 100,
        ratePerSecond: 100,
        startNs: DEFAULT_START_NS,
      });
      for (const t of traces.filter((x) => x.linkedFrom === undefined)) {
        const slot = DEFAULT_START_NS + BigInt(t.requestIndex) * 10_000_000n;
        // The entry service's clock skew (at most 2 ms) shifts the recorded time.
        expect(t.spans[0].startTimeUnixNano).toBeGreaterThanOrEqual(slot - 2_000_000n);
        expect(t.spans[0].startTimeUnixNano).toBeLessThan(slot + 12_000_000n);
      }
    });
  });

  describe('realism', () => {
    const checkout = generateTraces(checkoutSystem, { seed: 21, traces: 1_000 });
    const potato = generateTraces(potatoSystem, { seed: 21, traces: 1_000 });

    it('carries the request attributes on the entry span and ids in the URL path', () => {
      const read = potato.find((t) => t.endpoint === 'api-gateway|HTTP GET /orders/{id}')!;
      expect(read.spans[0].attributes).toMatchObject({
        'http.request.method': 'GET',
        'http.route': '/orders/{id}',
        'url.path': `/orders/${String(read.request['order.id'])}`,
        'user.id': read.request['user.id'],
      });
      const order = potato.find((t) => t.endpoint === 'api-gateway|HTTP POST /orders')!;
      expect(order.spans[0].attributes['user.likes_potatoes']).toBe(
        order.request['user.likes_potatoes'],
      );
      expect(typeof order.spans[0].attributes['cart.items']).toBe('bigint');
    });

    it('mixes current and older semantic-convention names across services', () => {
      const trace = potato.find((t) => t.behaviour === 'likes-potatoes')!;
      const [gateway] = byService(trace, 'api-gateway');
      expect(gateway.attributes).toMatchObject({ 'http.request.method': 'POST' });
      const [orderServer] = byService(trace, 'order-service');
      expect(orderServer.attributes).toMatchObject({
        'http.method': 'POST',
        'http.target': '/orders',
      });
      expect(orderServer.attributes).not.toHaveProperty(['http.request.method']);
      const insert = byService(trace, 'order-writer').find((s) => s.kind === SpanKind.Client)!;
      expect(insert.attributes).toMatchObject({
        'db.system.name': 'postgresql',
        'db.operation.name': 'INSERT',
        'db.collection.name': 'orders',
      });
      expect(insert.attributes['db.query.text']).toMatch(/^INSERT INTO orders/);
      const mongo = byService(trace, 'potato-handler').find((s) => s.kind === SpanKind.Client)!;
      expect(mongo.attributes).toMatchObject({
        'db.system': 'mongodb',
        'db.operation': 'insert',
        'db.mongodb.collection': 'potato_orders',
      });
      const select = potato
        .find((t) => t.endpoint === 'api-gateway|HTTP GET /orders/{id}')!
        .spans.find((s) => s.attributes['db.system'] === 'postgresql')!;
      expect(select.attributes).toMatchObject({
        'db.operation': 'SELECT',
        'db.sql.table': 'orders',
      });
      expect(select.attributes['db.statement']).toMatch(/FROM orders WHERE id = \?/);
    });

    it('records cache commands with their key, messaging on both sides, and external calls', () => {
      const trace = checkout.find(
        (t) => t.behaviour.startsWith('cache-miss') && !t.behaviour.includes('declined'),
      )!;
      const redis = byService(trace, 'cart-service').filter(
        (s) => s.attributes['db.system.name'] === 'redis',
      );
      expect(redis.map((s) => s.attributes['db.query.text'])).toEqual([
        `GET cart:${String(trace.request['cart.id'])}`,
        `SET cart:${String(trace.request['cart.id'])}`,
      ]);
      const producer = trace.spans.find((s) => s.kind === SpanKind.Producer)!;
      expect(producer.attributes).toMatchObject({
        'messaging.system': 'kafka',
        'messaging.destination.name': 'order.placed',
      });
      const consumer = trace.spans.find((s) => s.kind === SpanKind.Consumer)!;
      expect(consumer.parentSpanId).toBe(producer.spanId);
      expect(consumer.attributes).toMatchObject({
        'messaging.destination': 'order.placed',
        'messaging.kafka.consumer_group': 'email',
      });
      expect(consumer.attributes['messaging.message_id']).toBe(
        producer.attributes['messaging.message.id'],
      );
      const stripe = trace.spans.find(
        (s) => s.attributes['net.peer.name'] === 'api.stripe.example',
      )!;
      expect(stripe.attributes).toMatchObject({
        'http.method': 'POST',
        'http.url': 'https://api.stripe.example/v1/charges',
      });
    });

    it('continues some consumers in the trace and starts a linked trace for others', () => {
      const linked = checkout.filter((t) => t.linkedFrom !== undefined);
      expect(linked.length).toBeGreaterThan(0);
      for (const t of linked) {
        expect(t.endpoint).toBe('analytics-service|CONSUME order.placed');
        const parent = checkout.find((p) => p.traceId === t.linkedFrom!.traceId)!;
        expect(parent.requestIndex).toBe(t.requestIndex);
        // After the producer ended, give or take the two services' clock skew (2 ms each at most).
        const producer = parent.spans.find((s) => s.spanId === t.linkedFrom!.spanId)!;
        expect(t.spans[0].startTimeUnixNano).toBeGreaterThan(producer.endTimeUnixNano - 4_000_000n);
      }
    });

    it('retries the external API 1-3 times, failing every attempt but the last', () => {
      const counts = new Map<number, number>();
      for (const t of checkout) {
        const attempts = t.spans.filter(
          (s) => s.attributes['net.peer.name'] === 'api.stripe.example',
        );
        if (attempts.length === 0) continue;
        counts.set(attempts.length, (counts.get(attempts.length) ?? 0) + 1);
        attempts.forEach((s, i) => {
          const last = i === attempts.length - 1;
          expect(s.status.code).toBe(last ? StatusCode.Unset : StatusCode.Error);
          expect(s.attributes['http.status_code']).toBe(last ? 200n : 503n);
          if (i > 0) expect(s.startTimeUnixNano).toBeGreaterThan(attempts[i - 1].endTimeUnixNano);
        });
      }
      expect([...counts.keys()].sort()).toEqual([1, 2, 3]);
      expect(counts.get(1)!).toBeGreaterThan(counts.get(2)! + counts.get(3)!);
    });

    it('paginates 1-5 pages and writes stock once per item (at most 5)', () => {
      const pages = new Set<number>();
      for (const t of checkout) {
        if (t.endpoint === 'storefront|HTTP GET /products') {
          pages.add(t.spans.filter((s) => s.name === 'SELECT products').length);
        }
        const updates = t.spans.filter((s) => s.name === 'UPDATE stock').length;
        if (updates > 0) expect(updates).toBe(Math.min(5, Number(t.request['cart.items'])));
      }
      expect([...pages].sort()).toEqual([1, 2, 3, 4, 5]);
    });

    it('runs concurrent steps concurrently', () => {
      const trace = checkout.find((t) => t.behaviour === 'cache-hit+card')!;
      const root = trace.spans[0];
      const [inventory, producer] = trace.spans
        .filter(
          (s) =>
            s.parentSpanId === root.spanId && (s.kind === SpanKind.Producer || s.name === 'POST'),
        )
        .slice(-2);
      expect(producer.startTimeUnixNano).toBeLessThan(inventory.endTimeUnixNano);
    });

    it('skews the clocks of services a little, so a server may start before its client', () => {
      let earlier = 0;
      for (const t of checkout) {
        const byId = new Map(t.spans.map((s) => [s.spanId, s]));
        for (const s of t.spans) {
          const parent = byId.get(s.parentSpanId);
          if (s.kind !== SpanKind.Server || parent === undefined) continue;
          const offset = s.startTimeUnixNano - parent.startTimeUnixNano;
          if (offset < 0n) earlier++;
          expect(offset > -5_000_000n && offset < 10_000_000n).toBe(true);
        }
      }
      expect(earlier).toBeGreaterThan(0);
    });

    it('uses one resource per service replica and a scope per instrumentation', () => {
      const resources = new Set(checkout.flatMap((t) => t.spans.map((s) => s.resource)));
      const instances = [...resources].map(
        (r) =>
          `${r.attributes['service.name'] as string}/${r.attributes['service.instance.id'] as string}`,
      );
      expect(new Set(instances).size).toBe(resources.size);
      expect(instances.filter((i) => i.startsWith('storefront/'))).toHaveLength(3);
      const scopes = new Set(byService(checkout[1], 'payment-service').map((s) => s.scope.name));
      expect(scopes).toEqual(
        new Set([
          'io.opentelemetry.grpc-1.6',
          'io.opentelemetry.jdbc',
          'io.opentelemetry.java-http-client',
        ]),
      );
    });

    it('declines some cards: the failure ends the checkout early without an error on the entry span', () => {
      const declined = checkout.find((t) => t.behaviour.endsWith('card-declined'))!;
      const [root] = declined.spans;
      expect(root.attributes['http.response.status_code']).toBe(402n);
      expect(root.status.code).toBe(StatusCode.Unset);
      const charge = declined.spans.find(
        (s) => s.kind === SpanKind.Server && service(s) === 'payment-service',
      )!;
      expect(charge.attributes['rpc.grpc.status_code']).toBe(9n);
      expect(charge.events.map((e) => e.attributes['exception.type'])).toEqual([
        'CardDeclinedException',
      ]);
      expect(declined.spans.some((s) => s.kind === SpanKind.Producer)).toBe(false);
    });
  });

  describe('noise', () => {
    it('leaves every behaviour id (and request) unchanged while changing timings, ids and retries', () => {
      for (const system of [
        potatoSystem,
        checkoutSystem,
        bankSystem,
        deliverySystem,
        railwaySystem,
      ]) {
        const plain = generateTraces(system, { seed: 9, traces: 1_000 });
        const noisy = generateTraces(system, { seed: 9, traces: 1_000, noise: true });
        expect(noisy.map((t) => [t.requestIndex, t.endpoint, t.behaviour])).toEqual(
          plain.map((t) => [t.requestIndex, t.endpoint, t.behaviour]),
        );
        expect(noisy.map((t) => t.request)).toEqual(plain.map((t) => t.request));
        expect(noisy[0].traceId).not.toBe(plain[0].traceId);
        expect(noisy[0].spans[0].endTimeUnixNano).not.toBe(plain[0].spans[0].endTimeUnixNano);
      }
      const spans = (ts: GeneratedTrace[]) => ts.map((t) => t.spans.length).join();
      expect(spans(generateTraces(checkoutSystem, { seed: 9, traces: 200, noise: true }))).not.toBe(
        spans(generateTraces(checkoutSystem, { seed: 9, traces: 200 })),
      );
    });

    it('adds decoy attributes to entry spans only, independent of the behaviour', () => {
      const traces = generateTraces(potatoSystem, { seed: 4, traces: 4_000, noise: true });
      const orders = traces.filter((t) => t.endpoint === 'api-gateway|HTTP POST /orders');
      for (const t of traces) {
        expect(Object.keys(t.noise).sort()).toEqual([
          'client.canary',
          'client.version',
          'request.nonce',
        ]);
        expect(t.spans[0].attributes).toMatchObject(t.noise);
        expect(t.spans.slice(1).some((s) => 'request.nonce' in s.attributes)).toBe(false);
      }
      // The decoy has the same 40% marginal as the potato preference, but predicts nothing.
      const likes = (ts: GeneratedTrace[]) =>
        ts.filter((t) => t.behaviour === 'likes-potatoes').length / ts.length;
      const canary = orders.filter((t) => t.noise['client.canary'] === true);
      const other = orders.filter((t) => t.noise['client.canary'] === false);
      expect(canary.length / orders.length).toBeCloseTo(0.4, 1);
      expect(Math.abs(likes(canary) - likes(other))).toBeLessThan(0.06);
      expect(new Set(orders.map((t) => t.noise['request.nonce'])).size).toBe(orders.length);
    });

    it('can add noise without decoy attributes', () => {
      const [t] = generateTraces(potatoSystem, {
        seed: 4,
        traces: 1,
        noise: { attributes: false },
      });
      expect(t.noise).toEqual({});
    });
  });

  describe('faults during generation', () => {
    it('fails the targeted step, propagates like an exception and labels the behaviour', () => {
      const traces = generateTraces(checkoutSystem, {
        seed: 2,
        traces: 300,
        faults: [{ target: 'api.stripe.example', probability: 1 }],
      });
      const card = traces.filter((t) =>
        t.decisions.some((d) => d.attribute === 'payment.method' && !d.outcome),
      );
      expect(card.length).toBeGreaterThan(0);
      for (const t of card) {
        expect(t.behaviour).toMatch(/\+card\+fault:api\.stripe\.example$/);
        expect(t.faults).toEqual(['api.stripe.example']);
        const stripe = t.spans.filter(
          (s) => s.attributes['net.peer.name'] === 'api.stripe.example',
        );
        expect(stripe).toHaveLength(3);
        expect(stripe.every((s) => s.status.code === StatusCode.Error)).toBe(true);
        expect(t.spans[0].status.code).toBe(StatusCode.Error);
        expect(t.spans[0].attributes['http.response.status_code']).toBe(502n);
      }
    });

    it('lets handlers recover: checkout goes on without fraud screening when the fraud service fails', () => {
      const traces = generateTraces(checkoutSystem, {
        seed: 2,
        traces: 300,
        faults: [{ target: 'fraud-service|HTTP POST /screenings', probability: 1 }],
      });
      const big = traces.filter(
        (t) =>
          t.endpoint === 'storefront|HTTP POST /checkout' && Number(t.request['cart.items']) >= 10,
      );
      expect(big.length).toBeGreaterThan(0);
      for (const t of big) {
        expect(t.behaviour).toContain(
          'fraud-screened+fault:fraud-service|HTTP POST /screenings+fraud-check-skipped',
        );
        expect(t.spans.some((s) => s.name === 'skip fraud screening')).toBe(true);
        expect(t.spans.some((s) => s.name === 'find risk.fraud_signals')).toBe(false);
      }
    });

    it('refuses a fault target the system does not have, or a probability outside [0, 1]', () => {
      const run = (target: string, probability: number) => () =>
        generateTraces(potatoSystem, { seed: 1, traces: 1, faults: [{ target, probability }] });
      expect(run('order', 0.5)).toThrow(
        /fault target 'order' is not in system 'potato' \(known: .*orders/,
      );
      expect(run('orders', 1.5)).toThrow(RangeError);
      expect(run('potato-handler|HTTP POST /potatoes', 1)).not.toThrow();
    });

    it('faults only the first iteration of a repeat', () => {
      const traces = generateTraces(checkoutSystem, {
        seed: 2,
        traces: 300,
        faults: [{ target: 'stock', probability: 1 }],
      });
      for (const t of traces.filter((x) => x.faults.includes('stock'))) {
        const updates = t.spans.filter((s) => s.name === 'UPDATE stock');
        expect(updates).toHaveLength(1);
        expect(updates[0].status.code).toBe(StatusCode.Error);
      }
    });
  });
});
