import {
  checkoutSystem,
  diffGroundTruth,
  edgeKey,
  generateTraces,
  groundTruth,
  http,
  internal,
  numericId,
  potatoSystem,
  withEndpoint,
  withoutDbWrites,
  type GeneratedTrace,
  type SystemDefinition,
} from '@t2t/examples';
import { clusterTraces } from '../../test/behaviour-evidence.fixture';
import { buildSystemModel } from '../build/system-model.builder';
import { edgeId } from '../extract/edge.format';
import { entityKey } from '../extract/entity.extractor';
import type { ModelChange, SystemModel } from '../model.types';
import { diffModels } from './model.diff';
import { modelHash } from './model.hash';

const REQUESTS = 2_000;

function modelOf(system: SystemDefinition, seed: number) {
  const traces = generateTraces(system, { seed, traces: REQUESTS });
  const { evidence, fingerprints } = clusterTraces(traces);
  return { traces, fingerprints, model: buildSystemModel(evidence) };
}

/** Fingerprint → the truth behaviour id its traces carry (one each, checked by the builder spec). */
function behaviourIds(
  traces: readonly GeneratedTrace[],
  fingerprints: ReadonlyMap<string, string>,
): Map<string, string> {
  return new Map(traces.map((t) => [`${t.endpoint} ${fingerprints.get(t.traceId)}`, t.behaviour]));
}

function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Whether any span of the trace writes (not reads) to `table`, read straight off the attributes. */
function writesTo(trace: GeneratedTrace, table: string): boolean {
  return trace.spans.some((s) => {
    const a = s.attributes;
    const name = a['db.collection.name'] ?? a['db.sql.table'] ?? a['db.mongodb.collection'];
    const op = a['db.operation.name'] ?? a['db.operation'];
    return (
      name === table &&
      typeof op === 'string' &&
      ['INSERT', 'UPDATE', 'DELETE'].includes(op.toUpperCase())
    );
  });
}

