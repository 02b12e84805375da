import { isIdToken, spanLabel } from '@t2t/fingerprint';
import type { AnalysedSpan, AnalysedTrace, EdgeOccurrence } from '../extract/analysed-trace.model';
import { describeEffect } from '../extract/edge.format';
import { analyseEvidence, type AnalysedEvidence } from '../extract/evidence.analyzer';
import type {
  BehaviourEvidence,
  ModelEdge,
  ModelRule,
  RuleAtom,
  RuleBehaviourCount,
} from '../model.types';
import { describeCondition, evaluateAtom, parseNumber } from './rule-condition.evaluator';
import { resolveRuleMiningOptions, type RuleMiningOptions } from './rule-mining.options';

/**
 * Conditional behaviour: within the traces of one entry endpoint, which edges happen only under a
 * condition on attributes, and which condition.
 *
 * An effect is an edge started by a given handler (endpoint) that appears in some but not all of
 * the traces in which that handler runs. Limiting the population to traces where the handler runs
 * is what keeps downstream consequences from being restated: the potato handler's insert happens
 * every time the potato handler runs, so only the call to the potato handler is conditional.
 *
 * Its condition is searched among attributes known before the branch: the entry span's, the
 * handler's server span's, and those of the handler's own spans that come before the branch (told
 * apart by span label, see labelsBeforeEffect). Ids (by name or by value) are never conditions.
 * Outcome attributes (status codes, error types) are left out: a call skipped because an earlier
 * call failed is failure propagation, which behaviours and their error rates describe, not a rule.
 *
 * Tests are decision stumps: `=`/`!=` on attributes with few distinct values, `>=`/`<` on numeric
 * ones with the threshold at an observed value; optionally a second stump inside a necessary first
 * one. Rates are weighted by traffic (each sampled trace stands for `traces / samples` of its
 * behaviour, since samples are bounded per behaviour, not proportional); support counts sampled
 * traces, the evidence actually seen.
 */

/**
 * The rules of every entry endpoint with several behaviours, ordered by endpoint, deciding
 * handler, effect and condition.
 */
export function mineRules(
  evidence: readonly BehaviourEvidence[],
  options: Partial<RuleMiningOptions> = {},
): ModelRule[] {
  return mineAnalysedRules(analyseEvidence(evidence), resolveRuleMiningOptions(options));
}

/** mineRules over evidence already analysed (buildSystemModel analyses once for everything). */
export function mineAnalysedRules(
  analysed: AnalysedEvidence,
  options: RuleMiningOptions,
): ModelRule[] {
  const byEndpoint = new Map<string, WeightedTrace[][]>();
  for (const b of analysed.behaviours) {
    const n = b.samples.length;
    if (n === 0) continue;
    // Each sampled trace stands for its share of the behaviour's traffic.
    const weight = Math.max(b.evidence.traces, n) / n;
    const list = byEndpoint.get(b.evidence.endpoint) ?? [];
    const fingerprint = b.evidence.fingerprint;
    list.push(b.samples.map((trace) => ({ trace, weight, fingerprint })));
    byEndpoint.set(b.evidence.endpoint, list);
  }
  const edgeOf = (id: string) => analysed.edges.get(id)!;
  const rules: ModelRule[] = [];
  for (const endpoint of [...byEndpoint.keys()].sort()) {
    const behaviours = byEndpoint.get(endpoint)!;
    if (behaviours.length < 2) continue;
    rules.push(...mineEndpointRules(endpoint, behaviours.flat(), edgeOf, options));
  }
  return rules.sort(
    (a, b) =>
      compareText(a.endpoint, b.endpoint) ||
      compareText(a.at, b.at) ||
      compareText(a.effect, b.effect) ||
      compareText(a.condition, b.condition),
  );
}

function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** A sampled trace, the number of real traces it stands for, and its behaviour. */
interface WeightedTrace {
  readonly trace: AnalysedTrace;
  readonly weight: number;
  readonly fingerprint: string;
}

