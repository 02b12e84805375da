import {
  describeCondition,
  evaluateAtom,
  evaluateCondition,
  parseNumber,
} from './rule-condition.evaluator';

describe(evaluateAtom.name, () => {
  it.each([
    [{ attribute: 'a', op: '=', value: 'x' }, 'x', true],
    [{ attribute: 'a', op: '=', value: 'x' }, 'y', false],
    [{ attribute: 'a', op: '=', value: 'x' }, undefined, false],
    [{ attribute: 'a', op: '!=', value: 'x' }, undefined, true],
    [{ attribute: 'a', op: '>=', value: '10' }, '10', true],
    [{ attribute: 'a', op: '>=', value: '10' }, '9.5', false],
    [{ attribute: 'a', op: '<', value: '10' }, '9.5', true],
    [{ attribute: 'a', op: '<', value: '10' }, 'ten', false],
    [{ attribute: 'a', op: '>=', value: '10' }, undefined, false],
  ] as const)('%j on %s is %s', (atom, value, expected) => {
    expect(evaluateAtom(atom, value)).toBe(expected);
  });
});

describe(evaluateCondition.name, () => {
  it('is a conjunction over a record or a map', () => {
    const atoms = [
      { attribute: 'vip', op: '=', value: 'yes' },
      { attribute: 'n', op: '>=', value: '4' },
    ] as const;
    expect(evaluateCondition(atoms, { vip: 'yes', n: '4' })).toBe(true);
    expect(evaluateCondition(atoms, new Map([['vip', 'yes']]))).toBe(false);
    expect(describeCondition(atoms)).toBe('vip = yes and n >= 4');
  });
});

describe(parseNumber.name, () => {
  it('reads numbers written as numbers only', () => {
    expect(['1', '-2.5', '1e3', '.5', '', '0x1f', 'Infinity', '1 '].map(parseNumber)).toEqual([
      1,
      -2.5,
      1000,
      0.5,
      undefined,
      undefined,
      undefined,
      undefined,
    ]);
  });
});
