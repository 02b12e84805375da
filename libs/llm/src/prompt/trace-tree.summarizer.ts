import {
  entryEndpoint,
  kindName,
  normalizeOperation,
  semanticKey,
  type SpanFacts,
} from '@t2t/fingerprint';
import type { ModelSpan, ModelTrace } from '@t2t/model';

/**
 * A recorded trace as the prompt shows it: a tree of span labels with the few attributes a test
 * can assert on, one line per span, and nothing a test cannot use (trace and span ids, timestamps,
 * per-span durations, transport details). The LLM copies selector values from these lines, so
 * they use exactly the vocabulary of spec selectors: `service`, `kind`, `operation` (libs/fingerprint
 * normalizeOperation), `[semantic]` (semanticKey) and `endpoint=` (entryEndpoint).
 */

/** Status-code attributes of both semantic-convention generations: the usual thing to assert. */
const STATUS_ATTRIBUTES = ['http.response.status_code', 'http.status_code', 'rpc.grpc.status_code'];

/**
 * Semantic-convention namespaces whose attributes describe transport, not the application:
 * already summarised by the semantic key, or noise for a test (ports, protocol versions). The
 * remaining attributes of server and consumer spans are the request's own (`user.id`,
 * `cart.items`): what a test's setup and trigger need.
 */
const TRANSPORT_PREFIXES = [
  'http.',
  'url.',
  'server.',
  'client.',
  'network.',
  'net.',
  'user_agent.',
  'messaging.',
  'db.',
  'rpc.',
  'otel.',
  'telemetry.',
  'thread.',
  'code.',
  'process.',
  'host.',
  'exception.',
  'peer.',
];

/** Per span, at most this many request attributes: a span with 40 custom attributes stays one line. */
const MAX_REQUEST_ATTRIBUTES = 8;
/** Longer values (SQL, JSON blobs) are cut: the prompt needs the shape, not the payload. */
const MAX_VALUE_LENGTH = 48;

export interface TraceSummaryOptions {
  /** Attributes that decide a rule: shown on every span that carries them. */
  ruleAttributes: ReadonlySet<string>;
  /** Other traces of the same behaviour: values that differ among them are marked `~`. */
  siblings?: readonly ModelTrace[];
}

interface Node {
  span: ModelSpan;
  children: Node[];
  /** Labels from the root down to this span: identifies "the same span" across sibling traces. */
  path: string;
}

/** The trace as indented lines (two spaces per level), deterministic for equal input. */
export function summarizeTrace(trace: ModelTrace, options: TraceSummaryOptions): string[] {
  const roots = buildTree(trace);
  const variance = varyingValues(options.siblings ?? [], options.ruleAttributes);
  const ids = new Set<string>([trace.traceId, ...trace.spans.map((s) => s.spanId)]);
  const lines: string[] = [];
  const entry = roots[0]?.span;
  const walk = (nodes: Node[], depth: number) => {
    for (const run of collapseRuns(nodes)) {
      const node = run[0];
      const line = describeSpan(node, options.ruleAttributes, variance, ids, node.span === entry);
      lines.push(`${'  '.repeat(depth)}- ${line}${run.length > 1 ? ` ×${run.length}` : ''}`);
      walk(node.children, depth + 1);
    }
  };
  walk(roots, 0);
  return lines;
}

function facts(span: ModelSpan): SpanFacts {
  return {
    name: span.name,
    kind: span.kind,
    serviceName: span.service,
    parentSpanId: span.parentSpanId,
    attributes: span.attributes,
  };
}

function labelOf(span: ModelSpan): string {
  return [
    span.service,
    kindName(span.kind),
    normalizeOperation(span.name),
    semanticKey(span.attributes, span.kind, span.name),
  ].join('|');
}

/**
 * Parent links only (times are skewed across hosts); spans whose parent is missing become roots.
 * Children in start order, ties by label, so equal traces print equally. The entry span (the
 * earliest root) comes first.
 */
