import { observeTrace } from '../../test/trace.observer';
import { generateTraces } from '../generation/trace.generator';
import { call, db, http, numericId, seq } from '../model/system.dsl';
import { potatoSystem } from '../systems/potato.system';
import { edgeKey } from '../truth/edge.format';
import { groundTruth } from '../truth/ground-truth.builder';
import { diffGroundTruth } from '../truth/ground-truth.diff';
import { withEndpoint, withPropagation, withoutDbWrites } from './system.drift';

describe('system drift', () => {
  const before = groundTruth(potatoSystem);

  it('withEndpoint: a new endpoint with traffic shows up as added endpoints and edges', () => {
    const withGateway = withEndpoint(
      potatoSystem,
      'api-gateway',
      http(
        'DELETE',
        '/orders/{id}',
        call('order-service', 'DELETE /orders/{id}', { params: { id: 'order.id' } }),
      ),
      {
        traffic: {
          weight: 1,
          attributes: { 'order.id': numericId(1, 1000) },
          params: { id: 'order.id' },
        },
      },
    );
    const changed = withEndpoint(
      withGateway,
      'order-service',
      http('DELETE', '/orders/{id}', db('postgresql', 'DELETE', 'orders', { database: 'shop' })),
    );
    const diff = diffGroundTruth(before, groundTruth(changed));
    expect(diff.added.endpoints).toEqual([
      'api-gateway|HTTP DELETE /orders/{id}',
      'order-service|HTTP DELETE /orders/{id}',
    ]);
    expect(diff.added.edges.map(edgeKey)).toEqual([
      'CALLS api-gateway|HTTP DELETE /orders/{id} -> order-service|HTTP DELETE /orders/{id}',
      'WRITES order-service -> table orders (DELETE)',
    ]);
    expect(diff.removed).toEqual({
      services: [],
      endpoints: [],
      entities: [],
      edges: [],
      rules: [],
    });
    expect(diff.added.services).toEqual([]);
    const traces = generateTraces(changed, { seed: 1, traces: 200 });
    expect(traces.some((t) => t.endpoint === 'api-gateway|HTTP DELETE /orders/{id}')).toBe(true);
    expect(potatoSystem.services[0].endpoints).toHaveLength(2);
  });

  it('withEndpoint: can add a new service', () => {
    const changed = withEndpoint(potatoSystem, 'audit', http('POST', '/events', seq()), {
      newService: { language: 'go', semconv: 'current', version: '1.0.0', replicas: 1 },
      traffic: { weight: 1, attributes: {} },
    });
    expect(diffGroundTruth(before, groundTruth(changed)).added.services).toEqual(['audit']);
    expect(() => withEndpoint(potatoSystem, 'nobody', http('GET', '/'))).toThrow(/does not exist/);
  });

  it('withoutDbWrites: the write disappears from the truth and from the traces', () => {
    const changed = withoutDbWrites(potatoSystem, 'orders');
    const diff = diffGroundTruth(before, groundTruth(changed));
    expect(diff.removed.edges.map(edgeKey)).toEqual([
      'WRITES order-writer -> table orders (INSERT)',
    ]);
    // Still read by GET /orders/{id}.
    expect(diff.removed.entities).toEqual([]);
    expect(diff.added).toEqual({ services: [], endpoints: [], entities: [], edges: [], rules: [] });
    for (const t of generateTraces(changed, { seed: 1, traces: 200 })) {
      expect(observeTrace(t).edges.has('WRITES order-writer -> table orders (INSERT)')).toBe(false);
    }
    expect(() => withoutDbWrites(potatoSystem, 'nothing')).toThrow(/writes nothing/);
  });

  it('withPropagation: linked consumers start their own traces', () => {
    const changed = withPropagation(potatoSystem, 'link');
    const truth = groundTruth(changed);
    expect(truth.endpoints.find((e) => e.key === 'order-writer|CONSUME orders')).toMatchObject({
      entry: true,
      tracesPerRequest: 0.75,
    });
    expect(truth.edges).toEqual(before.edges);
    const traces = generateTraces(changed, { seed: 1, traces: 100 });
    const writers = traces.filter((t) => t.endpoint === 'order-writer|CONSUME orders');
    expect(writers.length).toBe(
      traces.filter((t) => t.endpoint === 'api-gateway|HTTP POST /orders').length,
    );
    expect(writers.every((t) => t.linkedFrom !== undefined && t.spans[0].links.length === 1)).toBe(
      true,
    );
  });
});
