import {
  checkoutSystem,
  edgeKey,
  generateTraces,
  groundTruth,
  potatoSystem,
  satisfies,
  type GeneratedTrace,
  type SystemDefinition,
  type SystemTruth,
} from '@t2t/examples';
import { attributeValueToString } from '@t2t/otlp';
import { clusterTraces } from '../../test/behaviour-evidence.fixture';
import { diffModels } from '../diff/model.diff';
import { modelHash } from '../diff/model.hash';
import { edgeId } from '../extract/edge.format';
import type { ModelEdge, ModelRule, SystemModel } from '../model.types';
import { evaluateCondition } from '../rules/rule-condition.evaluator';
import { buildSystemModel } from './system-model.builder';

/**
 * The acceptance test: for each example system, the model built from clustered traces
 * equals the ground truth as a whole (services, endpoints, entities, edges, behaviours, rules),
 * with nothing missing and nothing invented.
 */

const REQUESTS = 3_000;
const SEED = 20_260_101;
const NOISE_ATTRIBUTES = ['request.nonce', 'client.version', 'client.canary'];

/** |observed - expected| within 5 standard deviations of a binomial count (plus rounding). */
function expectBinomial(observed: number, n: number, p: number): void {
  expect(Math.abs(observed - n * p)).toBeLessThanOrEqual(5 * Math.sqrt(n * p * (1 - p)) + 1);
}

/** The request attributes as a span stores them (strings), for evaluating model conditions. */
function storedRequest(trace: GeneratedTrace): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(trace.request)) out[k] = attributeValueToString(v);
  return out;
}

function withoutSeenIn({ seenIn: _, ...edge }: ModelEdge) {
  return edge;
}

interface Built {
  truth: SystemTruth;
  traces: GeneratedTrace[];
  fingerprints: ReadonlyMap<string, string>;
  model: SystemModel;
}

function build(
  system: SystemDefinition,
  options: { seed?: number; noise?: boolean; samplesPerBehaviour?: number } = {},
): Built {
  const traces = generateTraces(system, {
    seed: options.seed ?? SEED,
    traces: REQUESTS,
    noise: options.noise ?? false,
  });
  const { evidence, fingerprints } = clusterTraces(traces, options);
  return { truth: groundTruth(system), traces, fingerprints, model: buildSystemModel(evidence) };
}

