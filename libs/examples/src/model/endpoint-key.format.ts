import type { EndpointDefinition } from './system.model';

/**
 * Endpoint keys, in the format libs/fingerprint's entryEndpoint() computes from an entry span:
 *
 *   `<service>|HTTP <METHOD> <route>`        e.g. `order-service|HTTP POST /orders`
 *   `<service>|RPC <system> <service>/<method>`  e.g. `payment-service|RPC grpc checkout.PaymentService/Charge`
 *   `<service>|CONSUME <destination>`       e.g. `order-writer|CONSUME orders`
 */
export function endpointKey(service: string, endpoint: EndpointDefinition): string {
  switch (endpoint.kind) {
    case 'http':
      return `${service}|HTTP ${endpoint.method} ${endpoint.route}`;
    case 'rpc':
      return `${service}|RPC ${endpoint.system} ${endpoint.service}/${endpoint.method}`;
    case 'consume':
      return `${service}|CONSUME ${endpoint.topic}`;
  }
}

/** The name a CallStep or TrafficDefinition uses for an endpoint: `POST /orders`, `pkg.Svc/Method`, `CONSUME orders`. */
export function endpointName(endpoint: EndpointDefinition): string {
  switch (endpoint.kind) {
    case 'http':
      return `${endpoint.method} ${endpoint.route}`;
    case 'rpc':
      return `${endpoint.service}/${endpoint.method}`;
    case 'consume':
      return `CONSUME ${endpoint.topic}`;
  }
}
