/**
 * Test quality as a user judges it, on example systems, in one process: learn from normal traffic
 * (clustering's steps, modeling with rules measured over every training trace, the deterministic
 * generator with verification), then judge held-back traffic the way `t2t test verify` judges
 * stored traces (libs/runner's judgeTrace): normal traces, the same traffic recorded in another
 * environment, and traces with one injected fault each. `npm run bench:test-quality` measures the
 * same through the real pipeline; this is its fast, deterministic twin for the test suite.
 */
import {
  canInjectFault,
  generateTraces,
  injectFault,
  type FaultKind,
  type GeneratedTrace,
  type SystemDefinition,
} from '@t2t/examples';
import {
  buildSystemModel,
  DEFAULT_RULE_MINING_OPTIONS,
  evaluateCondition,
  measureRules,
  type ModelTrace,
  type RuleStatsSource,
  type SystemModel,
} from '@t2t/model';
import { fingerprintOf, judgeTrace, type TraceJudgement } from '@t2t/runner';
import { synthesizeVerifiedTests, type TestSpec } from '@t2t/testgen';
import { clusterTraces, toModelSpan } from '../../libs/model/test/behaviour-evidence.fixture';

export const FAULTS: FaultKind[] = ['drop-db-write', 'extra-call', 'error-status', 'flip-branch'];

export interface QualityOptions {
  training: number;
  heldBack: number;
  /** Held-back traffic recorded in another environment (hosts, ports, versions). */
  staging: number;
  /** Faulty traces per fault kind (at most; fewer when the kind applies to few traces). */
  faultsPerKind: number;
  /** Sampled traces per behaviour, as clustering keeps them. */
  samplesPerBehaviour: number;
  seed: number;
  /** Measure rules over all training traffic, as modeling does (default true; false: samples only). */
  measureRules?: boolean;
}

export interface Rate {
  hits: number;
  total: number;
}

export interface QualityReport {
  system: string;
  specs: Record<string, number>;
  rejected: number;
  normal: { passing: Rate; covered: Rate; falseAlarms: string[] };
  staging: { passing: Rate; covered: Rate; falseAlarms: string[] };
  faults: Record<FaultKind, Rate & { missed: string[] }>;
}

export const rate = (r: Rate): number => (r.total === 0 ? 1 : r.hits / r.total);
export const pct = (r: Rate): string => `${(rate(r) * 100).toFixed(1)}% (${r.hits}/${r.total})`;

export function toModelTrace(t: GeneratedTrace): ModelTrace {
  return { traceId: t.traceId, spans: t.spans.map(toModelSpan) };
}

/**
 * Rule statistics over traces held in memory, read as the storage implementation reads them: the
 * root span's attribute first, then a server span of the deciding handler's service, then the
 * earliest span that has it.
 */
export function memoryRuleStats(
  traces: readonly ModelTrace[],
  fingerprints: ReadonlyMap<string, string>,
): RuleStatsSource {
  const valueOf = (t: ModelTrace, attribute: string, atService: string): string | undefined => {
    const carriers = t.spans.filter((s) => s.attributes[attribute] !== undefined);
    const rank = (s: (typeof carriers)[number]) =>
      s.parentSpanId === '' ? 0 : s.kind === 2 && s.service === atService ? 1 : 2;
    carriers.sort((a, b) => rank(a) - rank(b) || (a.startNs < b.startNs ? -1 : 1));
    return carriers[0]?.attributes[attribute];
  };
  const of = (fps: readonly string[]) =>
    traces.filter((t) => fps.includes(fingerprints.get(t.traceId) ?? ''));
  return {
    numericRanges: ({ at, attribute, fingerprints: fps }) => {
      const by = new Map<string, number[]>();
      for (const t of of(fps)) {
        const v = valueOf(t, attribute, at.split('|')[0]);
        const n = v === undefined ? NaN : Number(v);
        if (v === undefined || v.trim() === '' || !Number.isFinite(n)) continue;
        const fp = fingerprints.get(t.traceId)!;
        by.set(fp, [...(by.get(fp) ?? []), n]);
      }
      return Promise.resolve(
        [...by.entries()].map(([fingerprint, values]) => ({
          fingerprint,
          count: values.length,
          min: Math.min(...values),
          max: Math.max(...values),
        })),
      );
    },
    conditionCounts: ({ at, atoms, fingerprints: fps }) => {
      const by = new Map<string, { traces: number; holds: number }>();
      for (const fp of fps) by.set(fp, { traces: 0, holds: 0 });
      for (const t of of(fps)) {
        const c = by.get(fingerprints.get(t.traceId)!)!;
        c.traces++;
        const values: Record<string, string | undefined> = {};
        for (const a of atoms) values[a.attribute] = valueOf(t, a.attribute, at.split('|')[0]);
        if (evaluateCondition(atoms, values)) c.holds++;
      }
      return Promise.resolve([...by.entries()].map(([fingerprint, c]) => ({ fingerprint, ...c })));
    },
  };
}

