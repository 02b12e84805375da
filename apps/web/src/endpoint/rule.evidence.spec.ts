import { counterExamples, measuredOn } from './rule.evidence';

describe(counterExamples.name, () => {
  it('names behaviours whose traces contradict the rule, and none when all agree', () => {
    expect(
      counterExamples({
        basis: 'all-traces',
        behaviours: [
          { fingerprint: 'aaaaaaaa11112222', effect: true, traces: 50, holds: 50 },
          { fingerprint: 'bbbbbbbb11112222', effect: false, traces: 80, holds: 0 },
        ],
      }),
    ).toEqual([]);
    expect(
      counterExamples({
        basis: 'all-traces',
        behaviours: [
          { fingerprint: 'aaaaaaaa11112222', effect: true, traces: 50, holds: 48 },
          { fingerprint: 'bbbbbbbb11112222', effect: false, traces: 80, holds: 3 },
        ],
      }),
    ).toEqual([
      'behaviour aaaaaaaa: 2 of 50 traces with the effect do not satisfy the condition',
      'behaviour bbbbbbbb: 3 of 80 traces satisfy the condition without the effect',
    ]);
    expect(counterExamples(null)).toEqual([]);
  });

  it('says what the figures were counted on', () => {
    expect(
      measuredOn({
        basis: 'all-traces',
        behaviours: [
          { fingerprint: 'a', effect: true, traces: 1200, holds: 1200 },
          { fingerprint: 'b', effect: false, traces: 30, holds: 0 },
        ],
      }),
    ).toBe('all stored traces: 1,230 traces in 2 behaviour(s)');
    expect(measuredOn(undefined)).toBe('samples (not measured)');
  });
});
