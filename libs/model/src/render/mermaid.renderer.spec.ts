import type { SystemModel } from '../model.types';
import { renderMermaid } from './mermaid.renderer';

const model: SystemModel = {
  services: [
    { name: 'order-service', endpoints: ['order-service|HTTP POST /orders'] },
    { name: 'potato-handler', endpoints: ['potato-handler|HTTP POST /potatoes'] },
  ],
  endpoints: [],
  entities: [
    { kind: 'table', name: 'orders', system: 'postgresql' },
    { kind: 'topic', name: 'orders', system: 'rabbitmq' },
  ],
  edges: [
    {
      type: 'CALLS',
      from: 'order-service|HTTP POST /orders',
      to: 'potato-handler|HTTP POST /potatoes',
      protocol: 'http',
      method: 'POST',
      route: '/potatoes',
      seenIn: [],
    },
    {
      type: 'WRITES',
      from: 'order-service',
      to: 'orders',
      entityKind: 'table',
      operation: 'INSERT',
      seenIn: [],
    },
    { type: 'PUBLISHES', from: 'order-service', to: 'orders', seenIn: [] },
  ],
  behaviours: [],
  rules: [
    {
      endpoint: 'order-service|HTTP POST /orders',
      at: 'order-service|HTTP POST /orders',
      condition: 'user.likes_potatoes = true',
      atoms: [{ attribute: 'user.likes_potatoes', op: '=', value: 'true' }],
      effect: 'calls potato-handler POST /potatoes',
      edge: {
        type: 'CALLS',
        from: 'order-service|HTTP POST /orders',
        to: 'potato-handler|HTTP POST /potatoes',
        protocol: 'http',
        method: 'POST',
        route: '/potatoes',
        seenIn: [],
      },
      support: 40,
      confidence: 1,
      falseRate: 0,
    },
  ],
};

describe(renderMermaid.name, () => {
  it('draws services with their endpoints, entities by kind, and the conditional call dashed with its rule', () => {
    const out = renderMermaid(model);
    expect(out.startsWith('flowchart LR\n')).toBe(true);
    expect(out).toContain('subgraph n0["order-service"]');
    expect(out).toContain('["HTTP POST /orders"]');
    expect(out).toContain('[("orders (postgresql)")]');
    expect(out).toContain('(["orders (rabbitmq)"])');
    expect(out).toMatch(/n1 -\. "POST if user\.likes_potatoes = true" \.-> n3/);
    expect(out).toMatch(/n0 -- "writes INSERT" --> n4/);
    expect(out).toMatch(/n0 -- "publishes" --> n5/);
  });

  it('is deterministic', () => {
    expect(renderMermaid(model)).toBe(
      renderMermaid({ ...model, services: [...model.services].reverse() }),
    );
  });
});
