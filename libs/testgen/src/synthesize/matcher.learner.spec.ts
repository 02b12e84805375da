import { isClosed, learnAttributeMatcher, learnStatusMatcher } from './matcher.learner';

const options = { maxUnseenMass: 0.15, maxOneOf: 8 };
const times = <T>(n: number, v: T): T[] => Array.from({ length: n }, () => v);

describe(learnAttributeMatcher.name, () => {
  it('asserts a constant only with enough agreeing samples', () => {
    expect(learnAttributeMatcher(times(20, '200'), options)).toEqual({ equals: '200' });
    expect(learnAttributeMatcher(times(5, '200'), options)).toEqual({ type: 'int' });
    expect(learnAttributeMatcher(times(5, 'POST'), options)).toEqual({ regex: '^POST$' });
  });

  it('asserts a few values as oneOf when each was seen often enough', () => {
    expect(learnAttributeMatcher([...times(12, 'true'), ...times(12, 'false')], options)).toEqual({
      oneOf: ['false', 'true'],
    });
    // Four values in 20 samples: Witten–Bell says a fifth is too likely.
    const four = ['a', 'b', 'c', 'd'].flatMap((v) => times(5, `web-${v}`));
    expect(learnAttributeMatcher(four, options)).toEqual({ regex: '^[A-Za-z0-9_-]+$' });
  });

  it('falls back to a type, a regex or presence for values that vary', () => {
    expect(learnAttributeMatcher(['1', '2', '3', '4'], options)).toEqual({ type: 'int' });
    expect(learnAttributeMatcher(['1.5', '2', '-3e2'], options)).toEqual({ type: 'double' });
    expect(learnAttributeMatcher(['true', 'false'], options)).toEqual({ type: 'bool' });
    expect(learnAttributeMatcher(['/orders/1', '/orders/22'], options)).toEqual({
      regex: '^/orders/\\d+$',
    });
    expect(learnAttributeMatcher(['a b', 'a/b/c'], options)).toEqual({ present: true });
  });

  it('asserts nothing about an attribute some spans lack', () => {
    expect(learnAttributeMatcher(['1', undefined], options)).toBeUndefined();
  });
});

describe(isClosed.name, () => {
  it('needs both Good–Turing with the rule of three and Witten–Bell under the bound', () => {
    expect(isClosed(new Map([['x', 20]]), 20, options)).toBe(true);
    expect(
      isClosed(
        new Map([
          ['x', 19],
          ['y', 1],
        ]),
        20,
        options,
      ),
    ).toBe(false);
    expect(isClosed(new Map([['x', 19]]), 19, options)).toBe(false);
  });
});

describe(learnStatusMatcher.name, () => {
  it('"not an error" from cluster statistics, from a large enough sample, or for retries that recover', () => {
    expect(learnStatusMatcher([[0]], true, options)).toEqual({
      matcher: { oneOf: ['unset', 'ok'] },
      quantifier: 'all',
    });
    expect(learnStatusMatcher(times(20, [0]), false, options)).toEqual({
      matcher: { oneOf: ['unset', 'ok'] },
      quantifier: 'all',
    });
    expect(learnStatusMatcher(times(5, [0]), false, options)).toBeUndefined();
    expect(learnStatusMatcher(times(20, [2, 0]), false, options)).toEqual({
      matcher: { oneOf: ['unset', 'ok'] },
      quantifier: 'any',
    });
    expect(learnStatusMatcher(times(20, [2]), false, options)).toEqual({
      matcher: { equals: 'error' },
      quantifier: 'all',
    });
    expect(learnStatusMatcher([[2], [0]], false, options)).toBeUndefined();
  });
});
