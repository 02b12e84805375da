import {
  canInjectFault,
  checkoutSystem,
  generateTraces,
  injectFault,
  potatoSystem,
  type FaultKind,
  type GeneratedTrace,
  type SystemDefinition,
} from '@t2t/examples';
import { buildSystemModel, type ModelTrace } from '@t2t/model';
import { clusterTraces, toModelSpan } from '../../model/test/behaviour-evidence.fixture';
import { evaluateSpec, synthesizeVerifiedTests, type TestSpec } from '../src';

/**
 * Issue 6, "Show", first bullet: for the example systems the deterministic path produces tests that
 * pass on held-back normal traces (another seed) and fail on traces with an injected fault.
 *
 * Production path: generated traces → TraceAssembler + fingerprintTrace → BehaviourEvidence (20
 * sampled traces per behaviour, clustering's default) → buildSystemModel → synthesizeTests →
 * verifySpec. Held-back traces are fingerprinted the same way; the tests that apply to a trace are
 * those of its behaviour (by fingerprint), its endpoint's rules, and journeys ending in it. A
 * faulty trace counts as detected when any applicable test fails; the behaviour is the one the
 * trace had before the fault (the runner runs that behaviour's test; the system misbehaves).
 */

const FAULTS: FaultKind[] = ['drop-db-write', 'extra-call', 'error-status', 'flip-branch'];
const TRAINING = { seed: 101, traces: 3_000 };
const HELD_BACK = { seed: 202, traces: 1_500 };
const SAMPLES_PER_BEHAVIOUR = 20;

interface Rate {
  hits: number;
  total: number;
}
const rate = (r: Rate) => (r.total === 0 ? 1 : r.hits / r.total);
const pct = (r: Rate) => `${(rate(r) * 100).toFixed(2)}% (${r.hits}/${r.total})`;

interface Report {
  system: string;
  specs: Record<string, number>;
  rejected: number;
  dropped: number;
  kept: number;
  uncovered: Rate;
  normal: Rate;
  normalByKind: Record<string, Rate>;
  faults: Record<FaultKind, { any: Rate; behaviour: Rate; rule: Rate }>;
}

function toModelTrace(t: GeneratedTrace): ModelTrace {
  return { traceId: t.traceId, spans: t.spans.map(toModelSpan) };
}

function kindOf(spec: TestSpec): 'journey' | 'rule' | 'behaviour' {
  return spec.covers.journey !== undefined
    ? 'journey'
    : spec.covers.rule !== undefined
      ? 'rule'
      : 'behaviour';
}

function passes(spec: TestSpec, trace: ModelTrace): boolean {
  return evaluateSpec(spec, trace).every((r) => r.passed);
}

