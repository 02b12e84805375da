import { Field, Float, ID, ObjectType } from '@nestjs/graphql';
import type { ModelEndpoint } from '@t2t/model';
import type { ModelSnapshot } from '../model/model.snapshot';
import { encodeGlobalId } from '../node/global-id.codec';
import { ConnectionType } from '../pagination/connection.type';
import { EndpointKind } from './model.enums';
import { globalIdDescription, NodeType } from './node.type';

@ObjectType('Endpoint', {
  implements: () => [NodeType],
  description:
    'An operation a service serves (HTTP route, RPC, consumer), in one model version: its global id names the version too.',
})
export class EndpointType {
  @Field(() => ID, { description: globalIdDescription('key') })
  id!: string;

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
    id: encodeGlobalId('Endpoint', snapshot.modelHash, endpoint.key),
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
