import type { SpanFacts } from '../trace.model';
import { normalizeOperation } from './operation-name.normalizer';
import { messagingDestination, rpcPath } from './semantic-key.builder';
import {
  firstAttribute,
  GRAPHQL_OPERATION_NAME,
  GRAPHQL_OPERATION_TYPE,
  HTTP_METHOD,
  HTTP_ROUTE,
  MESSAGING_OPERATION,
  RPC_SYSTEM,
  URL_FULL,
  URL_PATH,
  URL_TEMPLATE,
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
  return entryEndpointDetail(span)?.key;
}

/**
 * An endpoint key and how much it says about the API a trace serves. Gateways and proxies receive
 * every request on a catch-all route (`/*`, `/**`, `{*path}`) or report no route at all; their key
 * then names the gateway, not the API, and the trace's endpoint is found further in (see
 * EndpointRule and the trace tree's entry).
 */
export interface EntryEndpointDetail {
  key: string;
  /**
   * `catch-all`: an HTTP server whose route matches anything; `path`: an HTTP server that reported
   * no route (the key is its normalised request path); `concrete`: a route, an RPC method, a
   * destination, a GraphQL operation or a span name.
   */
  basis: 'concrete' | 'catch-all' | 'path';
  /** For a catch-all route: the same span's normalised request path as a key. */
  pathKey?: string;
}

/** A route that matches any path below it: `/*`, `/**`, `/api/**`, `{*path}`, `/:rest(.*)`, `[...slug]`. */
export function isCatchAllRoute(route: string): boolean {
  return route.includes('*') || route.includes('...');
}

export function entryEndpointDetail(span: SpanFacts): EntryEndpointDetail | undefined {
  if (span.parentSpanId !== '' && !isInboundKind(span.kind)) return undefined;
  const service = clean(span.serviceName);
  const a = span.attributes;

  const rpcSystem = a[RPC_SYSTEM];
  const rpc = rpcSystem === undefined ? undefined : rpcPath(a);
  if (rpc !== undefined) return concrete(`${service}|RPC ${clean(`${rpcSystem} ${rpc}`)}`);

  const graphqlType = a[GRAPHQL_OPERATION_TYPE];
  const graphqlName = a[GRAPHQL_OPERATION_NAME];
  if (graphqlType !== undefined || graphqlName !== undefined) {
    const operation = [graphqlType, graphqlName].filter((p) => p !== undefined && p !== '');
    return concrete(`${service}|GRAPHQL ${clean(operation.join(' '))}`);
  }

  const messagingOperation = firstAttribute(a, MESSAGING_OPERATION)?.toLowerCase();
  if (
    span.kind === KIND_CONSUMER ||
    (messagingOperation !== undefined && CONSUME_OPERATIONS.has(messagingOperation))
  ) {
    const destination = messagingDestination(a);
    if (destination !== undefined) return concrete(`${service}|CONSUME ${clean(destination)}`);
  }

  const method = firstAttribute(a, HTTP_METHOD);
  if (method !== undefined) {
    const upper = method.toUpperCase();
    const keyOf = (route: string | undefined) =>
      `${service}|HTTP ${clean(route === undefined ? upper : `${upper} ${route}`)}`;
    const declared = a[HTTP_ROUTE] ?? a[URL_TEMPLATE];
    const path = requestPath(a) ?? pathInName(span.name);
    if (declared !== undefined && declared !== '') {
      const route = normalizeUrlPath(declared);
      if (!isCatchAllRoute(route)) return concrete(keyOf(route));
      return {
        key: keyOf(route),
        basis: 'catch-all',
        ...(path === undefined ? {} : { pathKey: keyOf(path) }),
      };
    }
    return { key: keyOf(path), basis: 'path' };
  }

  return concrete(`${service}|${clean(normalizeOperation(span.name))}`);
}

function concrete(key: string): EntryEndpointDetail {
  return { key, basis: 'concrete' };
}

/** The normalised path a server received (`url.path`, `http.target`, else the full URL's). */
function requestPath(a: Record<string, string>): string | undefined {
  const path = firstAttribute(a, URL_PATH) ?? firstAttribute(a, URL_FULL);
  return path === undefined ? undefined : normalizeUrlPath(path);
}

/** The path of a span named `GET /users/42` (older HTTP server instrumentations), normalised. */
function pathInName(name: string): string | undefined {
  const space = name.indexOf(' ');
  if (space < 0 || name.charCodeAt(space + 1) !== 47 /* / */) return undefined;
  return normalizeUrlPath(name.slice(space + 1).trim());
}