/** What production learns from normal traffic: the model (rules measured on all of it) and tests. */
export async function learn(
  system: SystemDefinition,
  o: QualityOptions,
): Promise<{ model: SystemModel; specs: TestSpec[]; rejected: number; seen: Set<string> }> {
  const training = generateTraces(system, { seed: o.seed, traces: o.training });
  const seen = new Set(training.map((t) => `${t.endpoint}\u0000${t.behaviour}`));
  const { evidence, fingerprints } = clusterTraces(training, {
    samplesPerBehaviour: o.samplesPerBehaviour,
  });
  const model = buildSystemModel(evidence);
  const measured = await measureRules(
    model.rules,
    memoryRuleStats(training.map(toModelTrace), fingerprints),
    DEFAULT_RULE_MINING_OPTIONS,
  );
  if (o.measureRules !== false) model.rules = measured.rules;
  const all = synthesizeVerifiedTests(model, evidence);
  const specs = all.filter((s) => s.verification?.status === 'verified');
  return { model, specs, rejected: all.length - specs.length, seen };
}

/** A judge over the learned tests, as `t2t test verify` applies them to one stored trace. */
export function judgeWith(
  model: SystemModel,
  specs: readonly TestSpec[],
): (trace: ModelTrace) => TraceJudgement | undefined {
  const byEndpoint = new Map<string, TestSpec[]>();
  for (const s of specs) byEndpoint.set(s.endpoint, [...(byEndpoint.get(s.endpoint) ?? []), s]);
  const known = new Map<string, Set<string>>();
  for (const b of model.behaviours) {
    known.set(b.endpoint, (known.get(b.endpoint) ?? new Set()).add(b.fingerprint));
  }
  return (trace) => {
    const { endpoint, hash } = fingerprintOf(trace);
    const candidates = byEndpoint.get(endpoint);
    if (candidates === undefined) return undefined;
    return judgeTrace(
      candidates,
      trace,
      { endpoint, fingerprint: hash },
      known.get(endpoint) ?? new Set(),
    );
  };
}

export const passed = (j: TraceJudgement): boolean =>
  j.verdicts.every((v) => v.evaluation.passed) &&
  !j.findings.some((f) => f === 'unknown-behaviour' || f === 'other-behaviour');

export const covered = (j: TraceJudgement): boolean =>
  j.verdicts.some((v) => v.spec.covers.behaviour !== undefined);

/** A faulty copy as its own trace: a new trace id, so it is judged on its own. */
export function faultyCopy(t: GeneratedTrace, kind: FaultKind): GeneratedTrace {
  const mutated = injectFault(t, kind).trace;
  const traceId = `f${FAULTS.indexOf(kind)}${t.traceId.slice(2)}`;
  return { ...mutated, traceId, spans: mutated.spans.map((s) => ({ ...s, traceId })) };
}

