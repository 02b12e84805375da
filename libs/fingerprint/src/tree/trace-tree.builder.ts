import { servesSameRequest } from '../labels/endpoint.rules';
import { labelIsInbound } from '../labels/span-label.builder';
import type { AssembledSpan, AssembledTrace } from '../trace.model';
import {
  SYNTHETIC_ROOT_LABEL,
  UNKNOWN_ENDPOINT,
  type TraceNode,
  type TraceTree,
  type TraceTreeStats,
} from './trace-tree.model';

/**
 * The span tree of a closed trace, repaired so that fingerprinting always gets a tree, whatever
 * arrived. Every result depends only on the set of spans, never on their order in the input:
 *
 * - Duplicate span ids (replays, buggy SDKs): one span is kept, the first by `compareDuplicates`.
 * - Orphans (parent id not in the trace: lost or not yet sent): kept as top-level spans.
 * - Cycles in parent links: in each cycle the link of the span with the smallest id is cut and
 *   that span becomes top-level. A span that is its own parent is a cycle of one.
 * - Several top-level spans (several roots, orphans, cut cycles): a synthetic root (`(trace)`)
 *   holds them all, and the trace is incomplete.
 * - Clock skew (children starting before or ending after their parent): the structure comes from
 *   parent links only, times are not repaired; such spans are counted in `stats.skewed`.
 *
 * Entry span: among the spans without a parent (else, when there is none, among the top-level
 * orphans and cut spans): a server or consumer span first (it received the request), then one
 * with an endpoint key, then the earliest start, then the smallest span id.
 */
export function buildTraceTree(trace: AssembledTrace): TraceTree {
  const spans = uniqueSpans(trace.spans);
  const byId = new Map<string, TraceNode>();
  const nodes: TraceNode[] = [];
  for (const span of spans) {
    const node: TraceNode = { index: -1, span, label: span.label, children: [] };
    byId.set(span.spanId, node);
    nodes.push(node);
  }

  const roots: TraceNode[] = [];
  const orphans: TraceNode[] = [];
  const parentOf = new Map<TraceNode, TraceNode>();
  for (const node of nodes) {
    const parentId = node.span!.parentSpanId;
    if (parentId === '') {
      roots.push(node);
      continue;
    }
    const parent = byId.get(parentId);
    if (parent === undefined) orphans.push(node);
    else {
      parent.children.push(node);
      parentOf.set(node, parent);
    }
  }

  const reached = new Set<TraceNode>();
  for (const top of roots) markSubtree(top, reached);
  for (const top of orphans) markSubtree(top, reached);
  const cut = reached.size < nodes.length ? breakCycles(nodes, parentOf, reached) : [];

  const tops = [...roots, ...orphans, ...cut];
  const complete = roots.length === 1 && orphans.length === 0 && cut.length === 0;
  const root: TraceNode = complete
    ? roots[0]
    : { index: -1, span: undefined, label: SYNTHETIC_ROOT_LABEL, children: tops };

  const ordered = preOrder(root);
  const entry = chooseEntry(roots.length > 0 ? roots : tops);
  const stats: TraceTreeStats = {
    spans: spans.length,
    duplicates: trace.spans.length - spans.length,
    roots: roots.length,
    orphans: orphans.length,
    cycles: cut.length,
    skewed: countSkewed(ordered),
  };
  return {
    root,
    nodes: ordered,
    entry: entry?.span,
    endpoint:
      (entry === undefined ? undefined : throughGateway(entry)) ??
      entry?.span?.endpoint ??
      UNKNOWN_ENDPOINT,
    complete,
    stats,
    baseUsInMs: Number((trace.baseStartNs / 1000n) % 1000n),
  };
}

/** One span per id; which one is kept depends on the spans, not on their order. */
function uniqueSpans(spans: AssembledSpan[]): AssembledSpan[] {
  const byId = new Map<string, number>();
  let unique: AssembledSpan[] | undefined;
  for (let i = 0; i < spans.length; i++) {
    const span = spans[i];
    const seen = byId.get(span.spanId);
    if (seen === undefined) {
      byId.set(span.spanId, unique === undefined ? i : unique.length);
      unique?.push(span);
      continue;
    }
    // Copy lazily: traces without duplicates (nearly all) keep the caller's array.
    unique ??= spans.slice(0, i);
    if (compareDuplicates(span, unique[seen]) < 0) unique[seen] = span;
  }
  return unique ?? spans;
}

/**
 * Orders copies of one span id: a copy that knows its parent first (it carries more structure),
 * then by parent id, label, start, duration, error, endpoint. A total order on content, so the
 * copy kept is the same in every process.
 */
export function compareDuplicates(a: AssembledSpan, b: AssembledSpan): number {
  const aRoot = a.parentSpanId === '';
  const bRoot = b.parentSpanId === '';
  if (aRoot !== bRoot) return aRoot ? 1 : -1;
  return (
    compareStrings(a.parentSpanId, b.parentSpanId) ||
    compareStrings(a.label, b.label) ||
    a.startUs - b.startUs ||
    a.durationUs - b.durationUs ||
    Number(a.error) - Number(b.error) ||
    compareStrings(a.endpoint ?? '', b.endpoint ?? '')
  );
}

