import { type EdgeLabel, type GraphLabel, graphlib, layout, type NodeLabel } from '@dagrejs/dagre';
import { CHAR_WIDTH } from './system.graph';
import type { GraphEdge, GraphNode, SystemGraph } from './map.types';

export interface Point {
  x: number;
  y: number;
}

export interface PlacedNode extends GraphNode {
  /** Top-left corner. */
  x: number;
  y: number;
}

export interface PlacedEdge extends GraphEdge {
  points: Point[];
  /** Centre of the label, when the edge has one. */
  labelAt?: Point;
  labelWidth: number;
}

export interface PlacedGraph {
  nodes: PlacedNode[];
  edges: PlacedEdge[];
  width: number;
  height: number;
}

const MARGIN = 20;
const LABEL_HEIGHT = 18;

/**
 * Positions for every node and a route for every edge, left to right in the direction calls and
 * data flow (dagre's layered layout), with room for the labels of conditional edges.
 */
export function layoutGraph(graph: SystemGraph): PlacedGraph {
  const g = new graphlib.Graph<GraphLabel, NodeLabel, EdgeLabel>({ multigraph: true });
  g.setGraph({
    rankdir: 'LR',
    nodesep: 24,
    ranksep: 70,
    edgesep: 12,
    marginx: MARGIN,
    marginy: MARGIN,
  });
  g.setDefaultEdgeLabel(() => ({}));
  for (const n of graph.nodes) g.setNode(n.id, { width: n.width, height: n.height });
  const labelWidths = new Map<string, number>();
  for (const e of graph.edges) {
    const labelWidth = e.label ? e.label.length * (CHAR_WIDTH - 0.5) + 10 : 0;
    labelWidths.set(e.id, labelWidth);
    g.setEdge(
      e.from,
      e.to,
      e.label ? { width: labelWidth, height: LABEL_HEIGHT, labelpos: 'c' } : {},
      e.id,
    );
  }
  layout(g);
  const nodes = graph.nodes.map((n) => {
    const placed = g.node(n.id);
    return { ...n, x: (placed.x ?? 0) - n.width / 2, y: (placed.y ?? 0) - n.height / 2 };
  });
  const edges = graph.edges.map((e) => {
    const placed = g.edge({ v: e.from, w: e.to, name: e.id });
    const labelWidth = labelWidths.get(e.id) ?? 0;
    return {
      ...e,
      points: (placed.points ?? []).map((p: Point) => ({ x: p.x, y: p.y })),
      labelWidth,
      ...(e.label && placed.x !== undefined && placed.y !== undefined
        ? { labelAt: { x: placed.x, y: placed.y } }
        : {}),
    };
  });
  const size = g.graph();
  return {
    nodes,
    edges,
    width: Math.ceil(size.width ?? 0),
    height: Math.ceil(size.height ?? 0),
  };
}

/** An SVG path through the edge's points (straight segments, rounded by the stroke). */
export function pathOf(points: readonly Point[]): string {
  return points
    .map((p, i) => `${i === 0 ? 'M' : 'L'}${p.x.toFixed(1)},${p.y.toFixed(1)}`)
    .join(' ');
}
