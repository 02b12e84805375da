import type { ModelSpan } from '@t2t/model';
import { MemoryTraceSource } from '../../test/fake-shop.target';
import { type Clock, TraceWaiter, TraceWaitError } from './trace.waiter';
import { DEFAULT_WAIT_OPTIONS, planWait } from './wait.plan';

/** A clock that only moves when the waiter sleeps; `at` schedules arrivals at virtual times. */
class FakeClock implements Clock {
  t = 0;
  private readonly due: { at: number; run: () => void }[] = [];

  now(): number {
    return this.t;
  }

  async sleep(ms: number): Promise<void> {
    this.t += ms;
    for (const d of this.due.filter((x) => x.at <= this.t)) {
      d.run();
      this.due.splice(this.due.indexOf(d), 1);
    }
  }

  at(ms: number, run: () => void): void {
    this.due.push({ at: ms, run });
  }
}

const span = (id: string, parent = '', trace = 't1'): ModelSpan => ({
  traceId: trace,
  spanId: id,
  parentSpanId: parent,
  service: 'shop',
  name: id,
  kind: parent === 'runner' || parent === '' ? 2 : 3,
  startNs: 0n,
  durationNs: 1,
  statusCode: 0,
  attributes: {},
  links: [],
});

describe(TraceWaiter.name, () => {
  const options = {
    ...DEFAULT_WAIT_OPTIONS,
    timeoutMs: 10_000,
    noSpansTimeoutMs: 5_000,
    settleMs: 1_000,
    pollMs: 100,
  };
  let clock: FakeClock;
  let source: MemoryTraceSource;
  let sut: TraceWaiter;

  beforeEach(() => {
    clock = new FakeClock();
    source = new MemoryTraceSource();
    sut = new TraceWaiter(source, clock);
  });

  it('returns once the count has been stable for the settle period, with the runner’s parent turned into a root', async () => {
    clock.at(300, () => source.add([span('db', 'entry'), span('entry', 'runner')]));
    clock.at(700, () => source.add([span('late', 'entry')]));
    const { trace, report } = await sut.waitFor(
      't1',
      planWait('shop|HTTP POST /orders', undefined, options),
      {
        rootParentSpanId: 'runner',
      },
    );
    expect(trace.spans.map((s) => [s.spanId, s.parentSpanId])).toEqual([
      ['db', 'entry'],
      ['entry', ''],
      ['late', 'entry'],
    ]);
    expect(report).toMatchObject({ spans: 3, lastSpanAfterMs: 700, missingParents: [] });
    expect(report.waitedMs).toBeGreaterThanOrEqual(1_700);
    expect(report.waitedMs).toBeLessThan(1_900);
  });

  it('does not call a trace complete before the endpoint’s learned duration has passed', async () => {
    // p95 3 s: the consumer's spans arrive 4 s after the request, long after a 1 s settle.
    clock.at(200, () => source.add([span('entry', 'runner')]));
    clock.at(4_000, () => source.add([span('consumer', 'entry')]));
    const plan = planWait('shop|HTTP POST /orders', 3_000, options);
    expect(plan.notBeforeMs).toBe(6_000);
    const { trace } = await sut.waitFor('t1', plan, { rootParentSpanId: 'runner' });
    expect(trace.spans).toHaveLength(2);
    expect(clock.t).toBeGreaterThanOrEqual(6_000);
  });

  it('fails as "never arrived" when no span is stored within the no-spans timeout', async () => {
    const plan = planWait('shop|HTTP POST /orders', undefined, options);
    const error = await sut.waitFor('t1', plan).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TraceWaitError);
    expect(error).toMatchObject({ reason: 'no-spans', spans: 0 });
    expect((error as Error).message).toMatch(
      /never arrived: no span of it was stored within 5\.0 s/,
    );
    expect(clock.t).toBeGreaterThanOrEqual(5_000);
    expect(clock.t).toBeLessThan(5_200);
  });

  it('fails as "still growing" when spans keep arriving until the timeout, and does not hang', async () => {
    for (let t = 100; t < 20_000; t += 300) clock.at(t, () => source.add([span(`s${t}`, 'entry')]));
    const plan = planWait('shop|HTTP POST /orders', undefined, options);
    const error = await sut.waitFor('t1', plan).catch((e: unknown) => e);
    expect(error).toMatchObject({ reason: 'still-growing' });
    expect((error as Error).message).toMatch(
      /never completed: it was still growing after 10 s \(\d+ spans stored/,
    );
    expect(clock.t).toBeLessThan(10_200);
  });

  it('waits a little for parents that have not arrived, then evaluates with the hole reported', async () => {
    clock.at(100, () => source.add([span('child', 'lost-parent')]));
    const { report } = await sut.waitFor('t1', planWait('e', undefined, options));
    expect(report.missingParents).toEqual(['lost-parent']);
    // Settle 1 s, then up to two settle periods for the parent.
    expect(report.waitedMs).toBeGreaterThanOrEqual(3_000);
  });

  it('returns as soon as a late parent fills the hole', async () => {
    clock.at(100, () => source.add([span('child', 'entry')]));
    clock.at(1_500, () => source.add([span('entry', 'runner')]));
    const { report } = await sut.waitFor('t1', planWait('e', undefined, options), {
      rootParentSpanId: 'runner',
    });
    expect(report.missingParents).toEqual([]);
    expect(report.waitedMs).toBeLessThan(2_700);
  });

  it('bounds the wait by the time left of the run', () => {
    const plan = planWait('e', 100_000, options, 4_000);
    expect(plan).toMatchObject({ timeoutMs: 4_000, noSpansTimeoutMs: 4_000, notBeforeMs: 15_000 });
    expect(plan.basis).toMatch(/learned: p95 100 s/);
  });
});
