import type { SpanFacts } from '../trace.model';
import { normalizeOperation } from './operation-name.normalizer';
import { messagingDestination, rpcPath, serverRoute } from './semantic-key.builder';
import {
  firstAttribute,
  GRAPHQL_OPERATION_NAME,
  GRAPHQL_OPERATION_TYPE,
  HTTP_METHOD,
  MESSAGING_OPERATION,
  RPC_SYSTEM,
} from './semconv-attribute.names';
import { clean, isInboundKind } from './span-label.builder';
import { normalizeUrlPath } from './url-path.normalizer';
import { KIND_CONSUMER } from './span-kind.constants';

/** Messaging operations that mean "this span handles a message it received". */
const CONSUME_OPERATIONS = new Set(['process', 'receive', 'deliver']);

/**
 * The endpoint key of a span that can be a trace's entry point (no parent, or kind server or
 * consumer); undefined for any other span. The key names the API call the trace serves:
 *
 *   checkout|HTTP GET /cart/{id}       http.route, else url.template, else the normalised path
 *   cart|RPC grpc shop.Cart/GetCart     rpc.system + rpc.service/rpc.method
 *   billing|CONSUME orders              a consumer (or a process/receive span) and its destination
 *   gateway|GRAPHQL query GetCart       graphql.operation.type + name
 *   worker|nightly-report               anything else: the normalised span name
 *
 * RPC and GraphQL are checked before HTTP because their spans often carry HTTP attributes too
 * (gRPC runs over HTTP/2), and the HTTP route (`POST /graphql`) would merge all their operations.
 */
export function entryEndpoint(span: SpanFacts): string | undefined {
  if (span.parentSpanId !== '' && !isInboundKind(span.kind)) return undefined;
  const service = clean(span.serviceName);
  const a = span.attributes;

  const rpcSystem = a[RPC_SYSTEM];
  const rpc = rpcSystem === undefined ? undefined : rpcPath(a);
  if (rpc !== undefined) return `${service}|RPC ${clean(`${rpcSystem} ${rpc}`)}`;

  const graphqlType = a[GRAPHQL_OPERATION_TYPE];
  const graphqlName = a[GRAPHQL_OPERATION_NAME];
  if (graphqlType !== undefined || graphqlName !== undefined) {
    const operation = [graphqlType, graphqlName].filter((p) => p !== undefined && p !== '');
    return `${service}|GRAPHQL ${clean(operation.join(' '))}`;
  }

  const messagingOperation = firstAttribute(a, MESSAGING_OPERATION)?.toLowerCase();
  if (
    span.kind === KIND_CONSUMER ||
    (messagingOperation !== undefined && CONSUME_OPERATIONS.has(messagingOperation))
  ) {
    const destination = messagingDestination(a);
    if (destination !== undefined) return `${service}|CONSUME ${clean(destination)}`;
  }

  const method = firstAttribute(a, HTTP_METHOD);
  if (method !== undefined) {
    const route = serverRoute(a) ?? pathInName(span.name);
    const upper = method.toUpperCase();
    return `${service}|HTTP ${clean(route === undefined ? upper : `${upper} ${route}`)}`;
  }

  return `${service}|${clean(normalizeOperation(span.name))}`;
}

/** The path of a span named `GET /users/42` (older HTTP server instrumentations), normalised. */
function pathInName(name: string): string | undefined {
  const space = name.indexOf(' ');
  if (space < 0 || name.charCodeAt(space + 1) !== 47 /* / */) return undefined;
  return normalizeUrlPath(name.slice(space + 1).trim());
}
