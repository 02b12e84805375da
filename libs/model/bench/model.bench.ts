/**
 * How long buildSystemModel takes for the checkout system with 500 sampled traces per behaviour.
 *
 *   node -r @swc-node/register libs/model/bench/model.bench.ts [rounds]
 *
 * Setup (not timed): requests are streamed from libs/examples until every behaviour of every entry
 * endpoint has 500 traces (the rarest, a declined card after a cache miss, is ~0.3% of requests),
 * keeping the first 500 of each and counting the rest, then the kept traces are clustered as in
 * production (TraceAssembler + fingerprintTrace, spans as stored) and each behaviour's statistics
 * are set to the counted totals, so rule mining weighs samples as it would in production.
 * Timed: buildSystemModel on that evidence, `rounds` times (default 7) after a warm-up; mineRules
 * alone too. The last line is one JSON object with the figures.
 */
import { checkoutSystem, iterateTraces, type GeneratedTrace } from '@t2t/examples';
import { buildSystemModel, mineRules } from '../src';
import { clusterTraces } from '../test/behaviour-evidence.fixture';

const SAMPLES = 500;
const rounds = Number(process.argv[2] ?? 7);

const kept: GeneratedTrace[] = [];
const seen = new Map<string, number>();
let requests = 0;
for (const trace of iterateTraces(checkoutSystem, { seed: 42, traces: 2_000_000 })) {
  const key = `${trace.endpoint} ${trace.behaviour}`;
  const n = (seen.get(key) ?? 0) + 1;
  seen.set(key, n);
  if (n <= SAMPLES) kept.push(trace);
  requests = trace.requestIndex + 1;
  // 14 behaviours in checkout's ground truth (12 checkout, products, analytics).
  if (seen.size === 14 && [...seen.values()].every((c) => c >= SAMPLES)) break;
}

const { evidence, fingerprints } = clusterTraces(kept, { samplesPerBehaviour: SAMPLES });
const behaviourOf = new Map(
  kept.map((t) => [fingerprints.get(t.traceId)!, `${t.endpoint} ${t.behaviour}`]),
);
for (const e of evidence) e.traces = seen.get(behaviourOf.get(e.fingerprint)!)!;
const spans = evidence.reduce((s, e) => s + e.samples.reduce((x, t) => x + t.spans.length, 0), 0);
const sampled = evidence.reduce((s, e) => s + e.samples.length, 0);

function time(fn: () => unknown): number[] {
  fn();
  const out: number[] = [];
  for (let i = 0; i < rounds; i++) {
    const start = performance.now();
    fn();
    out.push(performance.now() - start);
  }
  return out.sort((a, b) => a - b);
}

const build = time(() => buildSystemModel(evidence));
const mine = time(() => mineRules(evidence));
const median = (xs: number[]) => xs[Math.floor(xs.length / 2)];
const model = buildSystemModel(evidence);

console.log(
  `checkout: ${requests.toLocaleString('en')} requests streamed, ${evidence.length} behaviours, ` +
    `${sampled.toLocaleString('en')} sampled traces, ${spans.toLocaleString('en')} spans`,
);
console.log(
  `buildSystemModel: median ${median(build).toFixed(0)} ms (min ${build[0].toFixed(0)}), ` +
    `${Math.round((spans * 1000) / median(build)).toLocaleString('en')} spans/s; ` +
    `mineRules alone: median ${median(mine).toFixed(0)} ms; ` +
    `${model.edges.length} edges, ${model.rules.length} rules`,
);
console.log(
  JSON.stringify({
    system: 'checkout',
    behaviours: evidence.length,
    samples_per_behaviour: SAMPLES,
    sampled_traces: sampled,
    sampled_spans: spans,
    rounds,
    build_ms_median: Number(median(build).toFixed(1)),
    build_ms_min: Number(build[0].toFixed(1)),
    build_spans_per_s: Math.round((spans * 1000) / median(build)),
    mine_rules_ms_median: Number(median(mine).toFixed(1)),
    rules: model.rules.length,
    edges: model.edges.length,
  }),
);
