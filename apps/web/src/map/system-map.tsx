import { useState } from 'react';
import { hrefOf } from '../router';
import { layoutGraph, pathOf, type PlacedEdge, type PlacedNode } from './graph.layout';
import type { SystemGraph } from './map.types';
import { HEADER_HEIGHT, ROW_HEIGHT } from './system.graph';

const EDGE_WORD: Record<string, string> = {
  CALLS: 'calls',
  CALLS_EXTERNAL: 'calls',
  READS: 'reads',
  WRITES: 'writes',
  PUBLISHES: 'publishes to',
  CONSUMES: 'consumed by',
};

const STATUS_WORD = { same: '', added: ' (added)', removed: ' (removed)' } as const;

/**
 * The system graph drawn as SVG: services as boxes listing their endpoints (entry endpoints
 * marked ▶, each a link to its endpoint view), entities as rounded boxes linking to theirs, edges
 * as arrows styled by type, conditional edges labelled with their rule. In drift mode nodes, rows
 * and edges carry their status (added, removed).
 */
export function SystemMap({ graph, title }: { graph: SystemGraph; title: string }) {
  const [fit, setFit] = useState(true);
  const placed = layoutGraph(graph);
  if (placed.nodes.length === 0) return <p className="muted">Nothing to draw.</p>;
  const titleId = `map-title-${title.replace(/[^a-z0-9]/gi, '-')}`;
  return (
    <div className="map-frame">
      <button
        type="button"
        className="map-zoom"
        aria-pressed={!fit}
        onClick={() => setFit((f) => !f)}
      >
        {fit ? 'Actual size' : 'Fit to width'}
      </button>
      <div className={`map-scroll${fit ? '' : ' actual-size'}`} data-testid="system-map">
        <svg
          className={`system-map${fit ? ' fit' : ''}`}
          width={placed.width}
          height={placed.height}
          viewBox={`0 0 ${placed.width} ${placed.height}`}
          aria-labelledby={titleId}
        >
          <title id={titleId}>{title}</title>
          <defs>
            {['same', 'added', 'removed', 'rule'].map((m) => (
              <marker
                key={m}
                id={`arrow-${m}`}
                viewBox="0 0 10 10"
                refX="9"
                refY="5"
                markerWidth="7"
                markerHeight="7"
                orient="auto-start-reverse"
              >
                <path d="M0,0 L10,5 L0,10 z" className={`arrow arrow-${m}`} />
              </marker>
            ))}
          </defs>
          <g className="edges">
            {placed.edges.map((e) => (
              <Edge key={e.id} edge={e} />
            ))}
          </g>
          <g className="nodes">
            {placed.nodes.map((n) => (
              <Node key={n.id} node={n} />
            ))}
          </g>
          <g className="edge-labels">
            {placed.edges
              .filter((e) => e.label && e.labelAt)
              .map((e) => (
                <g key={e.id} className={`edge-label status-${e.status}`}>
                  <rect
                    x={e.labelAt!.x - e.labelWidth / 2}
                    y={e.labelAt!.y - 9}
                    width={e.labelWidth}
                    height={18}
                    rx={4}
                  />
                  <text x={e.labelAt!.x} y={e.labelAt!.y + 4} textAnchor="middle">
                    {e.label}
                  </text>
                </g>
              ))}
          </g>
        </svg>
      </div>
    </div>
  );
}

function Edge({ edge }: { edge: PlacedEdge }) {
  const marker = edge.status !== 'same' ? edge.status : edge.label ? 'rule' : 'same';
  const describe = `${edge.id}${edge.label ? ` — ${edge.label}` : ''}${STATUS_WORD[edge.status]}`;
  return (
    <path
      d={pathOf(edge.points)}
      className={`edge edge-${edge.type.toLowerCase()} status-${edge.status}${edge.label ? ' edge-conditional' : ''}`}
      markerEnd={`url(#arrow-${marker})`}
      data-edge-id={edge.id}
      aria-label={`${EDGE_WORD[edge.type] ?? edge.type}: ${describe}`}
    >
      <title>{describe}</title>
    </path>
  );
}

function Node({ node }: { node: PlacedNode }) {
  if (node.kind === 'entity') {
    return (
      <a
        href={hrefOf({ view: 'entity', kind: node.entity!.kind, name: node.entity!.name })}
        className={`node entity status-${node.status}`}
        data-node-id={node.id}
      >
        <title>{`${node.detail} ${node.label}${STATUS_WORD[node.status]}`}</title>
        <rect x={node.x} y={node.y} width={node.width} height={node.height} rx={14} />
        <text
          x={node.x + node.width / 2}
          y={node.y + 19}
          textAnchor="middle"
          className="node-label"
        >
          {node.label}
        </text>
        <text
          x={node.x + node.width / 2}
          y={node.y + 35}
          textAnchor="middle"
          className="node-detail"
        >
          {node.detail}
        </text>
      </a>
    );
  }
  return (
    <g className={`node service status-${node.status}`} data-node-id={node.id}>
      <rect x={node.x} y={node.y} width={node.width} height={node.height} rx={4} />
      <a href={hrefOf({ view: 'map', service: node.label })} className="service-link">
        <title>{`Show ${node.label} and its neighbours${STATUS_WORD[node.status]}`}</title>
        <text x={node.x + 8} y={node.y + 18} className="node-label">
          {node.label}
        </text>
      </a>
      <line
        x1={node.x}
        x2={node.x + node.width}
        y1={node.y + HEADER_HEIGHT - 4}
        y2={node.y + HEADER_HEIGHT - 4}
        className="node-rule"
      />
      {node.rows.map((r, i) => (
        <a
          key={r.key}
          href={hrefOf({ view: 'endpoint', key: r.key })}
          className={`endpoint-row status-${r.status}${r.entry ? ' entry' : ''}`}
        >
          <title>{`${r.key}${r.entry ? ' (entry endpoint)' : ''}${STATUS_WORD[r.status]}`}</title>
          <text x={node.x + 8} y={node.y + HEADER_HEIGHT + 10 + i * ROW_HEIGHT}>
            {r.entry ? '▶ ' : '· '}
            {r.label}
          </text>
        </a>
      ))}
    </g>
  );
}
