import { Field, Float, ObjectType } from '@nestjs/graphql';

@ObjectType('EndpointTiming', {
  description:
    'How long an endpoint’s traces take, from clustering’s duration sketches: what the runner waits for.',
})
export class EndpointTimingType {
  @Field() endpoint!: string;

  @Field(() => Float, {
    nullable: true,
    description:
      '95th percentile of its trace durations over the last 7 days of stored windows (the largest of its behaviours’), ms; null when none is stored.',
  })
  p95Ms!: number | null;
}
