import { Field, Float, ObjectType } from '@nestjs/graphql';
import type { ModelRule } from '@t2t/model';
import { ConnectionType } from '../pagination/connection.type';
import { ModelEdgeType, toModelEdgeType } from './model-edge.type';

@ObjectType('RuleAtom', { description: 'One comparison of a rule’s condition.' })
export class RuleAtomType {
  @Field()
  attribute!: string;

  @Field({ description: '`=`, `!=`, `>=` or `<`.' })
  op!: string;

  @Field()
  value!: string;
}

@ObjectType('Rule', {
  description: 'Within traces of `endpoint`, `effect` happens only if `condition` holds.',
})
export class RuleType {
  @Field()
  endpoint!: string;

  @Field({ description: 'Endpoint whose handler makes the decision.' })
  at!: string;

  @Field({ description: 'Atoms joined with ` and `, e.g. `user.likes_potatoes = true`.' })
  condition!: string;

  @Field(() => [RuleAtomType])
  atoms!: RuleAtomType[];

  @Field({ description: 'e.g. `calls potato-handler POST /potatoes`.' })
  effect!: string;

  @Field(() => ModelEdgeType)
  edge!: ModelEdgeType;

  @Field(() => Float, { description: 'Traces where the condition held and the effect happened.' })
  support!: number;

  @Field(() => Float, { description: 'P(effect | condition).' })
  confidence!: number;

  @Field(() => Float, { description: 'P(effect | not condition).' })
  falseRate!: number;
}

export function toRuleType(rule: ModelRule): RuleType {
  return {
    endpoint: rule.endpoint,
    at: rule.at,
    condition: rule.condition,
    atoms: rule.atoms.map((a) => ({ attribute: a.attribute, op: a.op, value: a.value })),
    effect: rule.effect,
    edge: toModelEdgeType(rule.edge),
    support: rule.support,
    confidence: rule.confidence,
    falseRate: rule.falseRate,
  };
}

@ObjectType('RuleConnection')
export class RuleConnection extends ConnectionType(RuleType, 'Rule') {}
