import { Field, ObjectType } from '@nestjs/graphql';

@ObjectType('Service', { description: 'A service seen in the traces (its `service.name`).' })
export class ServiceType {
  @Field()
  name!: string;

  @Field(() => [String], { description: 'Keys of the endpoints the service serves.' })
  endpoints!: string[];
}
