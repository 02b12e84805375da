import { SpanKind, type Attributes, type Span } from '@t2t/domain';
import type { GeneratedTrace } from '../src/generation/generated-trace.model';
import { edgeKey } from '../src/truth/edge.format';
import type { EdgeTruth, EntityTruth } from '../src/truth/ground-truth.model';

/**
 * A deliberately simple reading of what traces show (endpoints, entities, edges), written
 * independently of the generator, for tests: the ground truth must equal what the spans say.
 * It reads the attribute names the example systems emit, current and older alike.
 */
export interface Observation {
  readonly endpoints: Set<string>;
  readonly edges: Map<string, EdgeTruth>;
  readonly entities: Map<string, EntityTruth>;
}

export function emptyObservation(): Observation {
  return { endpoints: new Set(), edges: new Map(), entities: new Map() };
}

const str = (a: Attributes, ...keys: string[]): string | undefined => {
  for (const k of keys) if (typeof a[k] === 'string') return a[k];
  return undefined;
};

export const serviceOf = (s: Span): string => str(s.resource.attributes, 'service.name') ?? '';

/** `service|HTTP POST /orders`, `service|RPC grpc pkg.Svc/M`, `service|CONSUME topic`. */
export function endpointOf(s: Span): string | undefined {
  const a = s.attributes;
  if (s.kind === SpanKind.Consumer)
    return `${serviceOf(s)}|CONSUME ${str(a, 'messaging.destination.name', 'messaging.destination')}`;
  if (s.kind !== SpanKind.Server) return undefined;
  if (a['rpc.system'] !== undefined)
    return `${serviceOf(s)}|RPC ${str(a, 'rpc.system')} ${str(a, 'rpc.service')}/${str(a, 'rpc.method')}`;
  return `${serviceOf(s)}|HTTP ${str(a, 'http.request.method', 'http.method')} ${str(a, 'http.route')}`;
}

const READS = new Set(['SELECT', 'find', 'aggregate', 'GET']);

export function observeTrace(
  trace: GeneratedTrace,
  into: Observation = emptyObservation(),
): Observation {
  const byId = new Map(trace.spans.map((s) => [s.spanId, s]));
  const children = new Map<string, Span[]>();
  for (const s of trace.spans)
    children.set(s.parentSpanId, [...(children.get(s.parentSpanId) ?? []), s]);
  const enclosing = (s: Span): Span | undefined => {
    for (let p = byId.get(s.parentSpanId); p !== undefined; p = byId.get(p.parentSpanId)) {
      if (p.kind === SpanKind.Server || p.kind === SpanKind.Consumer) return p;
    }
    return undefined;
  };
  const add = (edge: EdgeTruth, entity?: EntityTruth) => {
    into.edges.set(edgeKey(edge), edge);
    if (entity !== undefined) into.entities.set(`${entity.kind} ${entity.name}`, entity);
  };
  for (const s of trace.spans) {
    const a = s.attributes;
    const service = serviceOf(s);
    const endpoint = endpointOf(s);
    if (endpoint !== undefined) into.endpoints.add(endpoint);
    if (s.kind === SpanKind.Server) {
      const client = byId.get(s.parentSpanId);
      const caller = client === undefined ? undefined : enclosing(client);
      if (caller !== undefined) {
        const rpc = a['rpc.system'] !== undefined;
        add({
          type: 'CALLS',
          from: endpointOf(caller)!,
          to: endpoint!,
          protocol: rpc ? 'grpc' : 'http',
          method: rpc ? str(a, 'rpc.method')! : str(a, 'http.request.method', 'http.method')!,
          route: rpc ? `${str(a, 'rpc.service')}/${str(a, 'rpc.method')}` : str(a, 'http.route')!,
        });
      }
    }
    const topic = str(a, 'messaging.destination.name', 'messaging.destination');
    if (topic !== undefined) {
      add(
        { type: s.kind === SpanKind.Producer ? 'PUBLISHES' : 'CONSUMES', from: service, to: topic },
        { kind: 'topic', name: topic, system: str(a, 'messaging.system')! },
      );
    }
    if (s.kind !== SpanKind.Client) continue;
    const db = str(a, 'db.system.name', 'db.system');
    if (db === 'redis') {
      const [operation, key] = str(a, 'db.query.text', 'db.statement')!.split(' ');
      const name = key.replace(/:[^:]+$/, ':{id}');
      add(
        {
          type: READS.has(operation) ? 'READS' : 'WRITES',
          from: service,
          to: name,
          entityKind: 'cache-prefix',
          operation,
        },
        { kind: 'cache-prefix', name, system: 'redis' },
      );
    } else if (db !== undefined) {
      // Spans without the attributes (`name-only`) say both in their name: `INSERT ts.orders`.
      const [named, qualified] = s.name.split(' ');
      const database = str(a, 'db.namespace', 'db.name');
      const operation = str(a, 'db.operation.name', 'db.operation') ?? named;
      const table =
        str(a, 'db.collection.name', 'db.sql.table', 'db.mongodb.collection') ??
        (database !== undefined && qualified.startsWith(`${database}.`)
          ? qualified.slice(database.length + 1)
          : qualified);
      const kind = db === 'mongodb' ? 'collection' : 'table';
      add(
        {
          type: READS.has(operation) ? 'READS' : 'WRITES',
          from: service,
          to: table,
          entityKind: kind,
          operation,
        },
        { kind, name: table, system: db },
      );
    } else if ((children.get(s.spanId) ?? []).length === 0 && a['rpc.system'] === undefined) {
      // A client call nobody in the system answered: a third-party API.
      const url = new URL(str(a, 'url.full', 'http.url')!);
      add(
        {
          type: 'CALLS_EXTERNAL',
          from: service,
          to: url.hostname,
          method: str(a, 'http.request.method', 'http.method')!,
          route: url.pathname,
        },
        { kind: 'external-api', name: url.hostname, system: 'https' },
      );
    }
  }
  return into;
}

/** A canonical structure of a trace: labels, children in canonical order, runs of equal subtrees collapsed. */
export function traceShape(trace: GeneratedTrace): string {
  const children = new Map<string, Span[]>();
  for (const s of trace.spans)
    children.set(s.parentSpanId, [...(children.get(s.parentSpanId) ?? []), s]);
  const shape = (s: Span): string => {
    const kids = (children.get(s.spanId) ?? []).map(shape).sort();
    const collapsed = kids.filter((k, i) => i === 0 || k !== kids[i - 1]);
    const label = `${serviceOf(s)}:${s.kind}:${s.name}:${s.scope.name}`;
    return collapsed.length === 0 ? label : `${label}(${collapsed.join(',')})`;
  };
  return shape(trace.spans[0]);
}
