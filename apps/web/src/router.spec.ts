import { hrefOf, parseRoute, type Route } from './router';

describe(parseRoute.name, () => {
  it('reads back every route it writes, with keys that hold | / ? { } and spaces', () => {
    const routes: Route[] = [
      { view: 'map' },
      { view: 'map', service: 'storefront' },
      { view: 'endpoint', key: 'potato-shop|HTTP GET /orders/{id}' },
      { view: 'endpoint', key: 'storefront|HTTP POST /checkout', behaviour: 'ab12cd34ef56' },
      { view: 'entity', kind: 'TOPIC', name: 'order.placed' },
      { view: 'entity', kind: 'CACHE_PREFIX', name: 'cart:{id}' },
      { view: 'tests' },
      { view: 'tests', endpoint: 'a|HTTP GET /x?y', test: 'rule-a-1' },
      { view: 'runs' },
      { view: 'runs', run: '0f1e2d3c-aaaa-bbbb-cccc-000000000000' },
      { view: 'drift' },
      { view: 'drift', from: 2, to: 5 },
    ];
    for (const r of routes) {
      const parsed = parseRoute(hrefOf(r));
      expect(Object.fromEntries(Object.entries(parsed).filter(([, v]) => v !== undefined))).toEqual(
        r,
      );
    }
  });

  it('takes anything it does not know for the map', () => {
    expect(parseRoute('')).toEqual({ view: 'map', service: undefined });
    expect(parseRoute('#/nowhere')).toEqual({ view: 'map', service: undefined });
    expect(parseRoute('#/endpoint/')).toEqual({ view: 'map' });
    expect(parseRoute('#/endpoint/%E0%A4%A')).toEqual({ view: 'map' });
    expect(parseRoute('#/drift?from=x&to=-1')).toEqual({
      view: 'drift',
      from: undefined,
      to: undefined,
    });
  });
});
