import { Field, InterfaceType, ObjectType } from '@nestjs/graphql';
import type { ModelChange } from '@t2t/model';
import { EntityType, toEntityType } from './entity.type';
import { ModelChangeKind } from './model.enums';
import { ModelEdgeType, toModelEdgeType } from './model-edge.type';
import { RuleType, toRuleType } from './rule.type';

/**
 * One change between two model versions. An interface rather than a plain union: every change
 * has a `kind` and a one-line `summary` a client can show without knowing the variants, and
 * fragments on the implementations reach the typed payload.
 */
@InterfaceType('ModelChange', {
  resolveType: (change: { kind: ModelChangeKind }) => CHANGE_TYPES[change.kind],
})
export abstract class ModelChangeType {
  @Field(() => ModelChangeKind)
  kind!: ModelChangeKind;

  @Field({ description: 'e.g. `edge added: WRITES orders-api -> table orders (INSERT)`.' })
  summary!: string;
}

@ObjectType('ServiceChange', { implements: () => [ModelChangeType] })
export class ServiceChangeType extends ModelChangeType {
  @Field() service!: string;
}

@ObjectType('EndpointChange', { implements: () => [ModelChangeType] })
export class EndpointChangeType extends ModelChangeType {
  @Field() endpoint!: string;
}

@ObjectType('EntityChange', { implements: () => [ModelChangeType] })
export class EntityChangeType extends ModelChangeType {
  @Field(() => EntityType) entity!: EntityType;
}

@ObjectType('EdgeChange', { implements: () => [ModelChangeType] })
export class EdgeChangeType extends ModelChangeType {
  @Field(() => ModelEdgeType) edge!: ModelEdgeType;
}

@ObjectType('BehaviourChange', { implements: () => [ModelChangeType] })
export class BehaviourChangeType extends ModelChangeType {
  @Field() endpoint!: string;
  @Field() fingerprint!: string;
}

@ObjectType('RuleChange', {
  implements: () => [ModelChangeType],
  description: 'A rule added or removed.',
})
export class RuleChangeType extends ModelChangeType {
  @Field(() => RuleType) rule!: RuleType;
}

@ObjectType('RuleUpdate', {
  implements: () => [ModelChangeType],
  description: 'The same rule with new statistics or atoms.',
})
export class RuleUpdateType extends ModelChangeType {
  @Field(() => RuleType) before!: RuleType;
  @Field(() => RuleType) after!: RuleType;
}

const CHANGE_TYPES: Record<ModelChangeKind, new () => ModelChangeType> = {
  [ModelChangeKind.SERVICE_ADDED]: ServiceChangeType,
  [ModelChangeKind.SERVICE_REMOVED]: ServiceChangeType,
  [ModelChangeKind.ENDPOINT_ADDED]: EndpointChangeType,
  [ModelChangeKind.ENDPOINT_REMOVED]: EndpointChangeType,
  [ModelChangeKind.ENTITY_ADDED]: EntityChangeType,
  [ModelChangeKind.ENTITY_REMOVED]: EntityChangeType,
  [ModelChangeKind.EDGE_ADDED]: EdgeChangeType,
  [ModelChangeKind.EDGE_REMOVED]: EdgeChangeType,
  [ModelChangeKind.BEHAVIOUR_ADDED]: BehaviourChangeType,
  [ModelChangeKind.BEHAVIOUR_REMOVED]: BehaviourChangeType,
  [ModelChangeKind.RULE_ADDED]: RuleChangeType,
  [ModelChangeKind.RULE_REMOVED]: RuleChangeType,
  [ModelChangeKind.RULE_CHANGED]: RuleUpdateType,
};

/** Every implementation, for the schema (none is reachable from a field by itself). */
export const MODEL_CHANGE_TYPES = [...new Set(Object.values(CHANGE_TYPES))];

@ObjectType('ModelDiff', { description: 'What changed from the previous version to this one.' })
export class ModelDiffType {
  @Field() fromHash!: string;
  @Field() toHash!: string;
  @Field(() => [ModelChangeType]) changes!: ModelChangeType[];
}

const verb = (kind: string) => kind.slice(kind.lastIndexOf('_') + 1);

export type ModelChangeObject =
  | ServiceChangeType
  | EndpointChangeType
  | EntityChangeType
  | EdgeChangeType
  | BehaviourChangeType
  | RuleChangeType
  | RuleUpdateType;

/**
 * A stored change as its GraphQL object (a plain object with the implementation's fields).
 * `diff` says which versions it is between: an added entity is one of the newer version, a
 * removed one of the older, and its global id names that version.
 */
export function toModelChangeType(
  change: ModelChange,
  diff: { fromHash: string; toHash: string },
): ModelChangeObject {
  const kind = change.kind as ModelChangeKind;
  switch (change.kind) {
    case 'service_added':
    case 'service_removed':
      return {
        kind,
        service: change.service,
        summary: `service ${verb(kind)}: ${change.service}`,
      } satisfies ServiceChangeType;
    case 'endpoint_added':
    case 'endpoint_removed':
      return {
        kind,
        endpoint: change.endpoint,
        summary: `endpoint ${verb(kind)}: ${change.endpoint}`,
      } satisfies EndpointChangeType;
    case 'entity_added':
    case 'entity_removed':
      return {
        kind,
        entity: toEntityType(
          change.entity,
          change.kind === 'entity_added' ? diff.toHash : diff.fromHash,
        ),
        summary: `entity ${verb(kind)}: ${change.entity.kind} ${change.entity.name}`,
      } satisfies EntityChangeType;
    case 'edge_added':
    case 'edge_removed': {
      const edge = toModelEdgeType(change.edge);
      return { kind, edge, summary: `edge ${verb(kind)}: ${edge.id}` } satisfies EdgeChangeType;
    }
    case 'behaviour_added':
    case 'behaviour_removed':
      return {
        kind,
        endpoint: change.endpoint,
        fingerprint: change.fingerprint,
        summary: `behaviour ${verb(kind)}: ${change.endpoint} ${change.fingerprint}`,
      } satisfies BehaviourChangeType;
    case 'rule_added':
    case 'rule_removed':
      return {
        kind,
        rule: toRuleType(change.rule),
        summary: `rule ${verb(kind)}: in ${change.rule.endpoint}, ${change.rule.effect} only if ${change.rule.condition}`,
      } satisfies RuleChangeType;
    case 'rule_changed':
      return {
        kind,
        before: toRuleType(change.before),
        after: toRuleType(change.after),
        summary: `rule changed: in ${change.after.endpoint}, ${change.after.effect} only if ${change.after.condition}`,
      } satisfies RuleUpdateType;
    default:
      // Written by a newer modeling than this API knows: a deployment problem, not the client's.
      throw new Error(`unknown model change kind ${(change as { kind: string }).kind}`);
  }
}
