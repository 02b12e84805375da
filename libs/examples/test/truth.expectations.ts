import type { GeneratedTrace } from '../src/generation/generated-trace.model';
import { satisfies } from '../src/model/condition.evaluator';
import { edgeKey } from '../src/truth/edge.format';
import type { SystemTruth } from '../src/truth/ground-truth.model';
import { emptyObservation, observeTrace } from './trace.observer';

/**
 * Assertions that generated traces agree with a system's ground truth, shared by the specs of every
 * example system: the same statistical bar for all of them.
 */

/** |observed - expected| within 5 standard deviations of a binomial count (plus rounding). */
export function expectShare(observed: number, n: number, p: number): void {
  expect(Math.abs(observed - n * p)).toBeLessThanOrEqual(5 * Math.sqrt(n * p * (1 - p)) + 1);
}

export function countBy<T>(items: readonly T[], key: (t: T) => string): Map<string, number> {
  const out = new Map<string, number>();
  for (const item of items) out.set(key(item), (out.get(key(item)) ?? 0) + 1);
  return out;
}

/** The traces show exactly the truth's endpoints, edges and entities, read independently from spans. */
export function expectObservationMatches(
  truth: SystemTruth,
  traces: readonly GeneratedTrace[],
): void {
  const seen = emptyObservation();
  for (const t of traces) observeTrace(t, seen);
  expect([...seen.endpoints].sort()).toEqual(truth.endpoints.map((e) => e.key));
  expect([...seen.edges.keys()].sort()).toEqual(truth.edges.map(edgeKey).sort());
  expect(
    [...seen.entities.values()].sort((a, b) =>
      `${a.kind} ${a.name}` < `${b.kind} ${b.name}` ? -1 : 1,
    ),
  ).toEqual(truth.entities);
}

/**
 * Each behaviour (and each entry endpoint) shows up in its expected share, and nothing else does;
 * the same per API (behind a gateway: the endpoint the trace was forwarded to).
 */
export function expectSharesMatch(truth: SystemTruth, traces: readonly GeneratedTrace[]): void {
  const perEndpoint = countBy(traces, (t) => t.endpoint);
  const perApi = countBy(traces, (t) => `${t.endpoint} ${t.apiEndpoint}`);
  const perApiAlone = countBy(traces, (t) => t.apiEndpoint);
  const perBehaviour = countBy(traces, (t) => `${t.endpoint} ${t.behaviour}`);
  const perApiBehaviour = countBy(
    traces,
    (t) => `${t.endpoint} ${t.apiEndpoint} ${t.apiBehaviour}`,
  );
  for (const b of truth.behaviours) {
    expectShare(
      perBehaviour.get(`${b.endpoint} ${b.id}`) ?? 0,
      perEndpoint.get(b.endpoint) ?? 0,
      b.share,
    );
    expectShare(
      perApiBehaviour.get(`${b.endpoint} ${b.apiEndpoint} ${b.apiId}`) ?? 0,
      perApi.get(`${b.endpoint} ${b.apiEndpoint}`) ?? 0,
      b.apiShare,
    );
  }
  const known = new Set(truth.behaviours.map((b) => `${b.endpoint} ${b.id}`));
  expect([...perBehaviour.keys()].filter((k) => !known.has(k))).toEqual([]);
  const knownApi = new Set(
    truth.behaviours.map((b) => `${b.endpoint} ${b.apiEndpoint} ${b.apiId}`),
  );
  expect([...perApiBehaviour.keys()].filter((k) => !knownApi.has(k))).toEqual([]);
  const requests = new Set(traces.map((t) => t.requestIndex)).size;
  for (const e of truth.endpoints) {
    if (e.entry)
      expectShare(perEndpoint.get(e.key) ?? 0, requests, Math.min(1, e.tracesPerRequest));
    expectShare(perApiAlone.get(e.key) ?? 0, requests, Math.min(1, e.apiTracesPerRequest));
  }
}

/**
 * Every rule holds within the traces of its endpoint and API: its effect happens when the
 * condition holds (as often as the confidence says) and never otherwise.
 */
export function expectRulesHold(truth: SystemTruth, traces: readonly GeneratedTrace[]): void {
  for (const rule of truth.rules) {
    const key = edgeKey(rule.edge);
    let holds = 0;
    let withEffect = 0;
    const inScope = traces.filter(
      (x) => x.endpoint === rule.endpoint && x.apiEndpoint === rule.apiEndpoint,
    );
    for (const t of inScope) {
      const effect = observeTrace(t).edges.has(key);
      if (rule.atoms.every((a) => satisfies(a, t.request[a.attribute]))) {
        holds++;
        if (effect) withEffect++;
      } else {
        expect([rule.condition, rule.effect, effect]).toEqual([rule.condition, rule.effect, false]);
      }
    }
    expect(holds).toBeGreaterThan(0);
    expectShare(withEffect, holds, rule.confidence);
  }
}
