import type { SystemModel } from '../model.types';
import { diffModels } from './model.diff';
import { canonicalJson, modelHash } from './model.hash';

const model: SystemModel = {
  services: [
    { name: 'api', endpoints: ['api|HTTP POST /orders'] },
    { name: 'db-writer', endpoints: ['db-writer|CONSUME orders'] },
  ],
  endpoints: [
    {
      key: 'api|HTTP POST /orders',
      service: 'api',
      kind: 'http',
      entry: true,
      traces: 10,
      behaviours: ['b2', 'b1'],
    },
    {
      key: 'db-writer|CONSUME orders',
      service: 'db-writer',
      kind: 'consume',
      entry: false,
      traces: 0,
      behaviours: [],
    },
  ],
  entities: [
    { kind: 'table', name: 'orders', system: 'postgresql' },
    { kind: 'topic', name: 'orders', system: 'kafka' },
  ],
  edges: [
    { type: 'CONSUMES', from: 'db-writer', to: 'orders', seenIn: ['api|HTTP POST /orders'] },
    { type: 'PUBLISHES', from: 'api', to: 'orders', seenIn: ['api|HTTP POST /orders'] },
    {
      type: 'WRITES',
      from: 'db-writer',
      to: 'orders',
      entityKind: 'table',
      operation: 'INSERT',
      seenIn: ['api|HTTP POST /orders'],
    },
  ],
  behaviours: [
    {
      endpoint: 'api|HTTP POST /orders',
      fingerprint: 'b2',
      share: 0.7,
      traces: 7,
      errorRate: 0,
      p50Us: 1000,
      p95Us: 2000,
      representativeTraceId: 't2',
      edges: ['PUBLISHES api -> topic orders'],
    },
    {
      endpoint: 'api|HTTP POST /orders',
      fingerprint: 'b1',
      share: 0.3,
      traces: 3,
      errorRate: 0,
      p50Us: 1000,
      p95Us: 2000,
      representativeTraceId: 't1',
      edges: [],
    },
  ],
  rules: [],
};

function shuffled(m: SystemModel): SystemModel {
  return {
    services: [...m.services].reverse(),
    endpoints: [...m.endpoints].reverse(),
    entities: [...m.entities].reverse(),
    edges: [...m.edges].reverse(),
    behaviours: [...m.behaviours].reverse(),
    rules: [...m.rules].reverse(),
  };
}

describe(modelHash.name, () => {
  it('is pinned: the same model hashes the same in every process and release', () => {
    // Changing this value changes every stored version id: do it only on purpose.
    expect(modelHash(model)).toBe(
      '850dde461157a0d9d0f5ed0b08bcd7787db7b4df72b4857237ae5f369cacdc45',
    );
  });

  it('does not depend on the order of anything', () => {
    expect(modelHash(shuffled(model))).toBe(modelHash(model));
  });

  it('changes exactly when diffModels reports a change', () => {
    const variants: SystemModel[] = [
      { ...model, services: model.services.slice(1) },
      {
        ...model,
        entities: [...model.entities, { kind: 'table', name: 'orders', system: 'mysql' }],
      },
      { ...model, edges: model.edges.slice(1) },
      { ...model, behaviours: model.behaviours.slice(1) },
      { ...model, behaviours: model.behaviours.map((b) => ({ ...b, share: 0.5, p95Us: 9 })) },
      { ...model, edges: model.edges.map((e) => ({ ...e, seenIn: [] })) },
    ];
    for (const v of variants) {
      expect(modelHash(v) === modelHash(model)).toBe(diffModels(model, v).length === 0);
    }
  });
});

describe(canonicalJson.name, () => {
  it('sorts keys and array items', () => {
    expect(canonicalJson({ b: [3, 1, { y: 1, x: 2 }], a: 'x' })).toBe(
      '{"a":"x","b":[1,3,{"x":2,"y":1}]}',
    );
  });
});
