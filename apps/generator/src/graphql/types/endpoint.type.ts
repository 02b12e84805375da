import { Field, Float, ObjectType } from '@nestjs/graphql';
import type { ModelEndpoint } from '@t2t/model';
import type { ModelSnapshot } from '../model/model.snapshot';
import { ConnectionType } from '../pagination/connection.type';
import { EndpointKind } from './model.enums';

@ObjectType('Endpoint', {
  description: 'An operation a service serves (HTTP route, RPC, consumer).',
})
export class EndpointType {
  @Field({ description: '`service|HTTP POST /orders`, `service|CONSUME topic`, ...' })
  key!: string;

  @Field()
  service!: string;

  @Field(() => EndpointKind)
  kind!: EndpointKind;

  @Field({ description: 'True when traces start here.' })
  entry!: boolean;

  @Field(() => Float, {
    description: 'Traces that start here (a Float: counts can exceed GraphQL’s 32-bit Int).',
  })
  traces!: number;

  /** The version the endpoint belongs to, for its `behaviours` (not a GraphQL field). */
  snapshot!: ModelSnapshot;
}

export function toEndpointType(endpoint: ModelEndpoint, snapshot: ModelSnapshot): EndpointType {
  return {
    key: endpoint.key,
    service: endpoint.service,
    kind: endpoint.kind as EndpointKind,
    entry: endpoint.entry,
    traces: endpoint.traces,
    snapshot,
  };
}

@ObjectType('EndpointConnection')
export class EndpointConnection extends ConnectionType(EndpointType, 'Endpoint') {}
