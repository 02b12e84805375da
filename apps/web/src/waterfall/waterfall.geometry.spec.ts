import { layoutWaterfall, timeTicks, type WaterfallSpan } from './waterfall.geometry';

const T0 = 1_767_225_600_123_456_789n;
const span = (
  spanId: string,
  parentSpanId: string | null,
  service: string,
  startUs: number,
  durationUs: number,
): WaterfallSpan => ({
  spanId,
  parentSpanId,
  name: `op ${spanId}`,
  service,
  kind: parentSpanId ? 'CLIENT' : 'SERVER',
  startTimeUnixNano: String(T0 + BigInt(startUs) * 1000n),
  durationNs: String(BigInt(durationUs) * 1000n),
  statusCode: 'UNSET',
});

describe(layoutWaterfall.name, () => {
  it('orders spans depth first, siblings by start, and places them on the trace’s time axis', () => {
    const w = layoutWaterfall([
      span('c2', 'root', 'orders', 600, 300),
      span('root', null, 'gateway', 0, 1000),
      span('c1', 'root', 'orders', 100, 400),
      span('g1', 'c1', 'db', 150, 100),
    ]);
    expect(w.rows.map((r) => [r.span.spanId, r.depth])).toEqual([
      ['root', 0],
      ['c1', 1],
      ['g1', 2],
      ['c2', 1],
    ]);
    expect(w.totalMs).toBe(1);
    const c1 = w.rows[1];
    expect([c1.offset, c1.width, c1.startMs, c1.durationMs]).toEqual([0.1, 0.4, 0.1, 0.4]);
    expect(w.services).toEqual(['gateway', 'orders', 'db']);
    expect(w.rows.map((r) => r.colour)).toEqual([0, 1, 2, 1]);
  });

  it('keeps nanosecond precision on epoch times beyond 2^53', () => {
    const w = layoutWaterfall([span('a', null, 's', 0, 2), span('b', 'a', 's', 1, 1)]);
    expect(w.rows[1].offset).toBe(0.5);
    expect(w.rows[1].width).toBe(0.5);
  });

  it('shows orphans as roots, survives cycles and empty traces', () => {
    const w = layoutWaterfall([
      span('x', 'missing', 's', 10, 5),
      span('p', 'q', 's', 0, 5),
      span('q', 'p', 's', 1, 5),
    ]);
    expect(w.rows.map((r) => r.span.spanId).sort()).toEqual(['p', 'q', 'x']);
    expect(w.rows.find((r) => r.span.spanId === 'x')?.depth).toBe(0);
    expect(layoutWaterfall([])).toEqual({ rows: [], totalMs: 0, services: [] });
  });
});

describe(timeTicks.name, () => {
  it('picks round steps', () => {
    expect(timeTicks(10)).toEqual([0, 2, 4, 6, 8, 10]);
    expect(timeTicks(0.9)).toEqual([0, 0.2, 0.4, 0.6, 0.8]);
    expect(timeTicks(1234)).toEqual([0, 500, 1000]);
    expect(timeTicks(0)).toEqual([0]);
  });
});