function buildTree(trace: ModelTrace): Node[] {
  const byId = new Map<string, Node>();
  for (const span of trace.spans) byId.set(span.spanId, { span, children: [], path: '' });
  const roots: Node[] = [];
  for (const node of byId.values()) {
    const parent = node.span.parentSpanId === '' ? undefined : byId.get(node.span.parentSpanId);
    if (parent === undefined || parent === node) roots.push(node);
    else parent.children.push(node);
  }
  const order = (a: Node, b: Node) =>
    a.span.startNs < b.span.startNs
      ? -1
      : a.span.startNs > b.span.startNs
        ? 1
        : labelOf(a.span).localeCompare(labelOf(b.span));
  const visited = new Set<Node>();
  const setPaths = (nodes: Node[], prefix: string) => {
    nodes.sort(order);
    for (const n of nodes) {
      // A cycle in parent links never reaches a root; the guard keeps a corrupt trace finite.
      if (visited.has(n)) continue;
      visited.add(n);
      n.path = `${prefix}/${labelOf(n.span)}`;
      setPaths(n.children, n.path);
    }
  };
  setPaths(roots, '');
  return roots;
}

/** Consecutive siblings with the same label and no children differences collapse into `×N`. */
function collapseRuns(nodes: Node[]): Node[][] {
  const runs: Node[][] = [];
  for (const n of nodes) {
    const last = runs[runs.length - 1];
    if (last !== undefined && last[0].path === n.path && same(last[0], n)) last.push(n);
    else runs.push([n]);
  }
  return runs;
}

function same(a: Node, b: Node): boolean {
  if (a.children.length !== b.children.length) return false;
  return a.children.every((c, i) => c.path === b.children[i].path && same(c, b.children[i]));
}

/** (label path, attribute) pairs whose value differs between the sibling traces. */
function varyingValues(
  traces: readonly ModelTrace[],
  ruleAttributes: ReadonlySet<string>,
): Set<string> {
  const seen = new Map<string, string>();
  const varying = new Set<string>();
  for (const trace of traces) {
    const stack = buildTree(trace);
    while (stack.length > 0) {
      const node = stack.pop()!;
      for (const [name, value] of Object.entries(node.span.attributes)) {
        if (!shown(name, node.span, ruleAttributes)) continue;
        const key = `${node.path}\u0000${name}`;
        const before = seen.get(key);
        if (before === undefined) seen.set(key, value);
        else if (before !== value) varying.add(key);
      }
      stack.push(...node.children);
    }
  }
  return varying;
}

function isInbound(span: ModelSpan): boolean {
  return span.kind === 2 || span.kind === 5;
}

function isRequestAttribute(name: string): boolean {
  return !TRANSPORT_PREFIXES.some((p) => name.startsWith(p));
}

function shown(name: string, span: ModelSpan, ruleAttributes: ReadonlySet<string>): boolean {
  return (
    STATUS_ATTRIBUTES.includes(name) ||
    ruleAttributes.has(name) ||
    ((isInbound(span) || span.parentSpanId === '') && isRequestAttribute(name))
  );
}

function describeSpan(
  node: Node,
  ruleAttributes: ReadonlySet<string>,
  variance: ReadonlySet<string>,
  ids: ReadonlySet<string>,
  entry: boolean,
): string {
  const span = node.span;
  const parts = [span.service, kindName(span.kind), JSON.stringify(normalizeOperation(span.name))];
  const semantic = semanticKey(span.attributes, span.kind, span.name);
  if (semantic !== '') parts.push(`[${semantic}]`);
  const endpoint = isInbound(span) || entry ? entryEndpoint(facts(span)) : undefined;
  if (endpoint !== undefined) parts.push(`endpoint=${endpoint}`);
  if (entry) parts.push('(entry)');
  if (span.statusCode === 2) parts.push('status=error');

  const names = Object.keys(span.attributes)
    .filter((n) => shown(n, span, ruleAttributes) && !ids.has(span.attributes[n]))
    .sort();
  // Status codes and rule attributes always; request attributes up to the cap, in name order.
  const always = names.filter((n) => STATUS_ATTRIBUTES.includes(n) || ruleAttributes.has(n));
  const request = names.filter((n) => !always.includes(n)).slice(0, MAX_REQUEST_ATTRIBUTES);
  const attrs = [...always, ...request].sort().map((n) => {
    const v = span.attributes[n];
    const value = v.length > MAX_VALUE_LENGTH ? `${v.slice(0, MAX_VALUE_LENGTH)}…` : v;
    return `${n}=${value}${variance.has(`${node.path}\u0000${n}`) ? '~' : ''}`;
  });
  if (attrs.length > 0) parts.push(`{${attrs.join(', ')}}`);
  return parts.join(' ');
}