function mineEndpointRules(
  endpoint: string,
  traces: readonly WeightedTrace[],
  edgeOf: (id: string) => ModelEdge,
  options: RuleMiningOptions,
): ModelRule[] {
  const effects = collectEffects(traces);
  const handlers = traces.map((t) => firstSpanPerEndpoint(t.trace));
  const contexts = new Map<AnalysedSpan, Map<string, Map<string, string>>>();
  const rules: ModelRule[] = [];
  for (const key of [...effects.keys()].sort()) {
    const effect = effects.get(key)!;
    const population: number[] = [];
    for (let i = 0; i < traces.length; i++) if (handlers[i].has(effect.at)) population.push(i);
    if (effect.occurrences.size === population.length) continue;
    if (effect.occurrences.size < options.minSupport) continue;
    const qualifying = labelsBeforeEffect(effect, traces, population, handlers);
    // Effects of one handler usually share their qualifying spans: build each context once.
    const signature = [...qualifying].sort().join('\n');
    const rows = population.map((i): Row => {
      const occurrence = effect.occurrences.get(i);
      const handler = occurrence?.at ?? handlers[i].get(effect.at)!;
      let cached = contexts.get(handler);
      if (cached === undefined)
        contexts.set(handler, (cached = new Map<string, Map<string, string>>()));
      let features = cached.get(signature);
      if (features === undefined) {
        features = contextFeatures(traces[i].trace, handler, qualifying);
        cached.set(signature, features);
      }
      return { features, weight: traces[i].weight, effect: occurrence !== undefined };
    });
    const best = decide(rows, options);
    if (best === undefined) continue;
    const edge = edgeOf(effect.id);
    rules.push({
      endpoint,
      at: effect.at,
      condition: describeCondition(best.atoms),
      atoms: best.atoms,
      effect: describeEffect(edge),
      edge,
      support: best.support,
      confidence: best.confidence,
      falseRate: best.falseRate,
      measured: {
        basis: 'samples',
        behaviours: countPerBehaviour(
          population.map((i, k) => ({ fingerprint: traces[i].fingerprint, row: rows[k] })),
          best.atoms,
        ),
      },
    });
  }
  return rules;
}

/**
 * Per behaviour of the population: whether the effect is part of it (its structure decides; the
 * majority of its samples if they disagree) and in how many of its sampled traces the condition
 * holds. Sorted by fingerprint.
 */
function countPerBehaviour(
  rows: readonly { fingerprint: string; row: Row }[],
  atoms: readonly RuleAtom[],
): RuleBehaviourCount[] {
  const by = new Map<string, { traces: number; holds: number; effects: number }>();
  for (const { fingerprint, row } of rows) {
    let c = by.get(fingerprint);
    if (c === undefined) by.set(fingerprint, (c = { traces: 0, holds: 0, effects: 0 }));
    c.traces++;
    if (row.effect) c.effects++;
    if (atoms.every((a) => evaluateAtom(a, row.features.get(a.attribute)))) c.holds++;
  }
  return [...by.keys()].sort().map((fingerprint) => {
    const c = by.get(fingerprint)!;
    return { fingerprint, effect: 2 * c.effects >= c.traces, traces: c.traces, holds: c.holds };
  });
}

// ── effects and context ─────────────────────────────────────────────────────

interface Effect {
  /** Endpoint key of the handler that starts the edge. */
  readonly at: string;
  /** edgeId. */
  readonly id: string;
  /** Trace index → the edge's earliest occurrence from that handler. */
  readonly occurrences: Map<number, EdgeOccurrence>;
}

function collectEffects(traces: readonly WeightedTrace[]): Map<string, Effect> {
  const effects = new Map<string, Effect>();
  traces.forEach(({ trace }, i) => {
    for (const occurrence of trace.edges) {
      const at = occurrence.at?.endpoint;
      if (at === undefined) continue;
      const key = `${at}\u0000${occurrence.id}`;
      let effect = effects.get(key);
      if (effect === undefined) {
        effect = { at, id: occurrence.id, occurrences: new Map() };
        effects.set(key, effect);
      }
      const seen = effect.occurrences.get(i);
      if (seen === undefined || occurrence.source.span.startNs < seen.source.span.startNs) {
        effect.occurrences.set(i, occurrence);
      }
    }
  });
  return effects;
}

