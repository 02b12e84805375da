import { Fnv64, toHex64 } from './fnv64.hasher';

describe(Fnv64.name, () => {
  // Test vectors of FNV-1a 64 (draft-eastlake-fnv): 16-bit units equal bytes for ASCII.
  it.each([
    ['', 'cbf29ce484222325'],
    ['a', 'af63dc4c8601ec8c'],
    ['foobar', '85944171f73967e8'],
  ])('%j → %s', (input, expected) => {
    const h = new Fnv64();
    h.string(input);
    expect(h.hex()).toBe(expected);
  });

  it('resets', () => {
    const h = new Fnv64();
    h.string('x');
    h.reset().string('a');
    expect(h.hex()).toBe('af63dc4c8601ec8c');
  });

  it('mixes code units above 255 whole (unambiguously)', () => {
    const a = new Fnv64();
    a.string('\u0141');
    const b = new Fnv64();
    b.string('A\u0001');
    expect(a.hex()).not.toBe(b.hex());
  });

  it('writes 16 hex characters', () => {
    expect(toHex64(0, 1)).toBe('0000000000000001');
    expect(toHex64(0xffffffff, 0xabc)).toBe('ffffffff00000abc');
  });
});
