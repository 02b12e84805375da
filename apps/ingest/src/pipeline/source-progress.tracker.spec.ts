import { SourceProgressTracker } from './source-progress.tracker';

describe('SourceProgressTracker', () => {
  it('stamps each record with the largest start so far when chunks arrive in order', () => {
    const t = new SourceProgressTracker(0);
    expect(t.stamp('spans/0', [10n, 20n, 30n])).toEqual([10n, 20n, 30n]);
    expect(t.stamp('spans/0', [40n, 50n])).toEqual([40n, 50n]);
    // Another source has its own progress.
    expect(t.stamp('spans/1', [5n])).toEqual([5n]);
  });

  it('holds stamps at the earliest start read within the reorder window', () => {
    let now = 0;
    const t = new SourceProgressTracker(10_000, () => now);
    // Batch 1 (times 100–190) read; batch 3 overtakes batch 2.
    expect(t.stamp('spans/0', [100n, 190n])).toEqual([100n, 190n]);
    now = 1_000;
    expect(t.stamp('spans/0', [300n, 390n])).toEqual([100n, 100n]);
    // Batch 2 arrives: its traces continue batch 1's, and event time has not passed batch 1.
    now = 2_000;
    expect(t.stamp('spans/0', [200n, 290n])).toEqual([100n, 100n]);
    // Past the window, the old chunks no longer hold the stamp.
    now = 11_500;
    expect(t.stamp('spans/0', [400n])).toEqual([200n]);
    now = 15_000;
    expect(t.stamp('spans/0', [500n])).toEqual([400n]);
    now = 41_000;
    expect(t.stamp('spans/0', [510n])).toEqual([510n]);
  });

  it('never stamps above what in-order stamping would', () => {
    let now = 0;
    const t = new SourceProgressTracker(5_000, () => now);
    const free = new SourceProgressTracker(0);
    for (const chunk of [[50n, 60n], [10n, 70n], [80n], [20n, 90n]]) {
      now += 1_000;
      const held = t.stamp('s', chunk);
      const plain = free.stamp('s', chunk);
      held.forEach((h, i) => expect(h <= plain[i]).toBe(true));
    }
  });
});
