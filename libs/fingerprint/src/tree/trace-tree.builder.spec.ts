import type { AssembledSpan, AssembledTrace } from '../trace.model';
import { buildTraceTree } from './trace-tree.builder';
import { SYNTHETIC_ROOT_LABEL, UNKNOWN_ENDPOINT, type TraceNode } from './trace-tree.model';

function span(
  spanId: string,
  parentSpanId: string,
  over: Partial<AssembledSpan> = {},
): AssembledSpan {
  return {
    spanId,
    parentSpanId,
    label: `svc|internal|${spanId}|`,
    startUs: 0,
    durationUs: 10,
    error: false,
    ...over,
  };
}

function trace(...spans: AssembledSpan[]): AssembledTrace {
  return { traceId: 't', baseStartNs: 0n, spans };
}

/** `label(child,child)` with children sorted, for structure assertions. */
function shape(node: TraceNode): string {
  const label = node.span?.spanId ?? node.label;
  if (node.children.length === 0) return label;
  return `${label}(${node.children.map(shape).sort().join(',')})`;
}

const server = (id: string, parent = '', over: Partial<AssembledSpan> = {}): AssembledSpan =>
  span(id, parent, { label: `svc|server|${id}|`, endpoint: `svc|HTTP GET /${id}`, ...over });

describe(buildTraceTree.name, () => {
  it('builds a complete tree from one root', () => {
    const tree = buildTraceTree(trace(server('r'), span('a', 'r'), span('b', 'a'), span('c', 'r')));
    expect(shape(tree.root)).toBe('r(a(b),c)');
    expect(tree.complete).toBe(true);
    expect(tree.endpoint).toBe('svc|HTTP GET /r');
    expect(tree.stats).toEqual({
      spans: 4,
      duplicates: 0,
      roots: 1,
      orphans: 0,
      cycles: 0,
      skewed: 0,
    });
  });

  it('lists nodes in pre-order, parents before children, with their index', () => {
    const tree = buildTraceTree(trace(span('b', 'a'), span('a', 'r'), server('r')));
    expect(tree.nodes.map((n) => n.span!.spanId)).toEqual(['r', 'a', 'b']);
    tree.nodes.forEach((n, i) => expect(n.index).toBe(i));
  });

  it('puts orphans under a synthetic root and marks the trace incomplete', () => {
    const tree = buildTraceTree(
      trace(server('r'), span('a', 'r'), span('x', 'lost'), span('y', 'x')),
    );
    expect(tree.root.label).toBe(SYNTHETIC_ROOT_LABEL);
    expect(tree.root.span).toBeUndefined();
    expect(shape(tree.root)).toBe(`${SYNTHETIC_ROOT_LABEL}(r(a),x(y))`);
    expect(tree.complete).toBe(false);
    expect(tree.stats.orphans).toBe(1);
    expect(tree.entry?.spanId).toBe('r');
  });

  it('with several roots prefers a server/consumer root, then one with an endpoint, then the earliest', () => {
    const early = span('early', '', { startUs: -100, endpoint: 'svc|early' });
    const srv = server('srv', '', { startUs: 50 });
    const consumer = span('cons', '', {
      label: 'svc|consumer|cons|',
      startUs: 10,
      endpoint: 'svc|CONSUME q',
    });
    let tree = buildTraceTree(trace(early, srv, consumer));
    expect(tree.entry?.spanId).toBe('cons');
    expect(tree.complete).toBe(false);
    expect(tree.stats.roots).toBe(3);

    const noKey = span('nokey', '', { startUs: -500 });
    tree = buildTraceTree(trace(noKey, early));
    expect(tree.entry?.spanId).toBe('early');

    const tie = buildTraceTree(
      trace(server('b', '', { startUs: 5 }), server('a', '', { startUs: 5 })),
    );
    expect(tie.entry?.spanId).toBe('a');
  });

  it('takes the entry among orphans when no span is a root', () => {
    const tree = buildTraceTree(
      trace(span('a', 'gone', { startUs: 1 }), server('s', 'gone2', { startUs: 9 })),
    );
    expect(tree.entry?.spanId).toBe('s');
    expect(tree.endpoint).toBe('svc|HTTP GET /s');
  });

  it('breaks a cycle at its smallest span id, whatever the input order', () => {
    const spans = [
      server('r'),
      span('m', 'r'),
      span('c2', 'c1'),
      span('c1', 'c3'),
      span('c3', 'c2'),
      span('t', 'c3'),
    ];
    for (const order of [spans, [...spans].reverse()]) {
      const tree = buildTraceTree(trace(...order));
      expect(shape(tree.root)).toBe(`${SYNTHETIC_ROOT_LABEL}(c1(c2(c3(t))),r(m))`);
      expect(tree.stats.cycles).toBe(1);
      expect(tree.complete).toBe(false);
      expect(tree.nodes).toHaveLength(7);
    }
  });

  it('handles a span that is its own parent, and a trace that is only a cycle', () => {
    let tree = buildTraceTree(trace(server('r'), span('self', 'self')));
    expect(shape(tree.root)).toBe(`${SYNTHETIC_ROOT_LABEL}(r,self)`);
    tree = buildTraceTree(trace(span('a', 'b'), span('b', 'a')));
    expect(shape(tree.root)).toBe(`${SYNTHETIC_ROOT_LABEL}(a(b))`);
    expect(tree.entry?.spanId).toBe('a');
  });

  it('keeps one copy of a duplicated span id, the same one in any order', () => {
    const withParent = span('d', 'r', { startUs: 5 });
    const asRoot = span('d', '', { startUs: 1 });
    const later = span('d', 'r', { startUs: 7 });
    for (const order of [
      [server('r'), asRoot, withParent, later],
      [later, withParent, server('r'), asRoot],
    ]) {
      const tree = buildTraceTree(trace(...order));
      expect(tree.stats.duplicates).toBe(2);
      expect(tree.stats.spans).toBe(2);
      expect(tree.nodes.find((n) => n.span?.spanId === 'd')!.span).toBe(withParent);
      expect(tree.complete).toBe(true);
    }
  });

  it('takes the structure from parent links even when clocks disagree, and counts the skew', () => {
    const tree = buildTraceTree(
      trace(
        server('r', '', { startUs: 100, durationUs: 100 }),
        span('early', 'r', { startUs: 50, durationUs: 10 }),
        span('late', 'r', { startUs: 150, durationUs: 500 }),
        span('ok', 'r', { startUs: 120, durationUs: 10 }),
      ),
    );
    expect(shape(tree.root)).toBe('r(early,late,ok)');
    expect(tree.complete).toBe(true);
    expect(tree.stats.skewed).toBe(2);
  });

  it('survives an empty trace', () => {
    const tree = buildTraceTree(trace());
    expect(tree.root.label).toBe(SYNTHETIC_ROOT_LABEL);
    expect(tree.entry).toBeUndefined();
    expect(tree.endpoint).toBe(UNKNOWN_ENDPOINT);
    expect(tree.complete).toBe(false);
  });

  it('survives deep traces without recursion', () => {
    const spans = [server('s0')];
    for (let i = 1; i < 50_000; i++) spans.push(span(`s${i}`, `s${i - 1}`));
    const tree = buildTraceTree(trace(...spans));
    expect(tree.nodes).toHaveLength(50_000);
    expect(tree.complete).toBe(true);
  });
});
