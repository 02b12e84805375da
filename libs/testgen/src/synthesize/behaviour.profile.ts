import type { ModelTrace } from '@t2t/model';
import { matchesSelector } from '../evaluate/span.selector';
import {
  endpointOf,
  indexTrace,
  labelOf,
  operationOf,
  semanticOf,
  type IndexedSpan,
  type TraceIndex,
} from '../evaluate/trace.index';
import type { SpanKindName, SpanSelector } from '../spec/test-spec.model';
import { portableSemantic } from './environment.attributes';

/**
 * What the sampled traces of one behaviour show per span shape (label): how many spans of it each
 * trace has, their attribute values and statuses, their parents. The synthesizer turns this into
 * assertions; the profile itself is plain data so it can be inspected and tested.
 */
export interface ShapeProfile {
  label: string;
  service: string;
  kind: string;
  operation: string;
  semantic: string;
  /** Endpoint key for server/consumer spans. */
  endpoint: string | undefined;
  /** The shape of the trace's entry span. */
  entry: boolean;
  /** Spans of this shape per profiled trace (same order as BehaviourProfile.traces). */
  perTrace: IndexedSpan[][];
  /** Labels of the parents of every instance ('' for no parent). */
  parentLabels: ReadonlySet<string>;
  selector: SpanSelector;
}

export interface BehaviourProfile {
  /** Representative first, then the other samples. */
  traces: TraceIndex[];
  /** In order of first appearance in the representative (then in the other traces). */
  shapes: ShapeProfile[];
  byLabel: ReadonlyMap<string, ShapeProfile>;
}

/**
 * Profiles the traces of one behaviour (or of a whole endpoint, for pooled evidence). The first
 * trace is taken as the representative. `selectors: false` skips choosing selectors, which costs a
 * pass over every span per shape and candidate.
 */
export function profileBehaviour(
  traces: readonly ModelTrace[],
  options: { selectors?: boolean } = {},
): BehaviourProfile {
  const indexed = dedupeTraces(traces).map(indexTrace);
  const byLabel = new Map<string, ShapeProfile>();
  indexed.forEach((index, t) => {
    for (const s of index.spans) {
      const label = labelOf(s);
      let shape = byLabel.get(label);
      if (shape === undefined) {
        shape = {
          label,
          service: s.span.service,
          kind: s.kind,
          operation: operationOf(s),
          semantic: semanticOf(s),
          endpoint:
            s.kind === 'server' || s.kind === 'consumer' || s === index.entry
              ? endpointOf(s)
              : undefined,
          entry: false,
          perTrace: indexed.map(() => []),
          parentLabels: new Set(),
          selector: {},
        };
        byLabel.set(label, shape);
      }
      shape.perTrace[t].push(s);
      (shape.parentLabels as Set<string>).add(s.parent === undefined ? '' : labelOf(s.parent));
    }
    if (index.entry !== undefined) byLabel.get(labelOf(index.entry))!.entry = true;
  });
  const shapes = [...byLabel.values()];
  if (options.selectors !== false) {
    const groups = spanGroups(indexed);
    for (const shape of shapes) shape.selector = uniqueSelector(shape, groups);
  }
  return { traces: indexed, shapes, byLabel };
}

function dedupeTraces(traces: readonly ModelTrace[]): ModelTrace[] {
  const seen = new Set<string>();
  return traces.filter((t) => !seen.has(t.traceId) && seen.add(t.traceId) !== undefined);
}

/** A span with the trace it belongs to (selectors may ask whether it is the trace's entry). */
interface PlacedSpan {
  span: IndexedSpan;
  index: TraceIndex;
}

/** Every profiled span, grouped by kind and by service and kind: the sets a selector can pick from. */
interface SpanGroups {
  byKind: Map<string, PlacedSpan[]>;
  byServiceKind: Map<string, PlacedSpan[]>;
}

