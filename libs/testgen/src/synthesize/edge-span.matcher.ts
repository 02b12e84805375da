import type { ModelEdge } from '@t2t/model';
import { endpointOf, semanticOf, type IndexedSpan } from '../evaluate/trace.index';

/**
 * Whether a span is where an edge of the model happens: the callee's server span for CALLS, the
 * database/cache/producer/client span of the edge's service otherwise. Read from the semantic key
 * (libs/fingerprint), the same normalised text the model's edges were extracted from, so both
 * generations of attribute names are covered.
 */
export function spanRealisesEdge(s: IndexedSpan, edge: ModelEdge): boolean {
  switch (edge.type) {
    case 'CALLS':
      return s.kind === 'server' && endpointOf(s) === edge.to;
    case 'CONSUMES':
      return (
        s.span.service === edge.from &&
        s.kind === 'consumer' &&
        endpointOf(s) === `${edge.from}|CONSUME ${edge.to}`
      );
    default:
      break;
  }
  if (s.span.service !== edge.from) return false;
  const words = semanticOf(s).split(' ');
  switch (edge.type) {
    case 'READS':
    case 'WRITES': {
      if (words[0] !== 'db' && words[0] !== 'cache') return false;
      const op = edge.operation.toLowerCase();
      const name = edge.to.replace(/\{id\}/g, '*');
      return (
        words.some((w) => w.toLowerCase() === op) &&
        words.slice(3).some((w) => w === name || w.endsWith(`.${name}`))
      );
    }
    case 'PUBLISHES':
      return (s.kind === 'producer' || words[0] === 'msg') && words.slice(3).includes(edge.to);
    case 'CALLS_EXTERNAL':
      return (
        s.kind === 'client' &&
        (words[0] === 'http' || words[0] === 'rpc') &&
        words.includes(edge.to) &&
        (edge.route === '' || words.includes(edge.route))
      );
  }
}
