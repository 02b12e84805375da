import { describeCondition, negate, satisfies } from './condition.evaluator';
import { compare, is } from './system.dsl';

describe(satisfies.name, () => {
  it('compares booleans and strings by equality', () => {
    expect(satisfies(is('a', true), true)).toBe(true);
    expect(satisfies(is('a', true), false)).toBe(false);
    expect(satisfies(compare('m', '!=', 'gift-card'), 'card')).toBe(true);
  });

  it('compares OTLP ints (bigint) and doubles numerically', () => {
    expect(satisfies(compare('n', '>=', 10), 10n)).toBe(true);
    expect(satisfies(compare('n', '>=', 10), 9n)).toBe(false);
    expect(satisfies(compare('n', '<', 2.5), 2)).toBe(true);
    expect(satisfies(is('n', 3), 3n)).toBe(true);
    expect(satisfies(is('n', '3'), 3n)).toBe(false);
  });

  it('treats an absent attribute as satisfying only !=', () => {
    expect(satisfies(is('a', true), undefined)).toBe(false);
    expect(satisfies(compare('a', '!=', true), undefined)).toBe(true);
    expect(satisfies(compare('a', '>', 0), undefined)).toBe(false);
  });
});

describe(negate.name, () => {
  it('negates operators and states boolean negations positively', () => {
    expect(describeCondition(negate(is('user.likes_potatoes', true)))).toBe(
      'user.likes_potatoes = false',
    );
    expect(describeCondition(negate(compare('x', '!=', false)))).toBe('x = false');
    expect(describeCondition(negate(is('payment.method', 'gift-card')))).toBe(
      'payment.method != gift-card',
    );
    expect(describeCondition(negate(compare('cart.items', '>=', 10)))).toBe('cart.items < 10');
    for (const value of [1n, 9n, 10n, 11n]) {
      expect(satisfies(negate(compare('c', '>', 9)), value)).toBe(
        !satisfies(compare('c', '>', 9), value),
      );
    }
  });
});
