import type { TestSpec } from '@t2t/testgen';
import { fakeShopSpecs } from '../../test/fake-shop.target';
import { applicableSpecs } from './spec.applicability';

describe(applicableSpecs.name, () => {
  const { order, rule, journey } = fakeShopSpecs();
  const noLikes: TestSpec = {
    ...order,
    id: 'bhv-no-likes',
    covers: { behaviour: 'fp-plain' },
    setup: {
      ...order.setup,
      request: [{ name: 'user.likes_potatoes', value: 'false', role: 'pinned' }],
    },
  };
  const ids = (xs: { spec: TestSpec; reason: string }[]) =>
    xs.map((x) => `${x.spec.id}:${x.reason}`);

  it('judges a trace by its endpoint’s rules and by the behaviour test its request asks for', () => {
    const specs = [order, noLikes, rule];
    expect(ids(applicableSpecs(specs, { 'user.likes_potatoes': 'true' }, 'fp-anything'))).toEqual([
      `${rule.id}:rule`,
      `${order.id}:request`,
    ]);
    expect(ids(applicableSpecs(specs, { 'user.likes_potatoes': 'false' }, 'fp-likes'))).toEqual([
      `${rule.id}:rule`,
      'bhv-no-likes:request',
    ]);
    // A request no behaviour test pins: only the rule applies (the verifier reports it uncovered).
    expect(ids(applicableSpecs(specs, {}, 'fp-likes'))).toEqual([`${rule.id}:rule`]);
  });

  it('lets the fingerprint decide between tests that fit the request equally, and applies them all to an unknown structure', () => {
    const hit = {
      ...order,
      id: 'bhv-hit',
      covers: { behaviour: 'fp-hit' },
      setup: { ...order.setup, request: [] },
    };
    const miss = { ...hit, id: 'bhv-miss', covers: { behaviour: 'fp-miss' } };
    expect(ids(applicableSpecs([hit, miss], {}, 'fp-miss'))).toEqual(['bhv-miss:fingerprint']);
    expect(ids(applicableSpecs([hit, miss], {}, 'fp-new'))).toEqual([
      'bhv-hit:unknown-behaviour',
      'bhv-miss:unknown-behaviour',
    ]);
  });

  it('chooses journeys separately from behaviour tests', () => {
    const read = {
      ...order,
      id: 'bhv-read',
      endpoint: journey.endpoint,
      covers: { behaviour: 'fp-read' },
      setup: { ...order.setup, request: [] },
    };
    expect(ids(applicableSpecs([read, journey], {}, 'fp-read'))).toEqual([
      'bhv-read:request',
      `${journey.id}:request`,
    ]);
  });
});
