import type { ModelTrace } from '@t2t/model';
import type { TestSpec } from '@t2t/testgen';

/**
 * Why a spec was evaluated on a stored trace:
 * - `rule`: rule specs hold on every trace of their endpoint (their conditional reads the trace);
 * - `request`: the trace's request carries the values the spec pins (what the runner would send
 *   to get that behaviour), and no other spec of its kind competes for it;
 * - `fingerprint`: several specs fit the request; the one of the trace's own behaviour;
 * - `unknown-behaviour`: several fit and the trace's structure is none of theirs (new behaviour
 *   or a fault): every fitting spec is evaluated, and they fail where the trace departs.
 */
export type ApplyReason = 'rule' | 'request' | 'fingerprint' | 'unknown-behaviour';

export interface Applicable {
  spec: TestSpec;
  reason: ApplyReason;
}

/** `{ name: value }` of the spec's pinned request attributes (the ones that decide its behaviour). */
export function pinnedRequest(spec: TestSpec): [string, string][] {
  return spec.setup.request.filter((a) => a.role === 'pinned').map((a) => [a.name, a.value]);
}

/**
 * The specs of one endpoint that apply to one stored trace of it. A stored trace is not a run:
 * nobody chose its behaviour, so a behaviour spec applies when the trace asked for that behaviour
 * (its request matches the spec's pinned values), which is also what makes a fault visible: a
 * request for "likes potatoes" whose trace lost its database write is still judged by the "likes
 * potatoes" spec, not by whichever spec matches its new structure. Behaviour specs and journeys
 * are chosen separately (a journey's last step and a behaviour spec can both describe one trace).
 */
export function applicableSpecs(
  specs: readonly TestSpec[],
  request: Readonly<Record<string, string>>,
  fingerprint: string,
): Applicable[] {
  const out: Applicable[] = [];
  const rules = specs.filter(
    (s) => s.covers.rule !== undefined && s.covers.behaviour === undefined,
  );
  for (const spec of rules) out.push({ spec, reason: 'rule' });
  const behaviours = specs.filter((s) => s.covers.behaviour !== undefined && !s.covers.journey);
  const journeys = specs.filter((s) => s.covers.journey !== undefined);
  for (const group of [behaviours, journeys]) {
    const fitting = group.filter((s) => pinnedRequest(s).every(([k, v]) => request[k] === v));
    if (fitting.length <= 1) {
      for (const spec of fitting) out.push({ spec, reason: 'request' });
      continue;
    }
    const own = fitting.filter((s) => s.covers.behaviour === fingerprint);
    if (own.length > 0) for (const spec of own) out.push({ spec, reason: 'fingerprint' });
    else for (const spec of fitting) out.push({ spec, reason: 'unknown-behaviour' });
  }
  return out;
}

/**
 * The request of a stored trace as conditions and pins read it: its entry (root) span's
 * attributes. Transport attributes are harmless here (no spec pins them).
 */
export function storedRequest(trace: ModelTrace): Record<string, string> {
  const roots = trace.spans.filter((s) => s.parentSpanId === '');
  const entry = roots.find((s) => s.kind === 2 || s.kind === 5) ?? roots[0];
  return entry?.attributes ?? {};
}
