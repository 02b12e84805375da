import { chooseRepresentative } from './representative.chooser';
import type { SampledTrace } from './trace.sample';

function trace(
  hash: string,
  durationUs: number,
  flags: { error?: boolean; complete?: boolean } = {},
): SampledTrace {
  return {
    traceId: `t-${hash}`,
    hash: hash.padStart(16, '0'),
    durationUs,
    error: flags.error ?? false,
    complete: flags.complete ?? true,
  };
}

function permutations<T>(items: readonly T[]): T[][] {
  if (items.length <= 1) return [[...items]];
  return items.flatMap((item, i) =>
    permutations([...items.slice(0, i), ...items.slice(i + 1)]).map((rest) => [item, ...rest]),
  );
}

describe(chooseRepresentative.name, () => {
  it('prefers complete error-free traces even far from the median', () => {
    const clean = trace('3', 9_000);
    const candidates = [
      trace('1', 100, { error: true }),
      trace('2', 100, { complete: false }),
      clean,
    ];
    expect(chooseRepresentative(candidates, 100)).toBe(clean);
  });

  it('then complete traces with an error, then any', () => {
    const erroring = trace('2', 5_000, { error: true });
    expect(chooseRepresentative([trace('1', 100, { complete: false }), erroring], 100)).toBe(
      erroring,
    );
    const incomplete = trace('1', 100, { complete: false, error: true });
    expect(chooseRepresentative([incomplete], 100)).toBe(incomplete);
  });

  it('takes the duration closest to the median among equals', () => {
    const near = trace('9', 1_010);
    expect(chooseRepresentative([trace('1', 500), near, trace('2', 2_000)], 1_000)).toBe(near);
  });

  it('breaks ties by the smaller hash, in any input order', () => {
    const below = trace('0a', 900);
    const above = trace('0b', 1_100);
    const other = trace('01', 700);
    for (const order of permutations([above, below, other])) {
      expect(chooseRepresentative(order, 1_000)).toBe(below);
    }
  });

  it('returns undefined without candidates', () => {
    expect(chooseRepresentative([], 1_000)).toBeUndefined();
  });
});
