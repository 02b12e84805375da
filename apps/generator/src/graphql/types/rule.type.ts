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

@ObjectType('RuleBehaviourCount', {
  description:
    'One behaviour of the endpoint in which the deciding handler runs, counted against the rule.',
})
export class RuleBehaviourCountType {
  @Field()
  fingerprint!: string;

  @Field({ description: 'Whether the rule’s effect is part of the behaviour’s structure.' })
  effect!: boolean;

  @Field(() => Float, { description: 'Traces of the behaviour counted.' })
  traces!: number;

  @Field(() => Float, { description: 'Of those, traces in which the condition holds.' })
  holds!: number;
}

@ObjectType('RuleMeasurement', {
  description:
    'What a rule’s figures were counted on. A behaviour with the effect whose traces do not all satisfy the condition (or one without it whose traces do) is a counter-example.',
})
export class RuleMeasurementType {
  @Field({ description: '`all-traces` (every stored trace of the period) or `samples`.' })
  basis!: string;

  @Field(() => [RuleBehaviourCountType])
  behaviours!: RuleBehaviourCountType[];
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

  @Field(() => RuleMeasurementType, {
    nullable: true,
    description:
      'Per behaviour counts behind the figures; null in models stored before rules were measured.',
  })
  measured!: RuleMeasurementType | null;
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
    measured: rule.measured
      ? {
          basis: rule.measured.basis,
          behaviours: rule.measured.behaviours.map((b) => ({
            fingerprint: b.fingerprint,
            effect: b.effect,
            traces: b.traces,
            holds: b.holds,
          })),
        }
      : null,
  };
}

@ObjectType('RuleConnection')
export class RuleConnection extends ConnectionType(RuleType, 'Rule') {}
