import { attrs } from '../test/domain-spans.fixture';
import { attributeValueToString, attributesToStringMap } from './attribute-value.format';

describe(attributeValueToString.name, () => {
  it.each([
    ['a string as is', 'GET /a "b"', 'GET /a "b"'],
    ['an empty string', '', ''],
    ['true', true, 'true'],
    ['false', false, 'false'],
    ['an int', -42n, '-42'],
    ['an int past 2^53, exactly', 2n ** 63n - 1n, '9223372036854775807'],
    ['a double', 0.25, '0.25'],
    ['an integral double', 3, '3'],
    ['a large double', 1e21, '1e+21'],
    ['NaN', NaN, 'NaN'],
    ['-Infinity', -Infinity, '-Infinity'],
    ['bytes as base64', new Uint8Array([0, 1, 2, 250, 255]), 'AAEC+v8='],
    ['the empty value', null, ''],
    ['an empty array', [], '[]'],
    [
      'an array of every type',
      ['a"b', true, 2n ** 60n + 1n, 1.5, NaN, null, new Uint8Array([255]), [Infinity]],
      '["a\\"b",true,1152921504606846977,1.5,"NaN",null,"/w==",["Infinity"]]',
    ],
    [
      'a kvlist as an object in wire order, repeated and odd keys included',
      {
        kvlist: [
          ['z', 1n],
          ['__proto__', { kvlist: [] }],
          ['z', 'again'],
          ['', [null]],
        ],
      },
      '{"z":1,"__proto__":{},"z":"again","":[null]}',
    ],
  ] as const)('writes %s', (_what, value, expected) => {
    expect(attributeValueToString(value as never)).toBe(expected);
  });

  it('writes array JSON that parses back to the values (where JSON can hold them)', () => {
    const text = attributeValueToString(['x', 1n, 2.5, false, null, { kvlist: [['k', 'v']] }]);
    expect(JSON.parse(text)).toEqual(['x', 1, 2.5, false, null, { k: 'v' }]);
  });
});

describe(attributesToStringMap.name, () => {
  it('stringifies every value into a null-prototype object', () => {
    const map = attributesToStringMap(
      attrs([
        ['http.status_code', 200n],
        ['__proto__', true],
        ['tags', ['a', 'b']],
      ]),
    );
    expect(Object.getPrototypeOf(map)).toBeNull();
    expect({ ...map }).toEqual({
      'http.status_code': '200',
      ['__proto__']: 'true',
      tags: '["a","b"]',
    });
    expect(Object.keys(map)).toEqual(['http.status_code', '__proto__', 'tags']);
  });
});
