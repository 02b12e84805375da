import { layoutGraph, pathOf } from './graph.layout';
import type { MapModel } from './map.types';
import { buildSystemGraph, entityNodeId, mergeGraphs, serviceNodeId } from './system.graph';

/** A shop: a gateway calling orders (which writes a table and publishes) and a consumer. */
const shop: MapModel = {
  services: [
    { name: 'gateway', endpoints: ['gateway|HTTP POST /checkout'] },
    { name: 'orders', endpoints: ['orders|HTTP POST /orders'] },
    { name: 'mailer', endpoints: ['mailer|CONSUME order.placed'] },
  ],
  endpoints: [
    {
      key: 'gateway|HTTP POST /checkout',
      service: 'gateway',
      kind: 'HTTP',
      entry: true,
      traces: 90,
    },
    { key: 'orders|HTTP POST /orders', service: 'orders', kind: 'HTTP', entry: false, traces: 0 },
    {
      key: 'mailer|CONSUME order.placed',
      service: 'mailer',
      kind: 'CONSUME',
      entry: true,
      traces: 40,
    },
  ],
  entities: [
    { kind: 'TABLE', name: 'orders', system: 'postgresql' },
    { kind: 'TOPIC', name: 'order.placed', system: 'kafka' },
  ],
  edges: [
    {
      id: 'CALLS gateway|HTTP POST /checkout -> orders|HTTP POST /orders',
      type: 'CALLS',
      from: 'gateway|HTTP POST /checkout',
      to: 'orders|HTTP POST /orders',
      entityKind: null,
    },
    {
      id: 'WRITES orders -> table orders (INSERT)',
      type: 'WRITES',
      from: 'orders',
      to: 'orders',
      entityKind: 'TABLE',
    },
    {
      id: 'PUBLISHES orders -> order.placed',
      type: 'PUBLISHES',
      from: 'orders',
      to: 'order.placed',
      entityKind: null,
    },
    {
      id: 'CONSUMES mailer -> order.placed',
      type: 'CONSUMES',
      from: 'mailer',
      to: 'order.placed',
      entityKind: null,
    },
    {
      id: 'CALLS_EXTERNAL mailer -> api.mail.example',
      type: 'CALLS_EXTERNAL',
      from: 'mailer',
      to: 'api.mail.example',
      entityKind: null,
    },
  ],
  rules: [
    {
      endpoint: 'gateway|HTTP POST /checkout',
      condition: 'cart.items >= 10',
      effect: 'calls orders POST /orders',
      edge: { id: 'CALLS gateway|HTTP POST /checkout -> orders|HTTP POST /orders' },
    },
  ],
};

describe(buildSystemGraph.name, () => {
  it('draws services with their endpoints, entities, and one edge per model edge', () => {
    const g = buildSystemGraph(shop);
    expect(g.nodes.map((n) => n.id)).toEqual([
      'service:gateway',
      'service:mailer',
      'service:orders',
      'entity:EXTERNAL_API:api.mail.example',
      'entity:TABLE:orders',
      'entity:TOPIC:order.placed',
    ]);
    const gateway = g.nodes.find((n) => n.id === serviceNodeId('gateway'))!;
    expect(gateway.rows).toEqual([
      {
        key: 'gateway|HTTP POST /checkout',
        label: 'HTTP POST /checkout',
        entry: true,
        status: 'same',
      },
    ]);
    // An entity named like a service stays apart from it.
    expect(g.nodes.find((n) => n.id === entityNodeId('TABLE', 'orders'))?.detail).toBe(
      'table · postgresql',
    );
    expect(g.edges.map((e) => [e.from, e.to])).toEqual([
      ['service:gateway', 'service:orders'],
      ['service:orders', 'entity:TABLE:orders'],
      ['service:orders', 'entity:TOPIC:order.placed'],
      // Consumed: drawn from the topic to its consumer.
      ['entity:TOPIC:order.placed', 'service:mailer'],
      ['service:mailer', 'entity:EXTERNAL_API:api.mail.example'],
    ]);
  });

  it('labels an edge a rule decides with the rule’s condition', () => {
    const g = buildSystemGraph(shop);
    expect(g.edges.filter((e) => e.label).map((e) => [e.id, e.label])).toEqual([
      ['CALLS gateway|HTTP POST /checkout -> orders|HTTP POST /orders', 'if cart.items >= 10'],
    ]);
  });

  it('keeps a node and its neighbours when focused on it', () => {
    const g = buildSystemGraph(shop, serviceNodeId('mailer'));
    expect(g.nodes.map((n) => n.id).sort()).toEqual([
      'entity:EXTERNAL_API:api.mail.example',
      'entity:TOPIC:order.placed',
      'service:mailer',
    ]);
    expect(g.edges).toHaveLength(2);
    expect(buildSystemGraph(shop, 'service:nobody')).toEqual({ nodes: [], edges: [] });
  });
});