describe(buildSystemModel.name, () => {
  describe.each([
    ['potato', potatoSystem],
    ['checkout', checkoutSystem],
  ])('%s: the model equals the ground truth', (_, system) => {
    const { truth, traces, fingerprints, model } = build(system);

    it('has exactly the services, each with its endpoints', () => {
      expect(model.services).toEqual(
        truth.services.map((s) => ({ name: s.name, endpoints: [...s.endpoints] })),
      );
    });

    it('has exactly the endpoints, with their kinds, entry flags and traffic', () => {
      expect(
        model.endpoints.map(({ key, service, kind, entry }) => ({ key, service, kind, entry })),
      ).toEqual(
        truth.endpoints.map(({ key, service, kind, entry }) => ({ key, service, kind, entry })),
      );
      for (const e of truth.endpoints) {
        const m = model.endpoints.find((x) => x.key === e.key)!;
        if (e.entry) {
          expectBinomial(m.traces, REQUESTS, Math.min(1, e.tracesPerRequest));
          expect(m.traces).toBe(traces.filter((t) => t.endpoint === e.key).length);
        } else {
          expect([m.traces, m.behaviours]).toEqual([0, []]);
        }
      }
    });

    it('has exactly the entities', () => {
      expect(model.entities).toEqual(truth.entities);
    });

    it('has exactly the edges, named like the truth', () => {
      const expected = [...truth.edges].sort((a, b) => (edgeKey(a) < edgeKey(b) ? -1 : 1));
      expect(model.edges.map(withoutSeenIn)).toEqual(expected);
      expect(model.edges.map(edgeId)).toEqual(expected.map(edgeKey));
    });

    it("lists in an edge's seenIn exactly the entry endpoints whose behaviours use it", () => {
      const entries = new Set(model.endpoints.filter((e) => e.entry).map((e) => e.key));
      for (const edge of model.edges) {
        const users = model.behaviours
          .filter((b) => b.edges.includes(edgeId(edge)))
          .map((b) => b.endpoint);
        expect([edgeId(edge), edge.seenIn]).toEqual([edgeId(edge), [...new Set(users)].sort()]);
        for (const e of edge.seenIn) expect(entries.has(e)).toBe(true);
      }
    });

    it('has one behaviour per behaviour of the truth, in its expected share', () => {
      // Which truth behaviour each fingerprint stands for, read off the generated traces.
      const idsOf = new Map<string, Set<string>>();
      for (const t of traces) {
        const fp = `${t.endpoint} ${fingerprints.get(t.traceId)}`;
        idsOf.set(fp, (idsOf.get(fp) ?? new Set()).add(t.behaviour));
      }
      const perEndpoint = (items: { endpoint: string }[]) =>
        Object.fromEntries(
          [...new Set(items.map((i) => i.endpoint))].map((e) => [
            e,
            items.filter((i) => i.endpoint === e).length,
          ]),
        );
      expect(perEndpoint(model.behaviours)).toEqual(perEndpoint([...truth.behaviours]));
      const matched = new Set<string>();
      for (const b of model.behaviours) {
        const ids = [...idsOf.get(`${b.endpoint} ${b.fingerprint}`)!];
        expect(ids).toHaveLength(1);
        const truthBehaviour = truth.behaviours.find(
          (x) => x.endpoint === b.endpoint && x.id === ids[0],
        )!;
        matched.add(`${b.endpoint} ${ids[0]}`);
        const endpoint = model.endpoints.find((e) => e.key === b.endpoint)!;
        expectBinomial(b.traces, endpoint.traces, truthBehaviour.share);
        expect(b.share).toBeCloseTo(b.traces / endpoint.traces, 12);
        expect(b.representativeTraceId).toBeDefined();
        expect(b.p95Us).toBeGreaterThanOrEqual(b.p50Us);
      }
      expect(matched.size).toBe(truth.behaviours.length);
      for (const e of model.endpoints.filter((x) => x.entry)) {
        const own = model.behaviours.filter((b) => b.endpoint === e.key);
        expect(e.behaviours).toEqual(own.map((b) => b.fingerprint));
        expect(own.map((b) => b.traces)).toEqual(
          [...own.map((b) => b.traces)].sort((x, y) => y - x),
        );
      }
    });

    it('finds every rule of the truth with an equivalent condition and the same effect, and no other', () => {
      expect(model.rules).toHaveLength(truth.rules.length);
      for (const t of truth.rules) {
        const rule = model.rules.find(
          (r) => r.endpoint === t.endpoint && r.at === t.at && r.effect === t.effect,
        );
        expect(rule).toBeDefined();
        expect(edgeId(rule!.edge)).toBe(edgeKey(t.edge));
        expectSameSelection(rule!, t.atoms, traces);
        expect(rule!.confidence).toBeGreaterThanOrEqual(0.8);
        expect(rule!.falseRate).toBeLessThanOrEqual(0.01);
        expect(rule!.support).toBeGreaterThanOrEqual(20);
      }
    });
  });

  it('states the truth conditions in the truth words where the attribute allows it', () => {
    const { model } = build(checkoutSystem);
    expect(model.rules.map((r) => [r.at, r.condition, r.effect])).toEqual([
      [
        'payment-service|RPC grpc checkout.PaymentService/Charge',
        'payment.method != gift-card',
        'calls external api.stripe.example POST /v1/charges',
      ],
      [
        'payment-service|RPC grpc checkout.PaymentService/Charge',
        'payment.method = gift-card',
        'writes gift_cards (UPDATE)',
      ],
      [
        'storefront|HTTP POST /checkout',
        'cart.items >= 10',
        'calls fraud-service POST /screenings',
      ],
    ]);
  });

  it('attributes the linked analytics consumer: its own entry endpoint, behaviour and edges', () => {
    const { model } = build(checkoutSystem);
    const analytics = 'analytics-service|CONSUME order.placed';
    expect(model.endpoints.find((e) => e.key === analytics)).toMatchObject({
      kind: 'consume',
      entry: true,
    });
    expect(model.edges.filter((e) => e.seenIn.includes(analytics)).map(edgeId)).toEqual([
      'CONSUMES analytics-service -> topic order.placed',
      'WRITES analytics-service -> collection events (insert)',
    ]);
    // The continuation is tied to its trigger by the topic.
    expect(model.edges.map(edgeId)).toContain('PUBLISHES storefront -> topic order.placed');
  });

  describe('noise', () => {
    it.each([
      ['potato', SEED, potatoSystem],
      ['checkout', SEED, checkoutSystem],
      ['checkout', 7, checkoutSystem],
      ['checkout', 99, checkoutSystem],
    ])(
      '%s (seed %i): varying timestamps, ids, retry counts and decoy attributes change nothing',
      (_, seed, system) => {
        const clean = build(system, { seed });
        const noisy = build(system, { seed, noise: true });
        // The decoys did reach the entry spans the miner reads.
        const entry = noisy.traces.find((t) => t.endpoint === noisy.truth.rules[0].endpoint)!;
        expect(Object.keys(entry.noise).sort()).toEqual([...NOISE_ATTRIBUTES].sort());
        expect(diffModels(clean.model, noisy.model)).toEqual([]);
        expect(modelHash(noisy.model)).toBe(modelHash(clean.model));
        expect(noisy.model.rules.map((r) => [r.at, r.condition, r.effect])).toEqual(
          clean.model.rules.map((r) => [r.at, r.condition, r.effect]),
        );
        const mentioned = noisy.model.rules.flatMap((r) => r.atoms.map((a) => a.attribute));
        expect(mentioned.filter((a) => NOISE_ATTRIBUTES.includes(a))).toEqual([]);
        expect(noisy.model.rules).toHaveLength(noisy.truth.rules.length);
      },
    );
  });

  it('builds the same model from bounded samples (rates weighted by traffic)', () => {
    const full = build(checkoutSystem);
    const sampled = build(checkoutSystem, { samplesPerBehaviour: 100 });
    expect(diffModels(full.model, sampled.model)).toEqual([]);
    const fraud = sampled.model.rules.find((r) => r.effect.startsWith('calls fraud-service'))!;
    expect(fraud.support).toBeLessThan(
      full.model.rules.find((r) => r.effect === fraud.effect)!.support,
    );
  });

  it('does not depend on the order of the evidence', () => {
    const traces = generateTraces(potatoSystem, { seed: 3, traces: 500 });
    const { evidence } = clusterTraces(traces);
    const reversed = [...evidence]
      .reverse()
      .map((e) => ({ ...e, samples: [...e.samples].reverse() }));
    expect(buildSystemModel(reversed)).toEqual(buildSystemModel(evidence));
  });
});

/** The model's condition and the truth's select the same generated requests of the endpoint. */
function expectSameSelection(
  rule: ModelRule,
  truthAtoms: SystemTruth['rules'][number]['atoms'],
  traces: readonly GeneratedTrace[],
): void {
  let both = 0;
  for (const t of traces.filter((x) => x.endpoint === rule.endpoint)) {
    const byTruth = truthAtoms.every((a) => satisfies(a, t.request[a.attribute]));
    const byModel = evaluateCondition(rule.atoms, storedRequest(t));
    expect([t.requestIndex, byModel]).toEqual([t.requestIndex, byTruth]);
    if (byTruth) both++;
  }
  expect(both).toBeGreaterThan(0);
}
