import type { ModelEdge } from '../model.types';

/** Omit applied to each member of a union (plain Omit would merge the members into one shape). */
type OmitEach<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;

/** An edge without its `seenIn` list: what one trace shows. */
export type EdgeShape = OmitEach<ModelEdge, 'seenIn'>;

/**
 * A stable identity for an edge (ModelBehaviour.edges, diffs, the hash), written in the same form
 * as libs/examples' edgeKey so a model edge and a ground-truth edge compare as strings:
 * `CALLS a|HTTP GET /x -> b|HTTP GET /x`, `WRITES svc -> table orders (INSERT)`,
 * `PUBLISHES svc -> topic orders`, `CALLS_EXTERNAL svc -> api.stripe.example POST /v1/charges`.
 */
export function edgeId(edge: EdgeShape): string {
  switch (edge.type) {
    case 'CALLS':
      return `CALLS ${edge.from} -> ${edge.to}`;
    case 'READS':
    case 'WRITES':
      return `${edge.type} ${edge.from} -> ${edge.entityKind} ${edge.to} (${edge.operation})`;
    case 'PUBLISHES':
    case 'CONSUMES':
      return `${edge.type} ${edge.from} -> topic ${edge.to}`;
    case 'CALLS_EXTERNAL':
      return `CALLS_EXTERNAL ${edge.from} -> ${edge.to} ${edge.method} ${edge.route}`;
  }
}

/**
 * The effect of an edge as a rule states it, in the ground truth's words:
 * `calls potato-handler POST /potatoes`, `writes gift_cards (UPDATE)`,
 * `calls external api.stripe.example POST /v1/charges`.
 */
export function describeEffect(edge: EdgeShape): string {
  switch (edge.type) {
    case 'CALLS': {
      const bar = edge.to.indexOf('|');
      const operation = edge.to.slice(bar + 1);
      const shown = operation.startsWith('HTTP ') ? operation.slice(5) : operation;
      return `calls ${edge.to.slice(0, bar)} ${shown}`;
    }
    case 'READS':
    case 'WRITES':
      return `${edge.type.toLowerCase()} ${edge.to} (${edge.operation})`;
    case 'PUBLISHES':
    case 'CONSUMES':
      return `${edge.type.toLowerCase()} ${edge.to}`;
    case 'CALLS_EXTERNAL':
      return `calls external ${edge.to} ${edge.method} ${edge.route}`;
  }
}
