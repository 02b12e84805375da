import type { ModelRule, RuleAtom } from '../model.types';
import { evaluateCondition } from './rule-condition.evaluator';
import { measureRules, roundestBetween, type RuleStatsSource } from './rule.measurer';

const OPTIONS = { minConfidence: 0.8, maxFalseRate: 0.01 };

/** Every trace of the period: its behaviour and its attributes. */
interface StoredTrace {
  fingerprint: string;
  attributes: Record<string, string>;
}

/** A RuleStatsSource over traces held in memory, with libs/model's own condition semantics. */
function sourceOver(traces: readonly StoredTrace[]): RuleStatsSource & { calls: string[] } {
  const calls: string[] = [];
  return {
    calls,
    numericRanges: async ({ attribute, fingerprints }) => {
      calls.push(`ranges ${attribute}`);
      const out = [];
      for (const fingerprint of [...fingerprints].sort()) {
        const values = traces
          .filter((t) => t.fingerprint === fingerprint)
          .map((t) => Number(t.attributes[attribute]))
          .filter((n) => Number.isFinite(n));
        if (values.length === 0) continue;
        out.push({
          fingerprint,
          count: values.length,
          min: Math.min(...values),
          max: Math.max(...values),
        });
      }
      return Promise.resolve(out);
    },
    conditionCounts: async ({ atoms, fingerprints }) => {
      calls.push(`counts ${atoms.map((a) => `${a.attribute} ${a.op} ${a.value}`).join(' and ')}`);
      return Promise.resolve(
        [...fingerprints].sort().map((fingerprint) => {
          const own = traces.filter((t) => t.fingerprint === fingerprint);
          return {
            fingerprint,
            traces: own.length,
            holds: own.filter((t) => evaluateCondition(atoms, t.attributes)).length,
          };
        }),
      );
    },
  };
}

function rule(
  atoms: RuleAtom[],
  behaviours: { fingerprint: string; effect: boolean }[],
): ModelRule {
  return {
    endpoint: 'gateway|HTTP POST /orders',
    at: 'orders|HTTP POST /orders',
    condition: atoms.map((a) => `${a.attribute} ${a.op} ${a.value}`).join(' and '),
    atoms,
    effect: 'calls review POST /reviews',
    edge: {
      type: 'CALLS',
      from: 'orders|HTTP POST /orders',
      to: 'review|HTTP POST /reviews',
      protocol: 'http',
      method: 'POST',
      route: '/reviews',
      seenIn: ['gateway|HTTP POST /orders'],
    },
    support: 20,
    confidence: 1,
    falseRate: 0,
    measured: {
      basis: 'samples',
      behaviours: behaviours.map((b) => ({ ...b, traces: 20, holds: b.effect ? 20 : 0 })),
    },
  };
}

/** Amounts drawn evenly from [0, 1000): the review happens from 250 on. */
function amounts(n: number): StoredTrace[] {
  return Array.from({ length: n }, (_, i) => {
    const amount = ((i * 7919) % 100_000) / 100;
    return {
      fingerprint: amount >= 250 ? 'reviewed' : 'plain',
      attributes: { 'order.amount': String(amount) },
    };
  });
}

