import type {
  DiffStatus,
  EndpointRow,
  GraphEdge,
  GraphNode,
  MapModel,
  SystemGraph,
} from './map.types';

/** Sizes the layout works with: text is drawn at 12 px, about 7 px a character. */
export const CHAR_WIDTH = 7.4;
export const ROW_HEIGHT = 20;
export const HEADER_HEIGHT = 28;
const PAD = 16;

export const serviceNodeId = (service: string) => `service:${service}`;
export const entityNodeId = (kind: string, name: string) => `entity:${kind}:${name}`;

const ENTITY_KIND_OF_EDGE: Record<string, string> = {
  PUBLISHES: 'TOPIC',
  CONSUMES: 'TOPIC',
  CALLS_EXTERNAL: 'EXTERNAL_API',
};

const KIND_WORD: Record<string, string> = {
  TABLE: 'table',
  COLLECTION: 'collection',
  CACHE_PREFIX: 'cache',
  TOPIC: 'topic',
  EXTERNAL_API: 'external API',
};

export const entityKindWord = (kind: string): string => KIND_WORD[kind] ?? kind.toLowerCase();

const serviceOfKey = (key: string) => (key.includes('|') ? key.slice(0, key.indexOf('|')) : key);
const operationOfKey = (key: string) => (key.includes('|') ? key.slice(key.indexOf('|') + 1) : key);

/**
 * The system as a graph to lay out: one node per service (its endpoints as rows, entry endpoints
 * marked), one per entity, and one edge per model edge between them. Model edges start at an
 * endpoint or a service and end at an endpoint (CALLS) or an entity; a consumer's edge is drawn
 * from the topic to the consumer, so data flows one way across the picture. Edges that a rule
 * decides carry the rule's condition. With `focus`, only that node and its neighbours.
 */
export function buildSystemGraph(model: MapModel, focus?: string): SystemGraph {
  const endpoints = new Map(model.endpoints.map((e) => [e.key, e]));
  const entityByName = new Map<string, { kind: string; name: string; system: string }[]>();
  for (const e of model.entities)
    entityByName.set(e.name, [...(entityByName.get(e.name) ?? []), e]);

  const services = new Map<string, Set<string>>();
  const addService = (name: string) => {
    if (!services.has(name)) services.set(name, new Set());
    return services.get(name)!;
  };
  for (const s of model.services) for (const key of s.endpoints) addService(s.name).add(key);
  for (const e of model.endpoints) addService(e.service).add(e.key);

  const entities = new Map<string, { kind: string; name: string; system: string }>();
  for (const e of model.entities) entities.set(entityNodeId(e.kind, e.name), e);
  const entityNode = (name: string, kind: string | null | undefined) => {
    const candidates = entityByName.get(name) ?? [];
    const found = candidates.find((c) => !kind || c.kind === kind) ?? candidates[0];
    const entity = found ?? { kind: kind ?? 'EXTERNAL_API', name, system: '' };
    const id = entityNodeId(entity.kind, entity.name);
    if (!entities.has(id)) entities.set(id, entity);
    return id;
  };

  const conditions = new Map<string, string[]>();
  for (const r of model.rules) {
    const list = conditions.get(r.edge.id) ?? [];
    if (!list.includes(r.condition)) list.push(r.condition);
    conditions.set(r.edge.id, list);
  }

  const edges: GraphEdge[] = [];
  for (const e of model.edges) {
    const source = serviceNodeId(serviceOfKey(e.from));
    addService(serviceOfKey(e.from));
    let target: string;
    if (e.type === 'CALLS') {
      target = serviceNodeId(serviceOfKey(e.to));
      addService(serviceOfKey(e.to));
    } else {
      target = entityNode(e.to, e.entityKind ?? ENTITY_KIND_OF_EDGE[e.type]);
    }
    const reversed = e.type === 'CONSUMES';
    const rule = conditions.get(e.id);
    edges.push({
      id: e.id,
      from: reversed ? target : source,
      to: reversed ? source : target,
      type: e.type,
      ...(e.from.includes('|') ? { fromEndpoint: e.from } : {}),
      ...(rule ? { label: rule.map((c) => `if ${c}`).join(' / ') } : {}),
      status: 'same',
    });
  }

  const nodes: GraphNode[] = [];
  for (const [name, keys] of [...services].sort(([a], [b]) => a.localeCompare(b))) {
    const rows: EndpointRow[] = [...keys].sort().map((key) => ({
      key,
      label: operationOfKey(key),
      entry: endpoints.get(key)?.entry ?? false,
      status: 'same',
    }));
    nodes.push(sized({ id: serviceNodeId(name), kind: 'service', label: name, detail: '', rows }));
  }
  for (const [id, e] of [...entities].sort(([a], [b]) => a.localeCompare(b))) {
    nodes.push(
      sized({
        id,
        kind: 'entity',
        label: e.name,
        detail: e.system ? `${entityKindWord(e.kind)} · ${e.system}` : entityKindWord(e.kind),
        rows: [],
        entity: { kind: e.kind, name: e.name },
      }),
    );
  }
  const graph = { nodes, edges };
  return focus ? neighbourhood(graph, focus) : graph;
}

