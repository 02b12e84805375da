import { Field, ObjectType } from '@nestjs/graphql';
import { edgeId, type ModelEdge } from '@t2t/model';
import { ConnectionType } from '../pagination/connection.type';
import { EdgeType, EntityKind } from './model.enums';

/**
 * One edge of the system graph. The stored edge is a union by `type`; here it is one object whose
 * type-specific fields are null where they do not apply, so a list of edges can be filtered and
 * selected without a fragment per variant.
 */
@ObjectType('ModelEdge')
export class ModelEdgeType {
  @Field({ description: 'Stable identity, e.g. `WRITES orders-api -> table orders (INSERT)`.' })
  id!: string;

  @Field(() => EdgeType)
  type!: EdgeType;

  @Field({ description: 'Endpoint key (or service) the edge starts from.' })
  from!: string;

  @Field({ description: 'Endpoint key, entity name, topic or external host it goes to.' })
  to!: string;

  @Field(() => [String], { description: 'Entry endpoints whose traces use this edge.' })
  seenIn!: string[];

  @Field(() => String, { nullable: true, description: 'CALLS: `http` or `grpc`.' })
  protocol!: string | null;

  @Field(() => String, { nullable: true, description: 'CALLS, CALLS_EXTERNAL.' })
  method!: string | null;

  @Field(() => String, { nullable: true, description: 'CALLS, CALLS_EXTERNAL.' })
  route!: string | null;

  @Field(() => EntityKind, { nullable: true, description: 'READS, WRITES.' })
  entityKind!: EntityKind | null;

  @Field(() => String, { nullable: true, description: 'READS, WRITES: `SELECT`, `INSERT`, ...' })
  operation!: string | null;
}

export function toModelEdgeType(edge: ModelEdge): ModelEdgeType {
  return {
    id: edgeId(edge),
    type: edge.type as EdgeType,
    from: edge.from,
    to: edge.to,
    seenIn: edge.seenIn,
    protocol: edge.type === 'CALLS' ? edge.protocol : null,
    method: edge.type === 'CALLS' || edge.type === 'CALLS_EXTERNAL' ? edge.method : null,
    route: edge.type === 'CALLS' || edge.type === 'CALLS_EXTERNAL' ? edge.route : null,
    entityKind:
      edge.type === 'READS' || edge.type === 'WRITES' ? (edge.entityKind as EntityKind) : null,
    operation: edge.type === 'READS' || edge.type === 'WRITES' ? edge.operation : null,
  };
}

@ObjectType('ModelEdgeConnection')
export class ModelEdgeConnection extends ConnectionType(ModelEdgeType, 'ModelEdge') {}
