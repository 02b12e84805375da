import { SpanKind, StatusCode, type Span } from '@t2t/domain';
import { observeTrace } from '../../test/trace.observer';
import type { GeneratedTrace } from '../generation/generated-trace.model';
import { generateTraces } from '../generation/trace.generator';
import { checkoutSystem } from '../systems/checkout.system';
import { potatoSystem } from '../systems/potato.system';
import { edgeKey } from '../truth/edge.format';
import { FaultNotApplicableError, canInjectFault, injectFault } from './fault.injector';

const potato = generateTraces(potatoSystem, { seed: 8, traces: 200 });
const checkout = generateTraces(checkoutSystem, { seed: 8, traces: 200 });
const likes = potato.find((t) => t.behaviour === 'likes-potatoes')!;
const noPotatoes = potato.find((t) => t.behaviour === 'no-potatoes')!;
const read = potato.find((t) => t.endpoint === 'api-gateway|HTTP GET /orders/{id}')!;

/** Spans of `after` compared with `before` by id: removed, added, and changed (deep inequality). */
function diff(before: GeneratedTrace, after: GeneratedTrace) {
  const a = new Map(before.spans.map((s) => [s.spanId, s]));
  const b = new Map(after.spans.map((s) => [s.spanId, s]));
  return {
    removed: [...a.keys()].filter((id) => !b.has(id)),
    added: [...b.keys()].filter((id) => !a.has(id)),
    changed: [...a.keys()].filter((id) => b.has(id) && !equal(a.get(id)!, b.get(id)!)),
  };
}

function equal(x: Span, y: Span): boolean {
  try {
    expect(y).toEqual(x);
    return true;
  } catch {
    return false;
  }
}