/** Endpoint key → its first span in the trace (spans are in start order). */
function firstSpanPerEndpoint(trace: AnalysedTrace): Map<string, AnalysedSpan> {
  const out = new Map<string, AnalysedSpan>();
  for (const s of trace.spans) {
    if (s.endpoint !== undefined && !out.has(s.endpoint)) out.set(s.endpoint, s);
  }
  return out;
}

function labelOf(s: AnalysedSpan): string {
  return (s.label ??= spanLabel(s.facts));
}

/** The distinct labels of a handler's own spans (memoised: every effect of the handler asks). */
const localLabelCache = new WeakMap<AnalysedSpan, readonly string[]>();

function localLabels(handler: AnalysedSpan): readonly string[] {
  let labels = localLabelCache.get(handler);
  if (labels === undefined) {
    labels = [...new Set(handler.local.map(labelOf))];
    localLabelCache.set(handler, labels);
  }
  return labels;
}

/**
 * Labels of handler spans that come before the branch: never ending after the effect starts in a
 * trace with the effect, and present in at least half of the traces with the effect and half of
 * those without. A span that one side mostly lacks belongs to a branch arm (the cache-miss arm's
 * first SELECT before its second one): its presence would only restate the branch, not explain it.
 * The handler's spans share one clock, so comparing their times is safe from clock skew.
 */
function labelsBeforeEffect(
  effect: Effect,
  traces: readonly WeightedTrace[],
  population: readonly number[],
  handlers: readonly ReadonlyMap<string, AnalysedSpan>[],
): Set<string> {
  const after = new Set<string>();
  const withEffect = new Map<string, number>();
  const without = new Map<string, number>();
  const count = (map: Map<string, number>, labels: readonly string[]) => {
    for (const label of labels) map.set(label, (map.get(label) ?? 0) + 1);
  };
  for (const i of population) {
    const occurrence = effect.occurrences.get(i);
    const handler = occurrence?.at ?? handlers[i].get(effect.at)!;
    if (occurrence !== undefined) {
      const start = occurrence.source.span.startNs;
      for (const s of handler.local) if (s.endNs > start) after.add(labelOf(s));
    }
    count(occurrence === undefined ? without : withEffect, localLabels(handler));
  }
  const effects = effect.occurrences.size;
  const others = population.length - effects;
  const qualifying = new Set<string>();
  for (const [label, n] of withEffect) {
    if (after.has(label) || 2 * n < effects || 2 * (without.get(label) ?? 0) < others) continue;
    qualifying.add(label);
  }
  return qualifying;
}

/**
 * What was known when the handler decided: the entry span's attributes, then the handler's server
 * span's, then its qualifying spans' in start order; the first value of a name wins (request
 * attributes forwarded downstream keep their entry value).
 */
function contextFeatures(
  trace: AnalysedTrace,
  handler: AnalysedSpan,
  qualifying: ReadonlySet<string>,
): Map<string, string> {
  const features = new Map<string, string>();
  const put = (attributes: Record<string, string>) => {
    for (const name in attributes) {
      if (!features.has(name) && isCandidateAttribute(name)) features.set(name, attributes[name]);
    }
  };
  if (trace.entry !== undefined) put(trace.entry.span.attributes);
  put(handler.span.attributes);
  if (qualifying.size > 0) {
    for (const s of handler.local) if (qualifying.has(labelOf(s))) put(s.span.attributes);
  }
  return features;
}

// ── which attributes may decide ─────────────────────────────────────────────

/** Results of the work, not inputs to it. */
const OUTCOME_ATTRIBUTES = new Set([
  'http.status_code',
  'rpc.grpc.status_code',
  'rpc.response.status_code',
  'rpc.connect_rpc.error_code',
  'error.type',
  'error.message',
  'messaging.batch.message_count',
]);
const OUTCOME_PREFIXES = ['http.response.', 'db.response.', 'exception.', 'otel.'];

/** Names of per-request identities: never a condition, whatever their values look like. */
const ID_NAME = /(^|[._-])(id|ids|uuid|guid|nonce)$|[a-z]Id$/i;

/** Attribute names repeat across every span and trace: their verdicts are memoised (bounded). */
const candidateVerdicts = new Map<string, boolean>();
const MAX_VERDICTS = 10_000;

