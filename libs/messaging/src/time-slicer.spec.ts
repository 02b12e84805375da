import { TimeSlicer } from './time-slicer';

const busy = (ms: number) => {
  const until = performance.now() + ms;
  while (performance.now() < until);
};

describe(TimeSlicer.name, () => {
  it('is due once a slice has run its length, and a pause lets waiting callbacks run first', async () => {
    const slicer = new TimeSlicer(10);
    await slicer.pause();
    expect(slicer.due()).toBe(false);
    busy(15);
    expect(slicer.due()).toBe(true);
    let waited = false;
    setImmediate(() => (waited = true));
    await slicer.breathe();
    expect(waited).toBe(true);
    expect(slicer.due()).toBe(false);
  });

  it('does not let go of the loop before a slice has run', async () => {
    const slicer = new TimeSlicer(60_000);
    let waited = false;
    setImmediate(() => (waited = true));
    await slicer.breathe();
    expect(waited).toBe(false);
  });
});