function measure(name: string, system: SystemDefinition, noise: boolean): Report {
  const training = generateTraces(system, { ...TRAINING, noise });
  const { evidence } = clusterTraces(training, { samplesPerBehaviour: SAMPLES_PER_BEHAVIOUR });
  const model = buildSystemModel(evidence);
  const all = synthesizeVerifiedTests(model, evidence);
  const specs = all.filter((s) => s.verification?.status === 'verified');

  const heldBack = generateTraces(system, { ...HELD_BACK, noise });
  const { fingerprints } = clusterTraces(heldBack);
  const applicable = (t: GeneratedTrace): TestSpec[] => {
    const fp = fingerprints.get(t.traceId);
    return specs.filter(
      (s) =>
        s.endpoint === t.endpoint &&
        (s.covers.behaviour === undefined
          ? s.covers.rule !== undefined
          : s.covers.behaviour === fp),
    );
  };

  const report: Report = {
    system: name,
    specs: {},
    rejected: all.length - specs.length,
    dropped: all.reduce((n, s) => n + (s.verification?.dropped.length ?? 0), 0),
    kept: all.reduce((n, s) => n + (s.verification?.kept ?? 0), 0),
    uncovered: { hits: 0, total: 0 },
    normal: { hits: 0, total: 0 },
    normalByKind: {},
    faults: Object.fromEntries(
      FAULTS.map((f) => [
        f,
        {
          any: { hits: 0, total: 0 },
          behaviour: { hits: 0, total: 0 },
          rule: { hits: 0, total: 0 },
        },
      ]),
    ) as Report['faults'],
  };
  for (const s of specs) report.specs[kindOf(s)] = (report.specs[kindOf(s)] ?? 0) + 1;

  for (const t of heldBack) {
    const tests = applicable(t);
    report.uncovered.total++;
    if (!tests.some((s) => kindOf(s) === 'behaviour')) {
      report.uncovered.hits++;
      continue;
    }
    const trace = toModelTrace(t);
    for (const s of tests) {
      const ok = passes(s, trace);
      report.normal.total++;
      if (ok) report.normal.hits++;
      const k = (report.normalByKind[kindOf(s)] ??= { hits: 0, total: 0 });
      k.total++;
      if (ok) k.hits++;
    }
    for (const fault of FAULTS) {
      if (!canInjectFault(t, fault)) continue;
      const mutated = toModelTrace(injectFault(t, fault).trace);
      const failing = tests.filter((s) => !passes(s, mutated));
      const r = report.faults[fault];
      r.any.total++;
      if (failing.length > 0) r.any.hits++;
      const behaviourTest = tests.filter((s) => kindOf(s) === 'behaviour');
      r.behaviour.total++;
      if (behaviourTest.some((s) => failing.includes(s))) r.behaviour.hits++;
      const ruleTests = tests.filter((s) => kindOf(s) === 'rule');
      if (ruleTests.length > 0) {
        r.rule.total++;
        if (ruleTests.some((s) => failing.includes(s))) r.rule.hits++;
      }
    }
  }
  return report;
}

function format(r: Report): string {
  const lines = [
    `${r.system}: ${Object.entries(r.specs)
      .map(([k, n]) => `${n} ${k}`)
      .join(
        ', ',
      )} specs verified (${r.rejected} rejected); ${r.kept} checks kept, ${r.dropped} dropped by verification`,
    `  held-back traces without a behaviour test: ${pct(r.uncovered)}`,
    `  normal traces, applicable tests passing:   ${pct(r.normal)}  ${Object.entries(r.normalByKind)
      .map(([k, v]) => `${k} ${pct(v)}`)
      .join(', ')}`,
    ...FAULTS.map(
      (f) =>
        `  ${f.padEnd(14)} detected: ${pct(r.faults[f].any)}  by the behaviour test ${pct(r.faults[f].behaviour)}, by rule tests ${pct(r.faults[f].rule)}`,
    ),
  ];
  return lines.join('\n');
}

describe('fault detection of the deterministic tests (issue 6, Show)', () => {
  // Noise: wider latency spread with rare 3-10x outliers, uniform retry counts, decoy attributes.
  const reports = [
    measure('potato', potatoSystem, false),
    measure('checkout', checkoutSystem, false),
    measure('potato with noise', potatoSystem, true),
    measure('checkout with noise', checkoutSystem, true),
  ];

  afterAll(() => {
    console.log(
      `Deterministic tests vs held-back traces (training seed ${TRAINING.seed}, ${TRAINING.traces} requests; held back seed ${HELD_BACK.seed}, ${HELD_BACK.traces} requests)\n${reports.map(format).join('\n')}`,
    );
  });

  it.each(reports.map((r) => [r.system, r] as const))(
    '%s: tests pass on held-back normal traces',
    (_, r) => {
      expect(r.rejected).toBe(0);
      expect(rate(r.normal)).toBeGreaterThanOrEqual(0.995);
    },
  );

  it.each(reports.map((r) => [r.system, r] as const))(
    '%s: every fault kind is detected',
    (_, r) => {
      for (const fault of FAULTS) {
        expect(r.faults[fault].any.total).toBeGreaterThan(100);
        expect(rate(r.faults[fault].any)).toBeGreaterThanOrEqual(0.95);
      }
      // Structural faults are the behaviour test's job, a flipped branch the rule test's.
      for (const fault of ['drop-db-write', 'extra-call', 'error-status'] as const) {
        expect(rate(r.faults[fault].behaviour)).toBeGreaterThanOrEqual(0.95);
      }
      expect(rate(r.faults['flip-branch'].rule)).toBeGreaterThanOrEqual(0.95);
    },
  );
});
