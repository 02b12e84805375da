import type { AssembledSpan } from '../trace.model';

/** Label of the node put above several top-level spans (several roots, orphans, broken cycles). */
export const SYNTHETIC_ROOT_LABEL = '(trace)';

/** Endpoint of a trace without an entry span (or whose entry span has no endpoint key). */
export const UNKNOWN_ENDPOINT = '(unknown)';

export interface TraceNode {
  /** Position in `TraceTree.nodes`, which is in pre-order: a parent always comes before its children. */
  index: number;
  /** undefined for the synthetic root. */
  span: AssembledSpan | undefined;
  label: string;
  children: TraceNode[];
}

/** What repairing the trace took; all zero for a well-formed trace. For metrics, not identity. */
export interface TraceTreeStats {
  /** Spans kept (after removing duplicates). */
  spans: number;
  /** Spans dropped because another span had the same id. */
  duplicates: number;
  /** Spans without a parent id. */
  roots: number;
  /** Spans whose parent id is not in the trace. */
  orphans: number;
  /** Parent links removed to break cycles (one per cycle). */
  cycles: number;
  /** Spans that start before or end after their parent (clock skew between hosts, or async work). */
  skewed: number;
}

export interface TraceTree {
  /** The single root span's node, or a synthetic node (label `(trace)`, no span) above all top-level spans. */
  root: TraceNode;
  /** Every node, pre-order from `root`. */
  nodes: TraceNode[];
  /** The span whose endpoint is the trace's endpoint; undefined for an empty trace. */
  entry: AssembledSpan | undefined;
  /** `entry.endpoint`, or `(unknown)`. */
  endpoint: string;
  /** Exactly one root, no orphans, no cycles. */
  complete: boolean;
  stats: TraceTreeStats;
  /**
   * Microseconds past the whole millisecond at which the trace's base time lies (0–999): with it,
   * a span's relative `startUs` tells whether its absolute start is a whole millisecond, which is
   * how the fingerprint recognises a millisecond clock.
   */
  baseUsInMs: number;
}
