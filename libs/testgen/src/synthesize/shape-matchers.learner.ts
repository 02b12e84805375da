import { entryEndpoint, semanticKey } from '@t2t/fingerprint';
import type { IndexedSpan } from '../evaluate/trace.index';
import type { AttributeMatcher } from '../spec/test-spec.model';
import type { ShapeProfile } from './behaviour.profile';
import { isEnvironmentAttribute } from './environment.attributes';
import { learnAttributeMatcher, learnStatusMatcher, type LearnedStatus } from './matcher.learner';
import { isRequestAttribute } from './request.analyzer';
import type { SynthesisOptions } from './synthesis.options';

/**
 * Transport details that say nothing about behaviour (ports, protocol versions, schemes, thread
 * and code locations, user agents, peer sockets): asserting them makes tests brittle and long.
 */
const NOISE_KEY =
  /(^|\.)port$|^network\.|^http\.flavor$|(^|\.)scheme$|^thread\.|^code\.|^otel\.|^telemetry\.|^user_agent\.|^http\.user_agent$|^client\.address$|^net\.sock\.|^host\.|^process\./;

/** Outcome attributes: they change with the failures a sample without errors cannot show. */
const OUTCOME_KEY = /status_code$|^error\.|^exception\./;

/**
 * A value seen elsewhere at rate p is plausibly also possible here when n samples would miss it
 * with probability (1 - p)^n above this: a retry's 503 at 10% is missed by 20 samples 12% of the
 * time, so it is kept; a value at 30% would have shown up (0.08%), so its absence is real.
 */
const MISS_PLAUSIBILITY = 0.01;

export interface ShapeLearningOptions extends SynthesisOptions {
  /** The behaviour's cluster counted no error over all its traffic (not only the sample). */
  errorFree: boolean;
  /**
   * The cluster counted errors but no sampled trace shows one: the sample says nothing about which
   * spans fail, so inner spans get no status or outcome matcher.
   */
  hiddenErrors: boolean;
  /** Attributes the endpoint's rules read: they decide the behaviour, so they are learned per behaviour. */
  decisive: ReadonlySet<string>;
}

/**
 * Attribute matchers for one span shape of a behaviour. `pooled` is the same shape (label) across
 * every behaviour of the endpoint: 20 samples of one behaviour miss rare values, and the other
 * behaviours' instances of the same call show them. So:
 *
 * - request attributes of the entry span that no rule reads are learned from the pool alone
 *   (they do not depend on the behaviour);
 * - other values are learned from the behaviour's own instances, widened by the values the pool
 *   shows that the sample could plausibly have missed (see MISS_PLAUSIBILITY);
 * - for the entry span, a closed set from the pool replaces an open one from too few samples.
 *
 * Noise attributes, environment attributes (hosts, ports, versions: see isEnvironmentAttribute)
 * and attributes the shape's identity is computed from (already pinned by the selector) get no
 * matcher; neither do bare presence checks on inner spans.
 */
export function learnShapeAttributes(
  shape: ShapeProfile,
  pooled: ShapeProfile | undefined,
  options: ShapeLearningOptions,
  /** The entry span of each profiled trace (same order as shape.perTrace). */
  entries: readonly (IndexedSpan | undefined)[] = [],
): Record<string, AttributeMatcher> {
  const instances = shape.perTrace.flat();
  const poolInstances = pooled?.perTrace.flat() ?? instances;
  const keys = new Set<string>();
  for (const s of instances) for (const k of Object.keys(s.span.attributes)) keys.add(k);
  const out: Record<string, AttributeMatcher> = {};
  for (const key of [...keys].sort()) {
    if (NOISE_KEY.test(key) || isEnvironmentAttribute(key)) continue;
    if (isStructural(shape, key, instances[0])) continue;
    if (options.hiddenErrors && !shape.entry && OUTCOME_KEY.test(key)) continue;
    const own = instances.map((s) => s.span.attributes[key]);
    const pool = poolInstances.map((s) => s.span.attributes[key]);
    let m: AttributeMatcher | undefined;
    if (isRequestInput(shape, key, entries)) {
      // What the client sent (order.type, user.id), at the entry or forwarded downstream: an input,
      // not behaviour. A value set seen in a sample is never closed for it: a client may send a
      // value the sample missed, and the system working as before must not fail the test. Its
      // shape is checked (a number stays a number); rule arms and the rule tests say what values
      // decide.
      m = learnAttributeMatcher(options.decisive.has(key) ? own : pool, {
        ...options,
        maxOneOf: 0,
      });
    } else {
      m = learnWidened(own, pool, options);
      if (shape.entry && !isClosedMatcher(m)) {
        const wider = learnAttributeMatcher(pool, options);
        if (isClosedMatcher(wider) && own.every((v) => v !== undefined && accepts(wider!, v)))
          m = wider;
      }
    }
    // A bare presence check on an inner span is noise; on the entry span it documents the request.
    if (m === undefined || (m.present === true && !shape.entry)) continue;
    out[key] = m;
  }
  return out;
}