describe(measureRules.name, () => {
  it('moves a threshold found at a sampled value to the roundest number between the classes of all traces', async () => {
    // The samples' smallest reviewed amount was 263.41: every trace from 250 to 263.40 would be
    // misjudged by `>= 263.41`.
    const mined = rule(
      [{ attribute: 'order.amount', op: '>=', value: '263.41' }],
      [
        { fingerprint: 'plain', effect: false },
        { fingerprint: 'reviewed', effect: true },
      ],
    );
    const traces = amounts(20_000);
    const reviewed = traces.filter((t) => t.fingerprint === 'reviewed').length;
    const source = sourceOver(traces);
    const { rules, dropped } = await measureRules([mined], source, OPTIONS);
    expect(dropped).toEqual([]);
    expect(rules).toHaveLength(1);
    const [r] = rules;
    expect(r.condition).toBe('order.amount >= 250');
    expect(r.atoms).toEqual([{ attribute: 'order.amount', op: '>=', value: '250' }]);
    expect(r.confidence).toBe(1);
    expect(r.falseRate).toBe(0);
    expect(r.support).toBe(reviewed);
    expect(r.measured).toEqual({
      basis: 'all-traces',
      behaviours: [
        { fingerprint: 'plain', effect: false, traces: 20_000 - reviewed, holds: 0 },
        { fingerprint: 'reviewed', effect: true, traces: reviewed, holds: reviewed },
      ],
    });
    expect(source.calls).toEqual(['ranges order.amount', 'counts order.amount >= 250']);
  });

  it('places `<` thresholds the other way round', async () => {
    const traces = amounts(5_000).map((t) => ({
      ...t,
      fingerprint: t.fingerprint === 'plain' ? 'reviewed' : 'plain',
    }));
    const mined = rule(
      [{ attribute: 'order.amount', op: '<', value: '231.7' }],
      [
        { fingerprint: 'plain', effect: false },
        { fingerprint: 'reviewed', effect: true },
      ],
    );
    const { rules } = await measureRules([mined], sourceOver(traces), OPTIONS);
    expect(rules[0].condition).toBe('order.amount < 250');
    expect(rules[0].falseRate).toBe(0);
  });

  it('measures categorical rules on every trace and keeps their condition', async () => {
    const tiers = ['gold', 'silver', 'bronze', 'basic'];
    const traces = Array.from({ length: 4_000 }, (_, i) => ({
      fingerprint: tiers[i % 4] === 'gold' ? 'fast-lane' : 'standard',
      attributes: { 'customer.tier': tiers[i % 4] },
    }));
    const mined = rule(
      [{ attribute: 'customer.tier', op: '!=', value: 'gold' }],
      [
        { fingerprint: 'fast-lane', effect: false },
        { fingerprint: 'standard', effect: true },
      ],
    );
    const source = sourceOver(traces);
    const { rules } = await measureRules([mined], source, OPTIONS);
    expect(rules[0].condition).toBe('customer.tier != gold');
    expect(rules[0].support).toBe(3_000);
    expect(rules[0].measured?.basis).toBe('all-traces');
    expect(source.calls).toEqual(['counts customer.tier != gold']);
  });

  it('drops a rule that does not hold over all traffic, and keeps sampled figures when nothing is stored', async () => {
    // Classes overlap: 10% of the plain behaviour's traces are also above the threshold.
    const traces = amounts(2_000).map((t, i) =>
      i % 10 === 0 && t.fingerprint === 'plain'
        ? { ...t, attributes: { 'order.amount': '900' } }
        : t,
    );
    const mined = rule(
      [{ attribute: 'order.amount', op: '>=', value: '263.41' }],
      [
        { fingerprint: 'plain', effect: false },
        { fingerprint: 'reviewed', effect: true },
      ],
    );
    const overlapping = await measureRules([mined], sourceOver(traces), OPTIONS);
    expect(overlapping.rules).toEqual([]);
    expect(overlapping.dropped).toHaveLength(1);
    expect(overlapping.dropped[0].reason).toMatch(/over all traffic confidence 0\.9\d\d/);

    const nothing = await measureRules([mined], sourceOver([]), OPTIONS);
    expect(nothing.rules).toEqual([mined]);
  });
});

describe(roundestBetween.name, () => {
  it.each([
    [249.8, 250.1, 250],
    [9, 10, 10],
    [99, 100, 100],
    [0.51, 0.58, 0.55],
    [12.34, 12.36, 12.35],
    [-5, -2, -4],
    [1000, 1e6, 1e6],
    [0.1, 0.3, 0.2],
  ])('(%p, %p] → %p', (lo, hi, expected) => {
    const t = roundestBetween(lo, hi);
    expect(t).toBe(expected);
    expect(t > lo && t <= hi).toBe(true);
  });
});
