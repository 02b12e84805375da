import { Field, Float, ID, ObjectType } from '@nestjs/graphql';
import type { ModelBehaviour } from '@t2t/model';
import type { ModelSnapshot } from '../model/model.snapshot';
import { encodeGlobalId } from '../node/global-id.codec';
import { ConnectionType } from '../pagination/connection.type';
import { globalIdDescription, NodeType } from './node.type';

@ObjectType('Behaviour', {
  implements: () => [NodeType],
  description:
    'One structural variant of an endpoint’s traces (one fingerprint) and its statistics, in one model version: its global id names the version too.',
})
export class BehaviourType {
  @Field(() => ID, { description: globalIdDescription() })
  id!: string;

  @Field({ description: 'Key of the entry endpoint.' })
  endpoint!: string;

  @Field()
  fingerprint!: string;

  @Field(() => Float, { description: 'Fraction of the endpoint’s traces (0..1).' })
  share!: number;

  @Field(() => Float)
  traces!: number;

  @Field(() => Float, { description: 'Fraction of its traces with an error (0..1).' })
  errorRate!: number;

  @Field(() => Float, { description: 'Median duration, microseconds.' })
  p50Us!: number;

  @Field(() => Float, { description: '95th percentile duration, microseconds.' })
  p95Us!: number;

  @Field(() => String, { nullable: true })
  representativeTraceId!: string | null;

  /** Edge ids, resolved to edges by `edges` (not a GraphQL field). */
  edgeIds!: string[];

  snapshot!: ModelSnapshot;
}

export function toBehaviourType(b: ModelBehaviour, snapshot: ModelSnapshot): BehaviourType {
  return {
    id: encodeGlobalId('Behaviour', snapshot.modelHash, b.endpoint, b.fingerprint),
    endpoint: b.endpoint,
    fingerprint: b.fingerprint,
    share: b.share,
    traces: b.traces,
    errorRate: b.errorRate,
    p50Us: b.p50Us,
    p95Us: b.p95Us,
    representativeTraceId: b.representativeTraceId ?? null,
    edgeIds: b.edges,
    snapshot,
  };
}

@ObjectType('BehaviourStatistics', {
  description:
    'A behaviour’s statistics as counted up to now over the last 24 hours of event time; the fields of Behaviour itself are those its model version was built with.',
})
export class BehaviourStatisticsType {
  @Field(() => Float)
  traces!: number;

  @Field(() => Float, { description: 'Fraction of the endpoint’s traces (0..1).' })
  share!: number;

  @Field(() => Float, { description: 'Fraction of its traces with an error (0..1).' })
  errorRate!: number;

  @Field(() => Float, { description: 'Median duration, microseconds.' })
  p50Us!: number;

  @Field(() => Float, { description: '95th percentile duration, microseconds.' })
  p95Us!: number;
}

@ObjectType('BehaviourConnection')
export class BehaviourConnection extends ConnectionType(BehaviourType, 'Behaviour') {}