function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function markSubtree(top: TraceNode, reached: Set<TraceNode>): void {
  const stack = [top];
  while (stack.length > 0) {
    const node = stack.pop()!;
    if (reached.has(node)) continue;
    reached.add(node);
    for (const child of node.children) stack.push(child);
  }
}

/**
 * Nodes not reached from a root or an orphan hang off cycles (every node has one parent, so each
 * such group contains exactly one cycle). Cut each cycle at its smallest span id, which does not
 * depend on where the walk started.
 */
function breakCycles(
  nodes: TraceNode[],
  parentOf: Map<TraceNode, TraceNode>,
  reached: Set<TraceNode>,
): TraceNode[] {
  const cut: TraceNode[] = [];
  for (const start of nodes) {
    if (reached.has(start)) continue;
    // Walk up until a node repeats: that node is on the cycle.
    const onWalk = new Set<TraceNode>();
    let node = start;
    while (!onWalk.has(node)) {
      onWalk.add(node);
      node = parentOf.get(node)!;
    }
    let smallest = node;
    for (let n = parentOf.get(node)!; n !== node; n = parentOf.get(n)!) {
      if (n.span!.spanId < smallest.span!.spanId) smallest = n;
    }
    const parent = parentOf.get(smallest)!;
    parent.children.splice(parent.children.indexOf(smallest), 1);
    parentOf.delete(smallest);
    cut.push(smallest);
    markSubtree(smallest, reached);
  }
  return cut;
}

function preOrder(root: TraceNode): TraceNode[] {
  const out: TraceNode[] = [];
  const stack = [root];
  while (stack.length > 0) {
    const node = stack.pop()!;
    node.index = out.length;
    out.push(node);
    for (let i = node.children.length - 1; i >= 0; i--) stack.push(node.children[i]);
  }
  return out;
}

/**
 * The endpoint of a trace that entered through a gateway or proxy (its entry span's `lookThrough`):
 * the key of the first server span further in with a key of its own, the shallowest, then the
 * earliest (then the smallest span id, so every process picks the same). With `same-request`, only
 * when that span serves the request the entry received (a route-less service calling another is
 * not a proxy). Undefined: the entry span's own key stands.
 */
function throughGateway(entry: TraceNode): string | undefined {
  const mode = entry.span?.lookThrough;
  if (mode === undefined) return undefined;
  const request = entry.span!.endpoint!;
  // Level by level: the shallowest server with a key of its own, and the shallowest serving the
  // request the gateway received (a gateway's own calls, an auth check or a call it should not
  // make, can sit above or beside the API it forwards to).
  let first: AssembledSpan | undefined;
  let level = entry.children;
  while (level.length > 0) {
    let serving: AssembledSpan | undefined;
    let earliest: AssembledSpan | undefined;
    const next: TraceNode[] = [];
    for (const node of level) {
      const s = node.span;
      if (s?.endpoint !== undefined && s.lookThrough === undefined && s.parentSpanId !== '') {
        if (earlier(s, earliest)) earliest = s;
        if (servesSameRequest(request, s.endpoint) && earlier(s, serving)) serving = s;
      }
      for (const child of node.children) next.push(child);
    }
    if (serving !== undefined) return serving.endpoint;
    first ??= earliest;
    level = next;
  }
  return mode === 'always' ? first?.endpoint : undefined;
}

function earlier(s: AssembledSpan, than: AssembledSpan | undefined): boolean {
  return (
    than === undefined ||
    s.startUs < than.startUs ||
    (s.startUs === than.startUs && s.spanId < than.spanId)
  );
}

function chooseEntry(candidates: TraceNode[]): TraceNode | undefined {
  let best: TraceNode | undefined;
  for (const node of candidates) {
    if (best === undefined || compareEntry(node.span!, best.span!) < 0) best = node;
  }
  return best;
}

function compareEntry(a: AssembledSpan, b: AssembledSpan): number {
  const aInbound = labelIsInbound(a.label);
  if (aInbound !== labelIsInbound(b.label)) return aInbound ? -1 : 1;
  const aKeyed = a.endpoint !== undefined;
  if (aKeyed !== (b.endpoint !== undefined)) return aKeyed ? -1 : 1;
  return a.startUs - b.startUs || compareStrings(a.spanId, b.spanId);
}

function countSkewed(nodes: TraceNode[]): number {
  let skewed = 0;
  for (const parent of nodes) {
    const p = parent.span;
    if (p === undefined) continue;
    const end = p.startUs + p.durationUs;
    for (const child of parent.children) {
      const c = child.span!;
      if (c.startUs < p.startUs || c.startUs + c.durationUs > end) skewed++;
    }
  }
  return skewed;
}