describe(injectFault.name, () => {
  it('drop-db-write removes exactly the first write and names its edge', () => {
    const before = structuredClone(likes.spans.map((s) => s.spanId));
    const { trace, change } = injectFault(likes, 'drop-db-write');
    if (change.kind !== 'drop-db-write') throw new Error('wrong kind');
    expect(change).toMatchObject({
      kind: 'drop-db-write',
      edge: {
        type: 'WRITES',
        from: 'order-writer',
        to: 'orders',
        entityKind: 'table',
        operation: 'INSERT',
      },
    });
    expect(diff(likes, trace)).toEqual({
      removed: change.removedSpanIds,
      added: [],
      changed: [],
    });
    expect(observeTrace(likes).edges.has(edgeKey(change.edge))).toBe(true);
    expect(observeTrace(trace).edges.has(edgeKey(change.edge))).toBe(false);
    // The input is untouched.
    expect(likes.spans.map((s) => s.spanId)).toEqual(before);
  });

  it('drop-db-write can target one entity, and refuses a trace without writes', () => {
    const { change } = injectFault(likes, 'drop-db-write', { entity: 'potato_orders' });
    expect(change).toMatchObject({
      edge: {
        from: 'potato-handler',
        to: 'potato_orders',
        entityKind: 'collection',
        operation: 'insert',
      },
    });
    expect(() => injectFault(read, 'drop-db-write')).toThrow(FaultNotApplicableError);
    expect(canInjectFault(read, 'drop-db-write')).toBe(false);
    expect(canInjectFault(likes, 'drop-db-write')).toBe(true);
  });

  it('extra-call adds a client and a server span under the entry span and nothing else', () => {
    const { trace, change } = injectFault(noPotatoes, 'extra-call', {
      target: { service: 'potato-handler', method: 'POST', route: '/potatoes' },
    });
    if (change.kind !== 'extra-call') throw new Error('wrong kind');
    expect(change).toEqual({
      kind: 'extra-call',
      addedSpanIds: expect.any(Array),
      edge: {
        type: 'CALLS',
        from: 'api-gateway|HTTP POST /orders',
        to: 'potato-handler|HTTP POST /potatoes',
        protocol: 'http',
        method: 'POST',
        route: '/potatoes',
      },
    });
    const d = diff(noPotatoes, trace);
    expect(d).toEqual({
      removed: [],
      added: change.addedSpanIds,
      changed: [],
    });
    const [client, server] = d.added.map((id) => trace.spans.find((s) => s.spanId === id)!);
    expect(client.parentSpanId).toBe(noPotatoes.spans[0].spanId);
    expect(client.kind).toBe(SpanKind.Client);
    expect(server.parentSpanId).toBe(client.spanId);
    expect(server.startTimeUnixNano).toBeGreaterThanOrEqual(client.startTimeUnixNano);
    expect(client.endTimeUnixNano).toBeLessThanOrEqual(noPotatoes.spans[0].endTimeUnixNano);
    expect(observeTrace(trace).endpoints.has('potato-handler|HTTP POST /potatoes')).toBe(true);
    expect(() =>
      injectFault(likes, 'extra-call', {
        target: { service: 'potato-handler', method: 'POST', route: '/potatoes' },
      }),
    ).toThrow(FaultNotApplicableError);
    // Deterministic ids.
    expect(injectFault(noPotatoes, 'extra-call').change).toEqual(
      injectFault(noPotatoes, 'extra-call').change,
    );
  });

  it('error-status marks a span and its ancestors, and only their status changes', () => {
    const { trace, change } = injectFault(likes, 'error-status');
    if (change.kind !== 'error-status') throw new Error('wrong kind');
    const d = diff(likes, trace);
    expect(d.removed).toEqual([]);
    expect(d.added).toEqual([]);
    expect([...d.changed].sort()).toEqual([...change.erroredSpanIds].sort());
    const byId = new Map(trace.spans.map((s) => [s.spanId, s]));
    const [origin, ...ancestors] = change.erroredSpanIds.map((id) => byId.get(id)!);
    expect(origin.kind).toBe(SpanKind.Client);
    expect(ancestors.at(-1)!.parentSpanId).toBe('');
    for (const s of [origin, ...ancestors]) {
      expect(s.status.code).toBe(StatusCode.Error);
      const original = likes.spans.find((x) => x.spanId === s.spanId)!;
      expect({ ...s, status: original.status }).toEqual(original);
    }
    const chosen = injectFault(likes, 'error-status', { spanId: likes.spans[1].spanId }).change;
    expect(chosen).toEqual({
      kind: 'error-status',
      erroredSpanIds: [likes.spans[1].spanId, likes.spans[0].spanId],
    });
  });

  it('flip-branch flips the deciding attribute where it is recorded and keeps the structure', () => {
    const { trace, change } = injectFault(likes, 'flip-branch');
    expect(change).toMatchObject({
      kind: 'flip-branch',
      at: 'order-service|HTTP POST /orders',
      condition: 'user.likes_potatoes = true',
      attribute: 'user.likes_potatoes',
      from: true,
      to: false,
      outcome: true,
    });
    if (change.kind !== 'flip-branch') throw new Error('wrong kind');
    // The entry span and the order-service span it was forwarded to.
    const d = diff(likes, trace);
    expect(d).toEqual({ removed: [], added: [], changed: change.changedSpanIds });
    expect(change.changedSpanIds).toHaveLength(2);
    for (const id of change.changedSpanIds) {
      const s = trace.spans.find((x) => x.spanId === id)!;
      expect(s.attributes['user.likes_potatoes']).toBe(false);
    }
    expect(trace.request['user.likes_potatoes']).toBe(false);
    expect(likes.request['user.likes_potatoes']).toBe(true);
    // Same structure, now violating the rule: the potato handler is still called.
    expect(trace.behaviour).toBe('likes-potatoes');
    expect(observeTrace(trace).endpoints.has('potato-handler|HTTP POST /potatoes')).toBe(true);
  });

  it('flip-branch flips choices and thresholds to a value the distribution can take', () => {
    const gift = checkout.find(
      (t) => t.behaviour.includes('gift-card') && !t.behaviour.includes('fraud'),
    )!;
    const small = injectFault(gift, 'flip-branch');
    expect(small.change).toMatchObject({
      attribute: 'cart.items',
      condition: 'cart.items >= 10',
      outcome: false,
      to: 10n,
    });
    const method = injectFault(gift, 'flip-branch', { decision: 1 });
    expect(method.change).toMatchObject({
      attribute: 'payment.method',
      from: 'gift-card',
      to: 'card',
      outcome: true,
    });
    expect(() => injectFault(read, 'flip-branch')).toThrow(FaultNotApplicableError);
  });
});
