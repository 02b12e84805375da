import { registerEnumType } from '@nestjs/graphql';

/*
 * GraphQL enum names cannot hold '-' or lower-case conventions of the stored model, so each enum
 * maps a GraphQL name to the stored value; resolvers pass stored values through unchanged.
 */

export enum EndpointKind {
  HTTP = 'http',
  RPC = 'rpc',
  CONSUME = 'consume',
  GRAPHQL = 'graphql',
  OTHER = 'other',
}
registerEnumType(EndpointKind, { name: 'EndpointKind', description: 'How an endpoint is called.' });

export enum EntityKind {
  TABLE = 'table',
  COLLECTION = 'collection',
  CACHE_PREFIX = 'cache-prefix',
  TOPIC = 'topic',
  EXTERNAL_API = 'external-api',
}
registerEnumType(EntityKind, { name: 'EntityKind' });

export enum EdgeType {
  CALLS = 'CALLS',
  READS = 'READS',
  WRITES = 'WRITES',
  PUBLISHES = 'PUBLISHES',
  CONSUMES = 'CONSUMES',
  CALLS_EXTERNAL = 'CALLS_EXTERNAL',
}
registerEnumType(EdgeType, { name: 'EdgeType' });

/** Span kinds as the spans table stores them (the collector's ClickHouse exporter names). */
export enum SpanKind {
  UNSPECIFIED = 'Unspecified',
  INTERNAL = 'Internal',
  SERVER = 'Server',
  CLIENT = 'Client',
  PRODUCER = 'Producer',
  CONSUMER = 'Consumer',
}
registerEnumType(SpanKind, { name: 'SpanKind' });

export enum SpanStatusCode {
  UNSET = 'Unset',
  OK = 'Ok',
  ERROR = 'Error',
}
registerEnumType(SpanStatusCode, { name: 'SpanStatusCode' });

export enum ModelChangeKind {
  SERVICE_ADDED = 'service_added',
  SERVICE_REMOVED = 'service_removed',
  ENDPOINT_ADDED = 'endpoint_added',
  ENDPOINT_REMOVED = 'endpoint_removed',
  ENTITY_ADDED = 'entity_added',
  ENTITY_REMOVED = 'entity_removed',
  EDGE_ADDED = 'edge_added',
  EDGE_REMOVED = 'edge_removed',
  BEHAVIOUR_ADDED = 'behaviour_added',
  BEHAVIOUR_REMOVED = 'behaviour_removed',
  RULE_ADDED = 'rule_added',
  RULE_REMOVED = 'rule_removed',
  RULE_CHANGED = 'rule_changed',
}
registerEnumType(ModelChangeKind, { name: 'ModelChangeKind' });

/** Stored value → enum value, with a fallback for values a newer writer may add. */
export function enumValue<E extends string>(
  values: Record<string, E>,
  stored: string,
  fallback: E,
): E {
  return (Object.values(values) as string[]).includes(stored) ? (stored as E) : fallback;
}