function isCandidateAttribute(name: string): boolean {
  let verdict = candidateVerdicts.get(name);
  if (verdict === undefined) {
    verdict =
      !OUTCOME_ATTRIBUTES.has(name) &&
      !ID_NAME.test(name) &&
      !OUTCOME_PREFIXES.some((prefix) => name.startsWith(prefix));
    if (candidateVerdicts.size >= MAX_VERDICTS) candidateVerdicts.clear();
    candidateVerdicts.set(name, verdict);
  }
  return verdict;
}

/** UUIDs, long hex ids, opaque tokens (plain numbers and versions are not: they can decide). */
function isIdValue(value: string): boolean {
  return value.length >= 16 && /[A-Za-z]/.test(value) && isIdToken(value);
}

// ── decision stumps ────────────────────────────────────────────────────────

interface Row {
  readonly features: Map<string, string>;
  readonly weight: number;
  readonly effect: boolean;
}

/** Weighted and raw counts of traces with (`e`) and without (`n`) the effect. */
interface Counts {
  we: number;
  wn: number;
  re: number;
  rn: number;
}

interface Scored {
  readonly atoms: RuleAtom[];
  readonly support: number;
  readonly confidence: number;
  readonly falseRate: number;
  /** Sampled traces where the condition does not hold. */
  readonly complement: number;
}

const zero = (): Counts => ({ we: 0, wn: 0, re: 0, rn: 0 });

function add(c: Counts, row: Row): void {
  if (row.effect) {
    c.we += row.weight;
    c.re++;
  } else {
    c.wn += row.weight;
    c.rn++;
  }
}

function minus(a: Counts, b: Counts): Counts {
  return { we: a.we - b.we, wn: a.wn - b.wn, re: a.re - b.re, rn: a.rn - b.rn };
}

/** The condition that best decides the effect among `rows`, or undefined if none is clear enough. */
function decide(rows: readonly Row[], options: RuleMiningOptions): Scored | undefined {
  const total = zero();
  for (const r of rows) add(total, r);
  const singles = scoreAtoms(rows, total, [], options);
  const passing = singles.filter((s) => passes(s, options));
  if (passing.length > 0) return passing.sort(compareScored)[0];
  if (!options.conjunctions) return undefined;
  // A necessary test (the effect almost never happens without it) that is not sufficient: look for
  // a second test inside it, as a branch nested in a branch produces.
  const necessary = singles
    .filter(
      (s) =>
        s.falseRate <= options.maxFalseRate &&
        s.support >= options.minSupport &&
        s.complement >= options.minSupport,
    )
    .sort(compareScored)
    .slice(0, MAX_CONJUNCTION_SEEDS);
  const pairs: Scored[] = [];
  for (const first of necessary) {
    const [atom] = first.atoms;
    const inside = rows.filter((r) => evaluateAtom(atom, r.features.get(atom.attribute)));
    for (const s of scoreAtoms(inside, total, first.atoms, options)) {
      if (passes(s, options)) pairs.push(s);
    }
  }
  return pairs.sort(compareScored)[0];
}

/** Conjunctions are searched inside the few best necessary tests only: enough, and bounded. */
const MAX_CONJUNCTION_SEEDS = 3;

function passes(s: Scored, o: RuleMiningOptions): boolean {
  return (
    s.support >= o.minSupport &&
    s.complement >= o.minSupport &&
    s.confidence >= o.minConfidence &&
    s.falseRate <= o.maxFalseRate
  );
}

const OP_RANK: Record<RuleAtom['op'], number> = { '=': 0, '>=': 1, '<': 2, '!=': 3 };

/**
 * Simplest first (fewer atoms), then the clearer split (fewer effects outside the condition, more
 * inside it), then a positive statement over a negative one (`= true` rather than `!= false`), then
 * by attribute and value, so the choice never depends on input order.
 */
