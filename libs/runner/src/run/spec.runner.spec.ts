import { validateTestSpec } from '@t2t/testgen';
import {
  fakeShopSpecs,
  type FakeShop,
  MemoryTraceSource,
  startFakeShop,
} from '../../test/fake-shop.target';
import { expectTrace } from '../expect/trace.expectation';
import { CaptureError, RunSetupError, UnsupportedTriggerError } from '../trigger/trigger.errors';
import { TraceWaitError } from '../wait/trace.waiter';
import { evaluateRun } from './run.evaluation';
import { SpecRunner } from './spec.runner';

describe(SpecRunner.name, () => {
  const specs = fakeShopSpecs();
  let source: MemoryTraceSource;
  let shop: FakeShop;
  let sut: SpecRunner;

  beforeEach(async () => {
    source = new MemoryTraceSource();
    shop = await startFakeShop({ sink: (spans) => source.add(spans), exportDelayMs: 20 });
    sut = new SpecRunner({
      traces: source,
      wait: { settleMs: 60, pollMs: 10, timeoutMs: 3_000, noSpansTimeoutMs: 500 },
    });
  });
  afterEach(() => shop.close());

  it('the fixtures are valid specs', () => {
    for (const spec of Object.values(specs))
      expect(validateTestSpec(spec)).toEqual({ ok: true, spec });
  });

  it('sends the trigger with a fresh sampled traceparent and reads the complete trace back', async () => {
    const a = await sut.run(specs.order, { baseUrl: shop.url });
    const b = await sut.run(specs.order, { baseUrl: shop.url });
    expect(shop.received).toHaveLength(2);
    for (const h of shop.received) expect(h).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/);
    expect(a.traceId).not.toBe(b.traceId);
    expect(shop.received[0]).toContain(a.traceId);
    expect(a).toMatchObject({
      specId: specs.order.id,
      endpoint: 'shop|HTTP POST /orders',
      request: { 'user.id': '7', 'user.likes_potatoes': 'true' },
      steps: [],
      response: { status: 201, json: { id: expect.any(Number) } },
    });
    expect(a.trace.spans.map((s) => s.name).sort()).toEqual([
      'INSERT shop.orders',
      'POST /orders',
      'POST /potatoes',
    ]);
    // The span that received the request is the root: the runner's own parent is never exported.
    expect(a.trace.spans.find((s) => s.name === 'POST /orders')!.parentSpanId).toBe('');
    expectTrace(a).toSatisfy(specs.order);
  });

  it('runs a variant with its own request, which the conditional reads', async () => {
    const run = await sut.run(specs.rule, {
      baseUrl: shop.url,
      variant: 'not (user.likes_potatoes = true)',
    });
    expect(run.request['user.likes_potatoes']).toBe('false');
    expect(run.trace.spans.some((s) => s.service === 'potato-handler')).toBe(false);
    expect(evaluateRun(specs.rule, run)).toMatchObject({ passed: true, failures: 0 });
  });

  it('runs journey steps first and feeds their captures to the next trigger', async () => {
    const run = await sut.run(specs.journey, { baseUrl: shop.url });
    expect(run.steps).toHaveLength(1);
    const id = run.steps[0].captured['order.id'];
    expect(id).toMatch(/^\d+$/);
    expect(run.trace.spans.find((s) => s.parentSpanId === '')!.attributes['order.id']).toBe(id);
    expectTrace(run).toSatisfy(specs.journey);
  });

  it('reports a dropped write by the failing step and the spec, naming the missing span', async () => {
    shop.faults.dropDbWrite = true;
    const run = await sut.run(specs.journey, { baseUrl: shop.url });
    let message = '';
    try {
      expectTrace(run).toSatisfy(specs.journey);
    } catch (e) {
      message = (e as Error).message;
    }
    expect(message).toContain('journey step 1 "POST /orders"');
    expect(message).toContain('✗ writes the order (db postgresql INSERT orders) [a1]');
    expect(message).toContain('semantic="db postgresql INSERT orders"');
    expect(message).toMatch(/http\.response\.status_code .*404/);
  });

  it('applies variable overrides to the request it reports', async () => {
    const run = await sut.run(specs.order, { baseUrl: shop.url, variables: { 'user.id': '99' } });
    expect(run.request['user.id']).toBe('99');
    expect(run.trace.spans.find((s) => s.name === 'POST /orders')!.attributes['user.id']).toBe(
      '99',
    );
  });

  it('fails clearly without a base URL, for an unknown variant and for triggers it cannot send', async () => {
    await expect(sut.run(specs.order, { baseUrl: undefined })).rejects.toThrow(
      new RunSetupError(
        'trigger: no base URL for service shop: pass baseUrl (emitted Jest files read it from T2T_TARGET_URL; the CLI from --target)',
      ),
    );
    await expect(sut.run(specs.order, { baseUrl: shop.url, variant: 'nope' })).rejects.toThrow(
      /has no variant "nope"/,
    );
    const grpc = {
      ...specs.order,
      trigger: {
        type: 'grpc' as const,
        service: 'shop',
        grpcService: 'shop.Orders',
        method: 'Create',
        message: {},
        metadata: {},
      },
    };
    await expect(sut.run(grpc, { baseUrl: shop.url })).rejects.toThrow(UnsupportedTriggerError);
    const message = {
      ...specs.order,
      trigger: {
        type: 'message' as const,
        system: 'kafka',
        topic: 'orders',
        value: {},
        headers: {},
      },
    };
    await expect(sut.run(message, { baseUrl: shop.url })).rejects.toThrow(/needs a Kafka client/);
  });

  it('a capture that does not hold says so, and that the binding was assumed', async () => {
    const spec = structuredClone(specs.journey);
    spec.before![0].captures[0].path = 'order.number';
    const error = await sut.run(spec, { baseUrl: shop.url }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CaptureError);
    expect((error as Error).message).toMatch(
      /journey step 1 "POST \/orders" did not yield order\.id: the response \(status 201\) has no scalar field "order\.number".*assumed, not observed/s,
    );
  });

  it('a target that records nothing fails as "never arrived", one whose trace never stops growing as "still growing"', async () => {
    shop.faults.silent = true;
    const silent = await sut.run(specs.order, { baseUrl: shop.url }).catch((e: unknown) => e);
    expect(silent).toBeInstanceOf(TraceWaitError);
    expect(silent).toMatchObject({ reason: 'no-spans' });

    shop.faults.silent = false;
    // A trace whose stored span count grows between any two polls, however slowly they come (a
    // timer-driven endless trace could pause past the settle period on a busy machine).
    class GrowingSource extends MemoryTraceSource {
      override async countSpans(traceId: string): Promise<number> {
        const n = await super.countSpans(traceId);
        return n === 0 ? 0 : n + this.counts;
      }
    }
    const growing = new GrowingSource();
    const endlessShop = await startFakeShop({
      sink: (spans) => growing.add(spans),
      exportDelayMs: 20,
    });
    try {
      const runner = new SpecRunner({
        traces: growing,
        wait: { settleMs: 60, pollMs: 10, timeoutMs: 3_000, noSpansTimeoutMs: 500 },
      });
      const endless = await runner
        .run(specs.order, { baseUrl: endlessShop.url, timeoutMs: 800 })
        .catch((e: unknown) => e);
      expect(endless).toMatchObject({ reason: 'still-growing' });
    } finally {
      await endlessShop.close();
    }
  });
});