describe(diffModels.name, () => {
  describe.each([
    [
      'potato',
      potatoSystem,
      'api-gateway',
      'potato_orders',
      ['api-gateway|HTTP POST /orders likes-potatoes'],
    ],
    ['checkout', checkoutSystem, 'storefront', 'payments', undefined],
  ])(
    '%s drift: a new endpoint and a removed database write',
    (_, system, gateway, table, expectedAffected) => {
      const changed = withoutDbWrites(
        withEndpoint(system, gateway, http('GET', '/health', internal('check dependencies')), {
          traffic: { weight: 1, attributes: { 'user.id': numericId(1, 1_000) } },
        }),
        table,
      );
      const truthDiff = diffGroundTruth(groundTruth(system), groundTruth(changed));
      const before = modelOf(system, 11);
      const after = modelOf(changed, 12);
      const changes = diffModels(before.model, after.model);
      const health = `${gateway}|HTTP GET /health`;

      it('is, in the truth, one endpoint added and one write removed, nothing else', () => {
        expect(truthDiff.added).toEqual({
          services: [],
          endpoints: [health],
          entities: [],
          edges: [],
          rules: [],
        });
        expect(truthDiff.removed).toMatchObject({ services: [], endpoints: [], rules: [] });
        expect(truthDiff.removed.edges.map(edgeKey)).toEqual([
          expect.stringMatching(new RegExp(`^WRITES .* ${table} \\((INSERT|insert)\\)$`)),
        ]);
      });

      it('names exactly those changes, and the behaviours they imply', () => {
        // A behaviour whose traces wrote to the table changes structure: its fingerprint is
        // replaced. The new endpoint brings one behaviour. No other behaviour moves.
        const affected = new Set(
          before.traces
            .filter((t) => writesTo(t, table))
            .map((t) => `${t.endpoint} ${t.behaviour}`),
        );
        if (expectedAffected !== undefined) expect([...affected]).toEqual(expectedAffected);
        const idsBefore = behaviourIds(before.traces, before.fingerprints);
        const idsAfter = behaviourIds(after.traces, after.fingerprints);
        const behaviourChanges = (
          kind: 'behaviour_added' | 'behaviour_removed',
          model: SystemModel,
          ids: ReadonlyMap<string, string>,
        ): ModelChange[] =>
          model.behaviours
            .filter((b) => {
              const id = `${b.endpoint} ${ids.get(`${b.endpoint} ${b.fingerprint}`)}`;
              return affected.has(id) || (kind === 'behaviour_added' && b.endpoint === health);
            })
            .sort((x, y) =>
              compareText(
                `${x.endpoint}\u0000${x.fingerprint}`,
                `${y.endpoint}\u0000${y.fingerprint}`,
              ),
            )
            .map(({ endpoint, fingerprint }) => ({ kind, endpoint, fingerprint }));

        const entity = (key: string) =>
          before.model.entities.find((e) => `${e.kind} ${e.name}` === key)!;
        const edge = (key: string) => before.model.edges.find((e) => edgeId(e) === key)!;
        expect(changes).toEqual([
          { kind: 'endpoint_added', endpoint: health },
          ...truthDiff.removed.entities.map((key) => ({
            kind: 'entity_removed',
            entity: entity(key),
          })),
          ...truthDiff.removed.edges.map((e) => ({ kind: 'edge_removed', edge: edge(edgeKey(e)) })),
          ...behaviourChanges('behaviour_added', after.model, idsAfter),
          ...behaviourChanges('behaviour_removed', before.model, idsBefore),
        ]);
        expect(changes.filter((c) => c.kind === 'behaviour_removed')).toHaveLength(affected.size);
        expect(changes.filter((c) => c.kind === 'behaviour_added')).toHaveLength(affected.size + 1);
      });

      it('keeps the rules (none of them was about the removed write)', () => {
        expect(after.model.rules.map((r) => [r.at, r.condition, r.effect])).toEqual(
          before.model.rules.map((r) => [r.at, r.condition, r.effect]),
        );
      });

      it('gives the new version another hash', () => {
        expect(modelHash(after.model)).not.toBe(modelHash(before.model));
      });
    },
  );

  it('says which rule changed and which appeared or went', () => {
    const { model } = modelOf(potatoSystem, 5);
    const [rule] = model.rules;
    const flipped = {
      ...model,
      rules: [
        {
          ...rule,
          condition: 'user.likes_potatoes = false',
          atoms: [{ ...rule.atoms[0], value: 'false' }],
        },
      ],
    };
    expect(diffModels(model, flipped)).toEqual([
      { kind: 'rule_changed', before: rule, after: flipped.rules[0] },
    ]);
    expect(diffModels(model, { ...model, rules: [] })).toEqual([{ kind: 'rule_removed', rule }]);
    expect(diffModels({ ...model, rules: [] }, model)).toEqual([{ kind: 'rule_added', rule }]);
  });

  it('ignores statistics: shares, latencies, trace counts, support', () => {
    const { model } = modelOf(potatoSystem, 5);
    const busier: SystemModel = {
      ...model,
      endpoints: model.endpoints.map((e) => ({ ...e, traces: e.traces * 2 })),
      behaviours: model.behaviours.map((b) => ({
        ...b,
        traces: b.traces * 2,
        p50Us: 1,
        share: 0.5,
      })),
      rules: model.rules.map((r) => ({ ...r, support: 1, confidence: 0.9 })),
    };
    expect(diffModels(model, busier)).toEqual([]);
    expect(modelHash(busier)).toBe(modelHash(model));
  });

  it('orders changes by part, added before removed, then by identity', () => {
    const { model } = modelOf(potatoSystem, 5);
    const empty: SystemModel = {
      services: [],
      endpoints: [],
      entities: [],
      edges: [],
      behaviours: [],
      rules: [],
    };
    const kinds = diffModels(empty, model).map((c) => c.kind);
    expect([...new Set(kinds)]).toEqual([
      'service_added',
      'endpoint_added',
      'entity_added',
      'edge_added',
      'behaviour_added',
      'rule_added',
    ]);
    expect(diffModels(model, empty).map((c) => c.kind)).toEqual(
      kinds.map((k) => k.replace('added', 'removed')),
    );
    expect(
      diffModels(empty, model)
        .filter((c) => c.kind === 'entity_added')
        .map((c) => entityKey((c as { entity: SystemModel['entities'][number] }).entity)),
    ).toEqual(model.entities.map(entityKey).sort());
  });
});
