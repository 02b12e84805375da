import { defineEnv, str } from '@t2t/config';

/**
 * Where a span's tenant is read from, and which header names the tenant of a GraphQL request.
 * Spans take the tenant of their transport (Kafka record header or OTLP request header) first,
 * then their resource attribute, else the implicit tenant `default`.
 */
export const tenantEnv = defineEnv('tenants', {
  header: str({
    key: 'TENANT_HEADER',
    default: 'x-t2t-tenant',
    pattern: /^[a-z0-9][a-z0-9-]{0,63}$/,
    patternHint: 'must be a lower-case header name (letters, digits, -)',
    doc: "Header naming the tenant: on OTLP/HTTP requests, as OTLP/gRPC metadata and on Kafka records of the input topic (the Collector's kafka exporter can forward client metadata as headers). On GraphQL requests it selects the tenant only while GRAPHQL_AUTH=off; with keys, a key's tenant is fixed and a different header is refused.",
  }),
  resourceAttribute: str({
    key: 'TENANT_RESOURCE_ATTRIBUTE',
    default: 't2t.tenant',
    doc: 'Resource attribute naming the tenant of the spans under it, when no header names one. Neither present: the implicit tenant `default`.',
  }),
});