function sized(node: Omit<GraphNode, 'width' | 'height' | 'status'>): GraphNode {
  const texts = [node.label, node.detail, ...node.rows.map((r) => `▶ ${r.label}`)];
  const width = Math.max(90, ...texts.map((t) => t.length * CHAR_WIDTH)) + PAD;
  const height =
    node.kind === 'service'
      ? HEADER_HEIGHT + node.rows.length * ROW_HEIGHT + 8
      : HEADER_HEIGHT + 18;
  return { ...node, width, height, status: 'same' };
}

/** A node, the nodes one edge away from it, and the edges between them. */
export function neighbourhood(graph: SystemGraph, id: string): SystemGraph {
  if (!graph.nodes.some((n) => n.id === id)) return { nodes: [], edges: [] };
  const keep = new Set([id]);
  for (const e of graph.edges) {
    if (e.from === id) keep.add(e.to);
    if (e.to === id) keep.add(e.from);
  }
  return {
    nodes: graph.nodes.filter((n) => keep.has(n.id)),
    edges: graph.edges.filter((e) => keep.has(e.from) && keep.has(e.to)),
  };
}

/**
 * Two versions' graphs as one, for drift: what only the newer has is `added`, what only the
 * older had is `removed`, the rest `same`; a service's endpoint rows are marked the same way.
 */
export function mergeGraphs(before: SystemGraph, after: SystemGraph): SystemGraph {
  const status = (inBefore: boolean, inAfter: boolean): DiffStatus =>
    inBefore && inAfter ? 'same' : inAfter ? 'added' : 'removed';
  const beforeNodes = new Map(before.nodes.map((n) => [n.id, n]));
  const afterNodes = new Map(after.nodes.map((n) => [n.id, n]));
  const nodes: GraphNode[] = [];
  for (const id of [...new Set([...beforeNodes.keys(), ...afterNodes.keys()])].sort()) {
    const a = beforeNodes.get(id);
    const b = afterNodes.get(id);
    const base = (b ?? a)!;
    const rowsBefore = new Map((a?.rows ?? []).map((r) => [r.key, r]));
    const rowsAfter = new Map((b?.rows ?? []).map((r) => [r.key, r]));
    const rows = [...new Set([...rowsBefore.keys(), ...rowsAfter.keys()])].sort().map((key) => ({
      ...(rowsAfter.get(key) ?? rowsBefore.get(key))!,
      status: status(rowsBefore.has(key), rowsAfter.has(key)),
    }));
    const merged = sized({ ...base, rows });
    nodes.push({ ...merged, status: status(a !== undefined, b !== undefined) });
  }
  const beforeEdges = new Map(before.edges.map((e) => [e.id, e]));
  const afterEdges = new Map(after.edges.map((e) => [e.id, e]));
  const edges: GraphEdge[] = [];
  for (const id of [...new Set([...beforeEdges.keys(), ...afterEdges.keys()])].sort()) {
    const a = beforeEdges.get(id);
    const b = afterEdges.get(id);
    edges.push({ ...(b ?? a)!, status: status(a !== undefined, b !== undefined) });
  }
  return { nodes, edges };
}
