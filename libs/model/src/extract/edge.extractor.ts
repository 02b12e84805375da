import type { AnalysedSpan, EdgeOccurrence } from './analysed-trace.model';
import { edgeId, type EdgeShape } from './edge.format';
import { parseEndpointKey } from './endpoint-key.parser';
import { extractDataAccess, extractExternalCall, extractTopicAccess } from './entity.extractor';
import { HTTP_METHOD, firstAttribute } from './semconv-attribute.names';
import { KIND_CLIENT, KIND_CONSUMER, KIND_SERVER } from './span-kind.constants';

/**
 * The edges one trace shows, in span order (spans already linked and owned, see analyseTrace):
 *
 * - CALLS: a server span whose parent belongs to another handler: caller endpoint → callee endpoint,
 *   with the protocol, method and route of the callee's endpoint key.
 * - PUBLISHES / CONSUMES: producer and consumer spans (or send/receive operations) → topic.
 * - READS / WRITES: database and cache spans → table, collection or cache key template.
 * - CALLS_EXTERNAL: an HTTP or RPC client span that no server span in the trace answered: the
 *   callee is outside the system (or not instrumented), so it is named by host.
 */
export function extractEdges(spans: readonly AnalysedSpan[]): EdgeOccurrence[] {
  const out: EdgeOccurrence[] = [];
  const add = (
    edge: EdgeShape,
    source: AnalysedSpan,
    at: AnalysedSpan | undefined,
    entity?: EdgeOccurrence['entity'],
  ) => out.push({ id: edgeId(edge), edge, entity, at, source });
  for (const s of spans) {
    const { kind, attributes, service } = s.span;
    if (kind === KIND_SERVER) {
      const call = callEdge(s);
      if (call !== undefined) add(call.edge, call.source, call.at);
    }
    const topic = extractTopicAccess(kind, attributes);
    if (topic !== undefined) {
      add({ type: topic.type, from: service, to: topic.entity.name }, s, s.owner, topic.entity);
      continue;
    }
    if (kind === KIND_SERVER || kind === KIND_CONSUMER) continue;
    const data = extractDataAccess(attributes, s.span.name);
    if (data !== undefined) {
      add(
        {
          type: data.type,
          from: service,
          to: data.entity.name,
          entityKind: data.entity.kind,
          operation: data.operation,
        },
        s,
        s.owner,
        data.entity,
      );
      continue;
    }
    if (kind === KIND_CLIENT && !s.children.some((c) => c.span.kind === KIND_SERVER)) {
      const external = extractExternalCall(attributes);
      if (external !== undefined) {
        add(
          {
            type: 'CALLS_EXTERNAL',
            from: service,
            to: external.entity.name,
            method: external.method,
            route: external.route,
          },
          s,
          s.owner,
          external.entity,
        );
      }
    }
  }
  return out;
}

/**
 * The CALLS edge into a server span: from the handler its parent runs in (usually through the
 * caller's client span), to the server span's own endpoint. None when the caller is unknown
 * (the span is a root or an orphan).
 */
function callEdge(
  server: AnalysedSpan,
): { edge: EdgeShape; source: AnalysedSpan; at: AnalysedSpan } | undefined {
  const parent = server.parent;
  const caller = parent?.owner;
  if (parent === undefined || caller === undefined || server.endpoint === undefined) {
    return undefined;
  }
  const callee = parseEndpointKey(server.endpoint);
  if (callee.kind === 'consume') return undefined;
  const rpc = callee.kind === 'rpc';
  // An endpoint keyed by its span name has no method in its key; the HTTP method may still be known.
  const method =
    callee.kind === 'other'
      ? (firstAttribute(server.span.attributes, HTTP_METHOD)?.toUpperCase() ?? '')
      : callee.method;
  return {
    edge: {
      type: 'CALLS',
      from: caller.endpoint!,
      to: server.endpoint,
      protocol: rpc ? 'grpc' : 'http',
      method,
      route: callee.route,
    },
    // The caller's own record of the call (same clock as its other spans) marks when it started.
    source: parent.span.kind === KIND_CLIENT ? parent : server,
    at: caller,
  };
}
