import { Field, Float, ObjectType } from '@nestjs/graphql';
import type { ClusterStatsPageRow } from '@t2t/storage';
import { ConnectionType } from '../pagination/connection.type';

@ObjectType('ClusterStats', {
  description:
    'Clustering’s totals for one behaviour (endpoint + fingerprint) over every window written so far; newer than the last model version.',
})
export class ClusterStatsType {
  @Field() endpoint!: string;
  @Field() fingerprint!: string;
  @Field(() => Float) traces!: number;
  @Field(() => Float) errors!: number;
  @Field(() => Float, { description: 'Traces closed before all their spans arrived.' })
  incomplete!: number;
  @Field(() => Float) spans!: number;
  @Field(() => Float, { description: 'errors / traces.' }) errorRate!: number;
  @Field({ description: 'Start of the first trace, Unix epoch nanoseconds (decimal string).' })
  firstSeenUnixNano!: string;
  @Field({ description: 'Start of the last trace, Unix epoch nanoseconds (decimal string).' })
  lastSeenUnixNano!: string;
}

export function toClusterStatsType(row: ClusterStatsPageRow): ClusterStatsType {
  return {
    endpoint: row.endpoint,
    fingerprint: row.fingerprint,
    traces: row.traces,
    errors: row.errors,
    incomplete: row.incomplete,
    spans: row.spans,
    errorRate: row.traces > 0 ? row.errors / row.traces : 0,
    firstSeenUnixNano: row.firstSeenNs,
    lastSeenUnixNano: row.lastSeenNs,
  };
}

@ObjectType('ClusterStatsConnection')
export class ClusterStatsConnection extends ConnectionType(ClusterStatsType, 'ClusterStats') {}