describe(mergeGraphs.name, () => {
  it('marks what only the newer version has as added and what only the older had as removed', () => {
    const newer: MapModel = {
      ...shop,
      services: [...shop.services, { name: 'fraud', endpoints: ['fraud|HTTP POST /checks'] }],
      endpoints: [
        ...shop.endpoints,
        { key: 'fraud|HTTP POST /checks', service: 'fraud', kind: 'HTTP', entry: false, traces: 0 },
      ],
      edges: [
        ...shop.edges.filter((e) => e.type !== 'CALLS_EXTERNAL'),
        {
          id: 'CALLS gateway|HTTP POST /checkout -> fraud|HTTP POST /checks',
          type: 'CALLS',
          from: 'gateway|HTTP POST /checkout',
          to: 'fraud|HTTP POST /checks',
          entityKind: null,
        },
      ],
      entities: shop.entities,
    };
    const g = mergeGraphs(buildSystemGraph(shop), buildSystemGraph(newer));
    const status = (id: string) => g.nodes.find((n) => n.id === id)?.status;
    expect(status('service:fraud')).toBe('added');
    expect(status('entity:EXTERNAL_API:api.mail.example')).toBe('removed');
    expect(status('service:gateway')).toBe('same');
    expect(g.nodes.find((n) => n.id === 'service:fraud')?.rows[0].status).toBe('added');
    const edge = (id: string) => g.edges.find((e) => e.id === id)?.status;
    expect(edge('CALLS gateway|HTTP POST /checkout -> fraud|HTTP POST /checks')).toBe('added');
    expect(edge('CALLS_EXTERNAL mailer -> api.mail.example')).toBe('removed');
    expect(edge('WRITES orders -> table orders (INSERT)')).toBe('same');
  });
});

describe(layoutGraph.name, () => {
  it('places every node without overlaps, routes every edge and makes room for rule labels', () => {
    const placed = layoutGraph(buildSystemGraph(shop));
    expect(placed.nodes).toHaveLength(6);
    for (const a of placed.nodes) {
      expect(a.x).toBeGreaterThanOrEqual(0);
      expect(a.y).toBeGreaterThanOrEqual(0);
      expect(a.x + a.width).toBeLessThanOrEqual(placed.width + 0.5);
      expect(a.y + a.height).toBeLessThanOrEqual(placed.height + 0.5);
      for (const b of placed.nodes) {
        if (a === b) continue;
        const apart =
          a.x + a.width <= b.x ||
          b.x + b.width <= a.x ||
          a.y + a.height <= b.y ||
          b.y + b.height <= a.y;
        expect({ a: a.id, b: b.id, apart }).toEqual({ a: a.id, b: b.id, apart: true });
      }
    }
    for (const e of placed.edges) {
      expect(e.points.length).toBeGreaterThanOrEqual(2);
      expect(pathOf(e.points)).toMatch(/^M[\d.]+,[\d.]+( L[\d.]+,[\d.]+)+$/);
    }
    const ruled = placed.edges.find((e) => e.label)!;
    expect(ruled.labelAt).toBeDefined();
    expect(ruled.labelWidth).toBeGreaterThan(ruled.label!.length * 5);
    // Calls flow left to right: the caller sits left of the callee.
    const x = (id: string) => placed.nodes.find((n) => n.id === id)!.x;
    expect(x('service:gateway')).toBeLessThan(x('service:orders'));
    expect(x('entity:TOPIC:order.placed')).toBeLessThan(x('service:mailer'));
  });
});
