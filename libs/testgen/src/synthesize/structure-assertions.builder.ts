import type { Assertion } from '../spec/test-spec.model';
import { describeShape, type BehaviourProfile, type ShapeProfile } from './behaviour.profile';
import {
  learnShapeAttributes,
  learnShapeStatus,
  type ShapeLearningOptions,
} from './shape-matchers.learner';

export interface StructureOptions extends ShapeLearningOptions {
  /** p95 and p99 of the behaviour's duration over all traffic, µs (p99 0 when unknown). */
  p95Us: number;
  p99Us: number;
  /** The same shapes across every behaviour of the endpoint (see learnShapeAttributes). */
  endpointProfile: BehaviourProfile | undefined;
}

/** Hands out `a1`, `a2`, … in the order assertions are built, so ids are stable per input. */
export class AssertionIds {
  private next = 1;
  take(): string {
    return `a${this.next++}`;
  }
}

/**
 * Assertions describing a behaviour's structure, learned from its profiled traces:
 *
 * - per span shape present in every trace: `exists` (or `count` when it always occurs n > 1
 *   times), the attribute and status matchers learned from its instances, and `childOf` its parent
 *   shape when the parent is always the same;
 * - `before` between consecutive sequential steps of one handler (same process, one clock) that
 *   were in that order in every trace;
 * - the entry span's duration bound;
 * - `only`: no span outside the shapes seen (catches extra calls and writes).
 *
 * Shapes missing from some traces (optional work) get no assertion but are allowed by `only`.
 */
export function buildStructureAssertions(
  profile: BehaviourProfile,
  options: StructureOptions,
  ids: AssertionIds,
): Assertion[] {
  const out: Assertion[] = [];
  const n = profile.traces.length;
  for (const shape of profile.shapes) {
    const counts = shape.perTrace.map((l) => l.length);
    const min = Math.min(...counts);
    if (min === 0) continue;
    const what = describeShape(shape);
    const always = counts.every((c) => c === counts[0]);
    if (always && counts[0] > 1) {
      out.push({
        id: ids.take(),
        kind: 'count',
        description: `${what}, ${counts[0]} times`,
        select: shape.selector,
        count: { equals: counts[0] },
      });
    } else {
      out.push({ id: ids.take(), kind: 'exists', description: what, select: shape.selector });
    }

    const pooled = options.endpointProfile?.byLabel.get(shape.label);
    const attributes = learnShapeAttributes(
      shape,
      pooled,
      options,
      profile.traces.map((t) => t.entry),
    );
    const status = learnShapeStatus(shape, pooled, options);
    const allStatus = status?.quantifier === 'all' ? status.matcher : undefined;
    if (Object.keys(attributes).length > 0 || allStatus !== undefined) {
      out.push({
        id: ids.take(),
        kind: 'attributes',
        description: `${what}: attributes and status as recorded`,
        select: shape.selector,
        attributes,
        ...(allStatus === undefined ? {} : { status: allStatus }),
      });
    }
    if (status?.quantifier === 'any') {
      out.push({
        id: ids.take(),
        kind: 'attributes',
        description: `${what}: at least one attempt succeeds`,
        select: shape.selector,
        quantifier: 'any',
        attributes: {},
        status: status.matcher,
      });
    }

    const [parent] = shape.parentLabels;
    const parentShape = shape.parentLabels.size === 1 ? profile.byLabel.get(parent) : undefined;
    if (parentShape !== undefined && parentShape.perTrace.every((l) => l.length > 0)) {
      out.push({
        id: ids.take(),
        kind: 'relation',
        description: `${what}, under ${describeShape(parentShape)}`,
        select: shape.selector,
        relation: 'childOf',
        target: parentShape.selector,
      });
    }
  }

  out.push(...orderingAssertions(profile, ids));

  const entry = profile.shapes.find((s) => s.entry);
  if (options.durations && entry !== undefined && entry.perTrace.every((l) => l.length === 1)) {
    // Timing is a property of the machine and its load as much as of the code: the bound lives in
    // the performance profile, never in the functional test that must not flake on a busy host.
    const slowestMs = Math.max(...entry.perTrace.map((l) => l[0].span.durationNs / 1e6));
    const tailMs = (options.p99Us > 0 ? options.p99Us : options.p95Us * 1.5) / 1000;
    const bound = niceCeiling(Math.max(tailMs, slowestMs) * options.durationHeadroom);
    out.push({
      id: ids.take(),
      kind: 'duration',
      profile: 'performance',
      description: `${describeShape(entry)} within ${bound} ms (${options.durationHeadroom} × the larger of p99 ${formatMs(tailMs)} ms over all traffic and the slowest of ${n} samples, ${formatMs(slowestMs)} ms)`,
      select: entry.selector,
      maxMs: bound,
    });
  }

  if (options.closedWorld) {
    out.push({
      id: ids.take(),
      kind: 'only',
      description: `nothing beyond the ${profile.shapes.length} span shapes recorded for this behaviour`,
      select: {},
      allowed: profile.shapes.map((s) => s.selector),
    });
  }
  return out;
}

/**
 * `before` for consecutive local steps of one handler: shapes with the same parent shape and the
 * parent's service, not received from another process, once per trace each, and in that order
 * (the first ends before the second starts) in every trace. Other clocks are never compared.
 */
function orderingAssertions(profile: BehaviourProfile, ids: AssertionIds): Assertion[] {
  const out: Assertion[] = [];
  const byParent = new Map<string, ShapeProfile[]>();
  for (const shape of profile.shapes) {
    if (shape.parentLabels.size !== 1 || shape.kind === 'server' || shape.kind === 'consumer')
      continue;
    if (!shape.perTrace.every((l) => l.length === 1)) continue;
    const [parent] = shape.parentLabels;
    const parentShape = profile.byLabel.get(parent);
    if (parentShape === undefined || parentShape.service !== shape.service) continue;
    byParent.set(parent, [...(byParent.get(parent) ?? []), shape]);
  }
  for (const siblings of byParent.values()) {
    const ordered = [...siblings].sort((a, b) => a.perTrace[0][0].order - b.perTrace[0][0].order);
    for (let i = 0; i + 1 < ordered.length; i++) {
      const [a, b] = [ordered[i], ordered[i + 1]];
      const inOrder = a.perTrace.every((l, t) => l[0].endNs <= b.perTrace[t][0].span.startNs);
      if (!inOrder) continue;
      out.push({
        id: ids.take(),
        kind: 'relation',
        description: `${describeShape(a)} before ${describeShape(b)}`,
        select: a.selector,
        relation: 'before',
        target: b.selector,
      });
    }
  }
  return out;
}

/** Rounds a bound up to two significant digits (237.4 → 240), so specs read like a human wrote them. */
function niceCeiling(ms: number): number {
  if (ms <= 0) return 1;
  const magnitude = 10 ** Math.max(0, Math.floor(Math.log10(ms)) - 1);
  return Math.ceil(ms / magnitude) * magnitude;
}

function formatMs(ms: number): string {
  return ms >= 10 ? ms.toFixed(0) : ms.toFixed(1);
}
