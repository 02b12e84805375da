import { percent } from '../format';

export interface RuleMeasurement {
  basis: string;
  behaviours: { fingerprint: string; effect: boolean; traces: number; holds: number }[];
}

/**
 * The behaviours that contradict a rule, in words: traces with the effect whose request did not
 * satisfy the condition, or traces satisfying it without the effect. Empty when every counted
 * trace agrees (the usual case: such a rule is what modeling keeps).
 */
export function counterExamples(measured: RuleMeasurement | null | undefined): string[] {
  if (!measured) return [];
  const out: string[] = [];
  for (const b of measured.behaviours) {
    const id = b.fingerprint.slice(0, 8);
    if (b.effect && b.holds < b.traces) {
      out.push(
        `behaviour ${id}: ${b.traces - b.holds} of ${b.traces} traces with the effect do not satisfy the condition`,
      );
    } else if (!b.effect && b.holds > 0) {
      out.push(
        `behaviour ${id}: ${b.holds} of ${b.traces} traces satisfy the condition without the effect`,
      );
    }
  }
  return out;
}

/** What the figures were counted on, in a few words. */
export function measuredOn(measured: RuleMeasurement | null | undefined): string {
  if (!measured) return 'samples (not measured)';
  const traces = measured.behaviours.reduce((n, b) => n + b.traces, 0);
  const basis = measured.basis === 'all-traces' ? 'all stored traces' : 'samples';
  return `${basis}: ${traces.toLocaleString('en')} traces in ${measured.behaviours.length} behaviour(s)`;
}

export const confidenceText = (c: number): string => percent(c, 1);
