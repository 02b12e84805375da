/** The parts of a model version the map draws, as the API answers them. */
export interface MapModel {
  services: { name: string; endpoints: string[] }[];
  endpoints: { key: string; service: string; kind: string; entry: boolean; traces: number }[];
  entities: { kind: string; name: string; system: string }[];
  edges: MapEdgeData[];
  rules: { endpoint: string; condition: string; effect: string; edge: { id: string } }[];
}

export interface MapEdgeData {
  id: string;
  type: string;
  from: string;
  to: string;
  entityKind: string | null;
}

/** How a node or edge relates to the other version, when two are drawn at once (drift). */
export type DiffStatus = 'same' | 'added' | 'removed';

export interface EndpointRow {
  key: string;
  label: string;
  entry: boolean;
  status: DiffStatus;
}

export interface GraphNode {
  id: string;
  kind: 'service' | 'entity';
  label: string;
  /** Entities: `table · postgresql`. */
  detail: string;
  /** Services: their endpoints, one row each. */
  rows: EndpointRow[];
  /** Entities: their kind (`TABLE`) and name, for the link to the entity view. */
  entity?: { kind: string; name: string };
  status: DiffStatus;
  width: number;
  height: number;
}

export interface GraphEdge {
  id: string;
  from: string;
  to: string;
  type: string;
  /** The endpoint row the edge leaves from (CALLS), for the tooltip. */
  fromEndpoint?: string;
  /** Conditions of the rules that decide this edge (`if cart.items >= 10`). */
  label?: string;
  status: DiffStatus;
}

export interface SystemGraph {
  nodes: GraphNode[];
  edges: GraphEdge[];
}
