import type { EdgeTruth } from './ground-truth.model';

/** A stable identity for an edge, for sets and diffs: `CALLS a|HTTP GET /x -> b|HTTP GET /x`. */
export function edgeKey(edge: EdgeTruth): string {
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

/** The effect of an edge as a rule states it: `calls potato-handler POST /potatoes`. */
export function describeEffect(edge: EdgeTruth): string {
  switch (edge.type) {
    case 'CALLS': {
      const [service, operation] = edge.to.split('|');
      return `calls ${service} ${operation.startsWith('HTTP ') ? operation.slice(5) : operation}`;
    }
    case 'READS':
      return `reads ${edge.to} (${edge.operation})`;
    case 'WRITES':
      return `writes ${edge.to} (${edge.operation})`;
    case 'PUBLISHES':
      return `publishes ${edge.to}`;
    case 'CONSUMES':
      return `consumes ${edge.to}`;
    case 'CALLS_EXTERNAL':
      return `calls external ${edge.to} ${edge.method} ${edge.route}`;
  }
}
