import type { ModelEndpoint } from '../model.types';

/**
 * Reads back what libs/fingerprint's entryEndpoint put into an endpoint key
 * (`payment|RPC grpc checkout.PaymentService/Charge`, `api|HTTP POST /orders`,
 * `writer|CONSUME orders`, `gw|GRAPHQL query GetCart`, `cron|nightly-report`), so that CALLS edges
 * and endpoint kinds use exactly the route and method clustering keyed the endpoint by.
 */
export interface EndpointKeyParts {
  service: string;
  kind: ModelEndpoint['kind'];
  /** HTTP method, RPC method, GraphQL operation type; '' when the key has none. */
  method: string;
  /** HTTP route, RPC `service/method`, topic, GraphQL operation name, or the span name. */
  route: string;
}

export function parseEndpointKey(key: string): EndpointKeyParts {
  const bar = key.indexOf('|');
  const service = bar < 0 ? '' : key.slice(0, bar);
  const rest = key.slice(bar + 1);
  if (rest.startsWith('HTTP ')) {
    const [method, route] = splitFirst(rest.slice(5));
    return { service, kind: 'http', method, route };
  }
  if (rest.startsWith('RPC ')) {
    // `grpc pkg.Service/Method`: the RPC system, then the fully qualified path.
    const [, path] = splitFirst(rest.slice(4));
    return { service, kind: 'rpc', method: path.slice(path.lastIndexOf('/') + 1), route: path };
  }
  if (rest.startsWith('CONSUME ')) {
    return { service, kind: 'consume', method: '', route: rest.slice(8) };
  }
  if (rest.startsWith('GRAPHQL ')) {
    const [method, route] = splitFirst(rest.slice(8));
    return { service, kind: 'graphql', method, route };
  }
  return { service, kind: 'other', method: '', route: rest };
}

function splitFirst(text: string): [string, string] {
  const space = text.indexOf(' ');
  return space < 0 ? [text, ''] : [text.slice(0, space), text.slice(space + 1)];
}
