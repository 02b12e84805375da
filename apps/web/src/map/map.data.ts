import { allPages, type RunQuery } from '../api/graphql.client';
import type { MapModel } from './map.types';

export interface VersionedMap {
  version: number;
  modelHash: string;
  createdAt: string;
  counts: Record<'services' | 'endpoints' | 'entities' | 'edges' | 'behaviours' | 'rules', number>;
  model: MapModel;
}

const FIELDS = {
  endpoints: 'key service kind entry traces',
  edges: 'id type from to entityKind',
  rules: 'endpoint condition effect edge { id }',
} as const;

type Part = keyof typeof FIELDS;

const page = (part: Part) =>
  `${part}(first: 100, after: $after) { edges { node { ${FIELDS[part]} } } pageInfo { hasNextPage endCursor } }`;

interface Connection<T> {
  edges: { node: T }[];
  pageInfo: { hasNextPage: boolean; endCursor: string | null };
}

interface MapAnswer {
  modelVersion: Omit<VersionedMap, 'model'> &
    Pick<MapModel, 'services' | 'entities'> & {
      endpoints: Connection<MapModel['endpoints'][number]>;
      edges: Connection<MapModel['edges'][number]>;
      rules: Connection<MapModel['rules'][number]>;
    };
}

/**
 * A model version's map data (the latest when `version` is undefined): services, entities, and
 * every endpoint, edge and rule, a page of 100 at a time.
 */
export async function loadMap(run: RunQuery, version?: number): Promise<VersionedMap> {
  const first = await run<MapAnswer>(
    `query Map($version: Int, $after: String) { modelVersion(version: $version) {
      version modelHash createdAt counts { services endpoints entities edges behaviours rules }
      services { name endpoints } entities { kind name system }
      ${page('endpoints')} ${page('edges')} ${page('rules')} } }`,
    { version: version ?? null, after: null },
  );
  const v = first.modelVersion;
  const rest = async <T>(part: Part, c: Connection<T>): Promise<T[]> => {
    const items = c.edges.map((e) => e.node);
    if (!c.pageInfo.hasNextPage) return items;
    const more = await allPages<{ modelVersion: Record<Part, Connection<T>> }, T>(
      (q, vars) => run(q, { ...vars, after: vars?.after ?? c.pageInfo.endCursor }),
      `query MapPart($version: Int!, $after: String) { modelVersion(version: $version) { ${page(part)} } }`,
      { version: v.version },
      (d) => d.modelVersion[part],
    );
    return [...items, ...more];
  };
  const [endpoints, edges, rules] = await Promise.all([
    rest('endpoints', v.endpoints),
    rest('edges', v.edges),
    rest('rules', v.rules),
  ]);
  return {
    version: v.version,
    modelHash: v.modelHash,
    createdAt: v.createdAt,
    counts: v.counts,
    model: { services: v.services, entities: v.entities, endpoints, edges, rules },
  };
}
