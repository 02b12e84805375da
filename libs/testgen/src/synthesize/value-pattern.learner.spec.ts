import { learnValuePattern } from './value-pattern.learner';

const matchesAll = (pattern: string, values: string[]) =>
  values.every((v) => new RegExp(pattern).test(v));

describe(learnValuePattern.name, () => {
  it('keeps constant parts literal and generalises the varying ones', () => {
    const urls = ['17', '90210', '3', '404', '5150'].map(
      (id) => `http://cart-service:8080/carts/${id}`,
    );
    const p = learnValuePattern(urls)!;
    expect(p).toBe('^http://cart-service:8080/carts/\\d+$');
    expect(matchesAll(p, [...urls, 'http://cart-service:8080/carts/5'])).toBe(true);
    // Fewer values: a number that did not vary may still be an id.
    expect(learnValuePattern(urls.slice(0, 2))).toBe('^http://cart-service:\\d+/carts/\\d+$');
    expect(new RegExp(p).test('http://cart-service:8080/orders/5')).toBe(false);
  });

  it('recognises uuids and fixed-length hex', () => {
    expect(
      learnValuePattern([
        '9467d4e6-0d4e-4da5-bf57-e02a75c86c06',
        '465ebf2c-df98-467a-ab45-890cf18cf80e',
      ]),
    ).toBe('^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$');
    expect(learnValuePattern(['2499b1a9ad7d4cdc', 'cd7cb0ebb58fac9f'])).toBe('^[0-9a-f]{16}$');
  });

  it('treats id-like parts as varying even when one sample cannot show it', () => {
    expect(learnValuePattern(['/orders/123'])).toBe('^/orders/\\d+$');
    expect(learnValuePattern(['GET cart:465ebf2c-df98-467a-ab45-890cf18cf80e'])).toContain(
      '^GET cart:',
    );
  });

  it('gives up when the values do not share a shape, or would accept anything', () => {
    expect(learnValuePattern(['/a/b', '/a'])).toBeUndefined();
    expect(learnValuePattern([])).toBeUndefined();
  });
});
