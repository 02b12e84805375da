import { DEFAULT_WAIT_OPTIONS, planWait } from './wait.plan';

describe(planWait.name, () => {
  it('uses the floors when the endpoint has no stored traces', () => {
    expect(planWait('shop|HTTP GET /x', undefined, DEFAULT_WAIT_OPTIONS)).toEqual({
      endpoint: 'shop|HTTP GET /x',
      p95Ms: undefined,
      notBeforeMs: 0,
      settleMs: 6_000,
      noSpansTimeoutMs: 20_000,
      timeoutMs: 45_000,
      pollMs: 250,
      basis: 'no stored traces of shop|HTTP GET /x: settle 6.0 s (floor)',
    });
  });

  it('learns the wait from the p95: complete no earlier than 2 × p95, settle at least half the p95', () => {
    const fast = planWait('e', 40, DEFAULT_WAIT_OPTIONS);
    expect(fast).toMatchObject({ p95Ms: 40, notBeforeMs: 80, settleMs: 6_000 });
    const slow = planWait('e', 16_000, { ...DEFAULT_WAIT_OPTIONS, maxSettleMs: 60_000 });
    expect(slow).toMatchObject({ notBeforeMs: 32_000, settleMs: 8_000 });
    expect(slow.basis).toBe(
      'learned: p95 16 s of stored e traces → complete no earlier than 32 s, settle 8.0 s',
    );
  });

  it('caps the learned parts', () => {
    const plan = planWait('e', 600_000, DEFAULT_WAIT_OPTIONS);
    expect(plan).toMatchObject({ notBeforeMs: 15_000, settleMs: 15_000 });
  });
});