export async function measureQuality(
  name: string,
  system: SystemDefinition,
  o: QualityOptions,
): Promise<QualityReport> {
  const { model, specs, rejected, seen } = await learn(system, o);
  const judge = judgeWith(model, specs);
  const report: QualityReport = {
    system: name,
    specs: {},
    rejected,
    normal: { passing: { hits: 0, total: 0 }, covered: { hits: 0, total: 0 }, falseAlarms: [] },
    staging: { passing: { hits: 0, total: 0 }, covered: { hits: 0, total: 0 }, falseAlarms: [] },
    faults: Object.fromEntries(
      FAULTS.map((f) => [f, { hits: 0, total: 0, missed: [] as string[] }]),
    ) as QualityReport['faults'],
  };
  for (const s of specs) {
    const k = s.covers.journey ? 'journey' : s.covers.behaviour ? 'behaviour' : 'rule';
    report.specs[k] = (report.specs[k] ?? 0) + 1;
  }
  const judgeNormal = (traces: GeneratedTrace[], into: QualityReport['normal']) => {
    for (const t of traces) {
      // Behaviours training never showed (rare ones) are not the tests' to know.
      if (!seen.has(`${t.endpoint}\u0000${t.behaviour}`)) continue;
      const j = judge(toModelTrace(t));
      if (j === undefined) continue;
      into.passing.total++;
      into.covered.total++;
      if (passed(j)) into.passing.hits++;
      else if (into.falseAlarms.length < 5) into.falseAlarms.push(describe(j));
      if (covered(j)) into.covered.hits++;
    }
  };
  judgeNormal(generateTraces(system, { seed: o.seed + 1, traces: o.heldBack }), report.normal);
  judgeNormal(
    generateTraces(system, {
      seed: o.seed + 2,
      traces: o.staging,
      environment: {
        name: 'staging',
        hostSuffix: '.staging.svc.cluster.local',
        portOffset: 1000,
        versionSuffix: '-rc1',
        namespace: 'staging',
      },
    }),
    report.staging,
  );
  const pool = generateTraces(system, { seed: o.seed + 3, traces: o.heldBack });
  for (const kind of FAULTS) {
    const r = report.faults[kind];
    for (const t of pool) {
      if (r.total >= o.faultsPerKind) break;
      if (!canInjectFault(t, kind)) continue;
      const j = judge(toModelTrace(faultyCopy(t, kind)));
      r.total++;
      // A faulty trace no test judges (its endpoint changed beyond recognition) is missed.
      if (j !== undefined && !passed(j)) r.hits++;
      else if (r.missed.length < 5) r.missed.push(`${t.endpoint} ${t.behaviour} (${t.traceId})`);
    }
  }
  return report;
}

function describe(j: TraceJudgement): string {
  const failed = j.verdicts
    .filter((v) => !v.evaluation.passed)
    .map(
      (v) =>
        `${v.spec.id} (${v.reason}): ${v.evaluation.results
          .filter((r) => !r.passed)
          .map((r) => r.description)
          .join('; ')}`,
    );
  return `${j.endpoint} trace ${j.traceId} [${j.findings.join(',')}] ${failed.join(' | ')}`;
}

export function formatQuality(r: QualityReport): string {
  const lines = [
    `${r.system}: ${Object.entries(r.specs)
      .map(([k, n]) => `${n} ${k}`)
      .join(', ')} tests verified (${r.rejected} rejected)`,
    `  normal traces passing:            ${pct(r.normal.passing)}`,
    `  normal traces covered by a behaviour test: ${pct(r.normal.covered)}`,
    `  another environment, passing:     ${pct(r.staging.passing)}`,
    ...FAULTS.map((f) => `  ${f.padEnd(14)} caught: ${pct(r.faults[f])}`),
    ...r.normal.falseAlarms.map((a) => `  false alarm: ${a}`),
    ...r.staging.falseAlarms.map((a) => `  false alarm (staging): ${a}`),
    ...FAULTS.flatMap((f) => r.faults[f].missed.map((m) => `  missed ${f}: ${m}`)),
  ];
  return lines.join('\n');
}