function spanGroups(traces: readonly TraceIndex[]): SpanGroups {
  const byKind = new Map<string, PlacedSpan[]>();
  const byServiceKind = new Map<string, PlacedSpan[]>();
  const add = (map: Map<string, PlacedSpan[]>, key: string, placed: PlacedSpan): void => {
    const list = map.get(key);
    if (list === undefined) map.set(key, [placed]);
    else list.push(placed);
  };
  for (const index of traces) {
    for (const span of index.spans) {
      const placed = { span, index };
      add(byKind, span.kind, placed);
      add(byServiceKind, `${span.span.service}\u0000${span.kind}`, placed);
    }
  }
  return { byKind, byServiceKind };
}

/**
 * The most readable selector that picks exactly this shape's spans in every profiled trace:
 * service + kind + (endpoint | semantic key | operation), adding the operation, and as a last
 * resort the full label, when a looser one would also pick spans of another shape.
 *
 * Every candidate names a kind (and most a service), so only spans of that kind (and service) can
 * match it: those are the only ones checked, and a count makes sure all of the shape's spans were
 * among them.
 */
function uniqueSelector(shape: ShapeProfile, groups: SpanGroups): SpanSelector {
  const kind = shape.kind as SpanKindName;
  const base: SpanSelector = { service: shape.service, kind };
  const candidates: SpanSelector[] = [];
  if (shape.entry) candidates.push({ ...base, entry: true });
  if (shape.endpoint !== undefined) candidates.push({ kind, endpoint: shape.endpoint });
  if (shape.semantic !== '') {
    // Peer hosts differ between environments: try the key without them first.
    const portable = portableSemantic(shape.semantic, shape.kind);
    candidates.push({ ...base, semantic: portable });
    candidates.push({ ...base, operation: shape.operation, semantic: portable });
    if (portable !== shape.semantic) {
      candidates.push({ ...base, semantic: shape.semantic });
      candidates.push({ ...base, operation: shape.operation, semantic: shape.semantic });
    }
  } else {
    candidates.push({ ...base, operation: shape.operation });
  }
  const instances = shape.perTrace.reduce((n, spans) => n + spans.length, 0);
  for (const sel of candidates) {
    const group =
      (sel.service !== undefined
        ? groups.byServiceKind.get(`${sel.service}\u0000${kind}`)
        : groups.byKind.get(kind)) ?? [];
    let picked = 0;
    let exact = true;
    for (const { span, index } of group) {
      const ofShape = labelOf(span) === shape.label;
      if (matchesSelector(span, sel, index) !== ofShape) {
        exact = false;
        break;
      }
      if (ofShape) picked++;
    }
    if (exact && picked === instances) return sel;
  }
  return { label: shape.label };
}

/**
 * A shape in words for assertion descriptions: `potato-handler handles POST /potatoes`,
 * `order-writer INSERT orders (postgresql)`, `order-service calls potato-handler POST /potatoes`.
 */
export function describeShape(
  shape: Pick<ShapeProfile, 'service' | 'kind' | 'operation' | 'semantic' | 'endpoint'>,
): string {
  const words = shape.semantic.split(' ');
  const rest = words.slice(2).join(' ');
  if (shape.endpoint !== undefined && (shape.kind === 'server' || shape.kind === 'consumer')) {
    const op = shape.endpoint.slice(shape.endpoint.indexOf('|') + 1).replace(/^HTTP /, '');
    return `${shape.service} ${shape.kind === 'server' ? 'handles' : 'consumes'} ${op.replace(/^CONSUME /, '')}`;
  }
  switch (words[0]) {
    case 'db':
    case 'cache':
      return `${shape.service} ${rest} (${words[1]}${words[0] === 'cache' ? ' cache' : ''})`;
    case 'msg': {
      // `msg kafka send orders`, or without an operation `msg rabbitmq orders`.
      const destination = words[words.length - 1];
      const verb =
        shape.kind === 'producer'
          ? 'publishes to'
          : shape.kind === 'consumer'
            ? 'consumes'
            : words.length > 3
              ? words[2]
              : 'uses';
      return `${shape.service} ${verb} ${destination} (${words[1]})`;
    }
    case 'http':
      // `http POST potato-handler /potatoes`: method, peer, route.
      return `${shape.service} calls ${[words[2], words[1], ...words.slice(3)].join(' ')}`;
    case 'rpc':
      return `${shape.service} calls ${rest}`;
    default:
      return `${shape.service} ${shape.kind} "${shape.operation}"`;
  }
}