function compareScored(a: Scored, b: Scored): number {
  if (a.atoms.length !== b.atoms.length) return a.atoms.length - b.atoms.length;
  if (a.falseRate !== b.falseRate) return a.falseRate - b.falseRate;
  if (a.confidence !== b.confidence) return b.confidence - a.confidence;
  for (let i = 0; i < a.atoms.length; i++) {
    const x = a.atoms[i];
    const y = b.atoms[i];
    if (x.op !== y.op) return OP_RANK[x.op] - OP_RANK[y.op];
    if (x.attribute !== y.attribute) return x.attribute < y.attribute ? -1 : 1;
    if (x.value !== y.value) return x.value < y.value ? -1 : 1;
  }
  return 0;
}

/**
 * Every stump over `rows`, each scored as `prefix and stump` against the whole population
 * (`total`): `rows` are the traces where `prefix` holds.
 */
function scoreAtoms(
  rows: readonly Row[],
  total: Counts,
  prefix: readonly RuleAtom[],
  options: RuleMiningOptions,
): Scored[] {
  const inRows = zero();
  const byAttribute = new Map<string, Map<string, Counts>>();
  for (const row of rows) {
    add(inRows, row);
    for (const [name, value] of row.features) {
      let values = byAttribute.get(name);
      if (values === undefined) byAttribute.set(name, (values = new Map<string, Counts>()));
      let c = values.get(value);
      if (c === undefined) values.set(value, (c = zero()));
      add(c, row);
    }
  }
  const out: Scored[] = [];
  const emit = (atom: RuleAtom, selected: Counts) => {
    if (
      prefix.some(
        (p) => p.attribute === atom.attribute && p.op === atom.op && p.value === atom.value,
      )
    ) {
      return;
    }
    out.push(score([...prefix, atom], selected, total));
  };
  for (const name of [...byAttribute.keys()].sort()) {
    const values = byAttribute.get(name)!;
    const distinct = [...values.keys()];
    // Id-like values contain letters, so only the categorical tests need to look for them.
    if (
      distinct.length <= options.maxCategoricalValues &&
      distinct.filter(isIdValue).length * 2 <= distinct.length
    ) {
      for (const value of distinct.sort()) {
        const c = values.get(value)!;
        emit({ attribute: name, op: '=', value }, c);
        emit({ attribute: name, op: '!=', value }, minus(inRows, c));
      }
    }
    numericStumps(name, values, emit);
  }
  return out;
}

/** `>= t` and `< t` at every observed value but the smallest, for attributes whose values are all numbers. */
function numericStumps(
  name: string,
  values: Map<string, Counts>,
  emit: (atom: RuleAtom, selected: Counts) => void,
): void {
  if (values.size < 3) return; // two values: `=` says the same, more plainly
  const numeric: { n: number; text: string; c: Counts }[] = [];
  for (const [text, c] of values) {
    const n = parseNumber(text);
    if (n === undefined) return;
    numeric.push({ n, text, c });
  }
  numeric.sort((a, b) => a.n - b.n || (a.text < b.text ? -1 : 1));
  const present = zero();
  for (const v of numeric) {
    present.we += v.c.we;
    present.wn += v.c.wn;
    present.re += v.c.re;
    present.rn += v.c.rn;
  }
  const below = zero();
  for (let i = 0; i < numeric.length; i++) {
    const v = numeric[i];
    // Equal numbers written differently (`10`, `10.0`) fall on the same side of every threshold.
    if (i > 0 && v.n !== numeric[i - 1].n) {
      emit({ attribute: name, op: '>=', value: v.text }, minus(present, below));
      emit({ attribute: name, op: '<', value: v.text }, { ...below });
    }
    below.we += v.c.we;
    below.wn += v.c.wn;
    below.re += v.c.re;
    below.rn += v.c.rn;
  }
}

function score(atoms: RuleAtom[], selected: Counts, total: Counts): Scored {
  const inside = selected.we + selected.wn;
  const outsideEffect = total.we - selected.we;
  const outside = total.we + total.wn - inside;
  return {
    atoms,
    support: selected.re,
    confidence: inside > 0 ? selected.we / inside : 0,
    // Clamped: subtracting float sums can leave a tiny negative remainder.
    falseRate: outside > EPSILON ? Math.max(0, outsideEffect) / outside : 1,
    complement: total.re + total.rn - selected.re - selected.rn,
  };
}

const EPSILON = 1e-9;