/**
 * A request attribute on the entry span, or carrying the entry span's value on a downstream span
 * (forwarded), in every instance that has it.
 */
function isRequestInput(
  shape: ShapeProfile,
  key: string,
  entries: readonly (IndexedSpan | undefined)[],
): boolean {
  if (!isRequestAttribute(key)) return false;
  if (shape.entry) return true;
  if (entries.length !== shape.perTrace.length) return false;
  let seen = false;
  const forwarded = shape.perTrace.every((spans, t) =>
    spans.every((s) => {
      const v = s.span.attributes[key];
      if (v === undefined) return true;
      seen = true;
      return entries[t]?.span.attributes[key] === v;
    }),
  );
  return seen && forwarded;
}

/** The behaviour's own values, plus pooled values it plausibly missed. */
function learnWidened(
  own: readonly (string | undefined)[],
  pool: readonly (string | undefined)[],
  options: ShapeLearningOptions,
): AttributeMatcher | undefined {
  const m = learnAttributeMatcher(own, options);
  if (!isClosedMatcher(m)) return m;
  const seen = new Set(own as string[]);
  const counts = new Map<string, number>();
  for (const v of pool)
    if (v !== undefined && !seen.has(v)) counts.set(v, (counts.get(v) ?? 0) + 1);
  const extras = [...counts]
    .filter(([, c]) => (1 - c / pool.length) ** own.length > MISS_PLAUSIBILITY)
    .map(([v]) => v);
  if (extras.length === 0) return m;
  const all = [...seen, ...extras].sort();
  if (all.length <= options.maxOneOf) return { oneOf: all };
  return learnAttributeMatcher([...(own as string[]), ...extras], { ...options, maxUnseenMass: 0 });
}

/**
 * The status matcher of a shape. Beyond learnStatusMatcher on the behaviour's own instances: a
 * shape that fails elsewhere in the endpoint often enough that the sample could have missed it
 * (a retried call) is only required to succeed at least once per trace; an entry span whose own
 * samples are too few takes the endpoint's pooled evidence.
 */
export function learnShapeStatus(
  shape: ShapeProfile,
  pooled: ShapeProfile | undefined,
  options: ShapeLearningOptions,
): LearnedStatus | undefined {
  if (options.hiddenErrors && !shape.entry) return undefined;
  const perTrace = shape.perTrace.map((l) => l.map((s) => s.span.statusCode));
  let status = learnStatusMatcher(perTrace, options.errorFree, options);
  if (options.errorFree) return status;
  const ownErrors = perTrace.flat().some((c) => c === 2);
  if (status === undefined && shape.entry && !ownErrors && pooled !== undefined) {
    status = learnStatusMatcher(
      [pooled.perTrace.flat().map((s) => s.span.statusCode)],
      false,
      options,
    );
  }
  if (
    status !== undefined &&
    status.quantifier === 'all' &&
    status.matcher.oneOf !== undefined &&
    pooled !== undefined
  ) {
    const pool = pooled.perTrace.flat();
    const p = pool.filter((s) => s.span.statusCode === 2).length / Math.max(1, pool.length);
    if (p > 0 && (1 - p) ** perTrace.flat().length > MISS_PLAUSIBILITY) {
      return shape.entry ? undefined : { matcher: status.matcher, quantifier: 'any' };
    }
  }
  return status;
}

function isClosedMatcher(m: AttributeMatcher | undefined): boolean {
  return m !== undefined && (m.equals !== undefined || m.oneOf !== undefined);
}

function accepts(m: AttributeMatcher, v: string): boolean {
  return m.equals === v || (m.oneOf?.includes(v) ?? false);
}

/**
 * An attribute the shape's identity is computed from (changing its value changes the semantic key
 * or the endpoint key): the selector already pins it, so a matcher would only repeat it. Changed
 * rather than removed, because instrumentations send redundant attributes (`db.operation` and
 * `db.statement`) and a removed one is recovered from the other.
 */
function isStructural(shape: ShapeProfile, key: string, sample: IndexedSpan): boolean {
  const attrs = {
    ...sample.span.attributes,
    [key]: `${sample.span.attributes[key] ?? ''}-changed`,
  };
  if (semanticKey(attrs, sample.span.kind, sample.span.name) !== shape.semantic) return true;
  if (shape.endpoint === undefined) return false;
  return entryEndpoint({ ...sample.facts, attributes: attrs }) !== shape.endpoint;
}
