import {
  ENDPOINT,
  evidenceOf,
  request,
  seeded,
  type RequestSpec,
} from '../../test/synthetic-trace.fixture';
import type { ModelRule } from '../model.types';
import { mineRules } from './rule.miner';
import { resolveRuleMiningOptions } from './rule-mining.options';

const N = 400;

/** N requests whose attributes come from `draw`; the call happens when `decides` says so. */
function mine(
  draw: (random: () => number, i: number) => Omit<RequestSpec, 'effect'>,
  decides: (spec: Omit<RequestSpec, 'effect'>, random: () => number) => boolean,
  options = {},
): ModelRule[] {
  const random = seeded(42);
  const traces = Array.from({ length: N }, (_, i) => {
    const spec = draw(random, i);
    return request(i, { ...spec, effect: decides(spec, random) });
  });
  return mineRules(evidenceOf(traces), options);
}

const pick = <T>(random: () => number, values: readonly T[]): T =>
  values[Math.floor(random() * values.length)];

const summary = (rules: ModelRule[]) =>
  rules.map((r) => [r.at, r.condition, r.effect, r.confidence, r.falseRate]);

describe(mineRules.name, () => {
  it('finds an equality on a categorical attribute', () => {
    const rules = mine(
      (r) => ({
        attributes: { tier: pick(r, ['gold', 'silver', 'bronze']), region: pick(r, ['eu', 'us']) },
      }),
      (s) => s.attributes.tier === 'gold',
    );
    expect(summary(rules)).toEqual([[ENDPOINT, 'tier = gold', 'calls worker POST /jobs', 1, 0]]);
    expect(rules[0].atoms).toEqual([{ attribute: 'tier', op: '=', value: 'gold' }]);
    expect(rules[0].edge).toEqual({
      type: 'CALLS',
      from: ENDPOINT,
      to: 'worker|HTTP POST /jobs',
      protocol: 'http',
      method: 'POST',
      route: '/jobs',
      seenIn: [ENDPOINT],
    });
  });

  it('states an exclusion as != when no single value says it', () => {
    const rules = mine(
      (r) => ({ attributes: { tier: pick(r, ['gold', 'silver', 'bronze']) } }),
      (s) => s.attributes.tier !== 'gold',
    );
    expect(rules.map((r) => r.condition)).toEqual(['tier != gold']);
  });

  it('prefers `= true` to `!= false` for the same selection', () => {
    const rules = mine(
      (r) => ({ attributes: { 'user.vip': String(r() < 0.3) } }),
      (s) => s.attributes['user.vip'] === 'true',
    );
    expect(rules.map((r) => r.condition)).toEqual(['user.vip = true']);
  });

  it('puts a numeric threshold at an observed value', () => {
    const rules = mine(
      (r) => ({ attributes: { 'order.amount': String(1 + Math.floor(r() * 1000)) } }),
      (s) => Number(s.attributes['order.amount']) >= 500,
    );
    expect(rules).toHaveLength(1);
    const [atom] = rules[0].atoms;
    expect(atom.attribute).toBe('order.amount');
    expect(atom.op).toBe('>=');
    // The smallest amount at or above 500 that was drawn.
    expect(Number(atom.value)).toBeGreaterThanOrEqual(500);
    expect(Number(atom.value)).toBeLessThan(520);
  });

  it('counts support and rates from the traces', () => {
    const [rule] = mine(
      (r) => ({ attributes: { tier: pick(r, ['gold', 'silver']) } }),
      (s) => s.attributes.tier === 'gold',
    );
    expect(rule.support).toBeGreaterThan(150);
    expect(rule.support).toBeLessThan(250);
    expect([rule.confidence, rule.falseRate]).toEqual([1, 0]);
  });

  it('states nothing for a random effect, and nothing about attributes that decide nothing', () => {
    expect(
      mine(
        (r) => ({
          attributes: {
            tier: pick(r, ['gold', 'silver', 'bronze']),
            canary: String(r() < 0.4),
            'cart.items': String(1 + Math.floor(r() * 20)),
          },
        }),
        (_, r) => r() < 0.4,
      ),
    ).toEqual([]);
  });

  it('never uses ids or outcome attributes, however well they split', () => {
    // The call happens for the second half of the ids and whenever the response was 200: both
    // would be perfect predictors, neither is a cause.
    expect(
      mine(
        (_, i) => ({
          attributes: {
            'order.id': String(1_000 + i),
            'session.uuid': `3f2a${String(i).padStart(4, '0')}-7c1e-4b8e-9a0d-1234567890ab`,
            'http.response.status_code': i % 3 === 0 ? '200' : '500',
          },
        }),
        (s) =>
          Number(s.attributes['order.id']) >= 1_200 ||
          s.attributes['http.response.status_code'] === '200',
      ),
    ).toEqual([]);
  });

  it('does not state a rule with too little evidence', () => {
    const rules = mine(
      (r) => ({ attributes: { tier: r() < 0.03 ? 'platinum' : 'gold' } }),
      (s) => s.attributes.tier === 'platinum',
    );
    expect(rules).toEqual([]);
    // The same split with a lower bar is found.
    const relaxed = mine(
      (r) => ({ attributes: { tier: r() < 0.03 ? 'platinum' : 'gold' } }),
      (s) => s.attributes.tier === 'platinum',
      { minSupport: 5 },
    );
    expect(relaxed.map((r) => r.condition)).toEqual(['tier = platinum']);
  });

  it('reads attributes of handler spans that come before the branch', () => {
    const rules = mine(
      (r) => ({
        attributes: {},
        before: [
          { 'feature_flag.key': 'fast-jobs', 'feature_flag.variant': pick(r, ['on', 'off']) },
        ],
      }),
      (s) => s.before![0]['feature_flag.variant'] === 'on',
    );
    expect(rules.map((r) => r.condition)).toEqual(['feature_flag.variant = on']);
  });

  it('ignores handler spans after the branch, even when they tell the arms apart', () => {
    const random = seeded(7);
    const traces = Array.from({ length: N }, (_, i) => {
      const effect = random() < 0.5;
      return request(i, { attributes: {}, effect, after: { 'job.queued': String(effect) } });
    });
    expect(mineRules(evidenceOf(traces))).toEqual([]);
  });

  it('finds a nested condition as a conjunction', () => {
    const draw = (r: () => number) => ({
      attributes: { vip: r() < 0.5 ? 'yes' : 'no', n: String(1 + Math.floor(r() * 6)) },
    });
    const decides = (s: Omit<RequestSpec, 'effect'>) =>
      s.attributes.vip === 'yes' && Number(s.attributes.n) > 3;
    const rules = mine(draw, decides);
    expect(rules).toHaveLength(1);
    // Both atoms are necessary; which comes first depends on which splits better alone.
    expect([...rules[0].condition.split(' and ')].sort()).toEqual(['n >= 4', 'vip = yes']);
    expect(mine(draw, decides, { conjunctions: false })).toEqual([]);
  });

  it('weights sampled traces by the traffic they stand for', () => {
    const random = seeded(3);
    const traces = Array.from({ length: N }, (_, i) => {
      const tier = pick(random, ['gold', 'silver']);
      // Gold requests call the worker 90% of the time: P(call | gold) = 0.9.
      return request(i, { attributes: { tier }, effect: tier === 'gold' && random() < 0.9 });
    });
    const evidence = evidenceOf(traces);
    const [rule] = mineRules(evidence);
    const exact = rule.confidence;
    // Keep 30 samples of the busy "without" behaviour but say it stands for all of its traces:
    // the weighted confidence stays where it was instead of jumping towards 1.
    const without = evidence.find((e) => e.fingerprint === 'without-call')!;
    const reduced = evidence.map((e) =>
      e === without ? { ...e, samples: e.samples.slice(0, 30) } : e,
    );
    const gold = without.samples
      .slice(0, 30)
      .filter((t) => t.spans[0].attributes.tier === 'gold').length;
    expect(gold).toBeGreaterThan(0);
    const [weighted] = mineRules(reduced, { minSupport: 5 });
    expect(Math.abs(weighted.confidence - exact)).toBeLessThan(0.06);
  });
});

describe(resolveRuleMiningOptions.name, () => {
  it('names every bad option', () => {
    expect(() => resolveRuleMiningOptions({ minSupport: 0, maxFalseRate: 2 })).toThrow(
      'invalid rule mining options: minSupport=0, maxFalseRate=2',
    );
  });
});
