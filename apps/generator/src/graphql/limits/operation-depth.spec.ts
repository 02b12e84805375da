import { getIntrospectionQuery, parse } from 'graphql';
import { operationDepth } from './operation-depth';

describe(operationDepth.name, () => {
  it.each([
    ['{ a }', 1],
    ['{ a { b } c }', 2],
    ['{ a { b { c } } d { e } }', 3],
    ['query Q { a { ... on T { b { c } } } }', 3],
    ['{ a { ...F } } fragment F on T { b { c { d } } }', 4],
    ['{ __schema { types { fields { type { fields { type { name } } } } } } }', 7],
  ])('%s is %d deep', (query, depth) => {
    expect(operationDepth(parse(query))).toBe(depth);
  });

  it('measures the named operation', () => {
    const doc = parse('query A { a } query B { a { b { c } } }');
    expect(operationDepth(doc, 'A')).toBe(1);
    expect(operationDepth(doc, 'B')).toBe(3);
  });

  it('does not count the ofType chain, so tools can introspect within the default limit', () => {
    expect(
      operationDepth(parse('{ __type(name: "X") { ofType { ofType { ofType { name } } } } }')),
    ).toBe(2);
    expect(operationDepth(parse(getIntrospectionQuery()))).toBeLessThanOrEqual(8);
  });
});
