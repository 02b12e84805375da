import { Field, ID, ObjectType } from '@nestjs/graphql';
import type { ModelService } from '@t2t/model';
import { encodeGlobalId } from '../node/global-id.codec';
import { globalIdDescription, NodeType } from './node.type';

@ObjectType('Service', {
  implements: () => [NodeType],
  description:
    'A service seen in the traces (its `service.name`), in one model version: its global id names the version too.',
})
export class ServiceType {
  @Field(() => ID, { description: globalIdDescription('name') })
  id!: string;

  @Field()
  name!: string;

  @Field(() => [String], { description: 'Keys of the endpoints the service serves.' })
  endpoints!: string[];
}

export function toServiceType(service: ModelService, modelHash: string): ServiceType {
  return {
    id: encodeGlobalId('Service', modelHash, service.name),
    name: service.name,
    endpoints: service.endpoints,
  };
}
