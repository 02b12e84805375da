import type { Assertion } from '../spec/test-spec.model';

/** A span as a report names it. */
export interface SpanRef {
  spanId: string;
  service: string;
  kind: string;
  name: string;
}

/**
 * The outcome of one leaf assertion on one trace. Conditional assertions do not produce a result of
 * their own: the leaves of the branch that applied do, carrying the condition and its outcome.
 */
export interface AssertionResult {
  id: string;
  /** JSON path in the spec: `$.assertions[2].then[0]`. */
  path: string;
  kind: Exclude<Assertion['kind'], 'conditional'>;
  description: string;
  passed: boolean;
  /** What was expected, in words. */
  expected: string;
  /** What the trace shows (for a pass, briefly what satisfied it). */
  found: string;
  /** Spans involved: the offending or selected spans, at most a few. */
  spans: SpanRef[];
  /** Per attribute/status key that failed (attributes assertions only). */
  failedKeys?: string[];
  /** Set when the assertion belongs to the performance profile. */
  profile?: 'performance';
  /** Set for leaves of a conditional: which branch applied and why. */
  branch?: { conditionPath: string; condition: string; holds: boolean; values: string };
}
