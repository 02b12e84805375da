import type { Condition, RequestValue } from './system.model';

/**
 * Condition semantics, shared by the generator (which evaluates them on drawn requests) and the
 * ground truth (which evaluates them on attribute domains), so both agree by construction.
 * Comparisons are numeric for numbers and OTLP ints (bigint); an absent attribute satisfies only `!=`.
 */
export function satisfies(condition: Condition, value: RequestValue | undefined): boolean {
  if (value === undefined) return condition.operator === '!=';
  const expected = condition.value;
  switch (condition.operator) {
    case '=':
      return sameValue(value, expected);
    case '!=':
      return !sameValue(value, expected);
    case '>':
      return Number(value) > Number(expected);
    case '>=':
      return Number(value) >= Number(expected);
    case '<':
      return Number(value) < Number(expected);
    case '<=':
      return Number(value) <= Number(expected);
  }
}

function sameValue(value: RequestValue, expected: string | number | boolean): boolean {
  if (typeof value === 'bigint') return typeof expected === 'number' && Number(value) === expected;
  return value === expected;
}

const NEGATED = { '=': '!=', '!=': '=', '>': '<=', '>=': '<', '<': '>=', '<=': '>' } as const;

/**
 * The condition that holds exactly when `condition` does not (for a present attribute). A boolean
 * equality negates to the other boolean, since that is how people state it (`likes_potatoes = false`).
 */
export function negate(condition: Condition): Condition {
  if (
    typeof condition.value === 'boolean' &&
    (condition.operator === '=' || condition.operator === '!=')
  ) {
    const holdsFor = condition.operator === '=' ? condition.value : !condition.value;
    return { attribute: condition.attribute, operator: '=', value: !holdsFor };
  }
  return { ...condition, operator: NEGATED[condition.operator] };
}

/** `user.likes_potatoes = true`, `cart.items >= 10`, `payment.method != gift-card`. */
export function describeCondition(condition: Condition): string {
  return `${condition.attribute} ${condition.operator} ${String(condition.value)}`;
}
