import type { ModelRule } from '@t2t/model';
import { type Provenance, type TestSpec, validateTestSpec } from '@t2t/testgen';
import { GENERATOR_OWNED_FIELDS } from '../prompt/llm-spec.schema';

/** What a draft must agree with beyond the format: the endpoint it was written for. */
export interface DraftScope {
  endpoint: string;
  /** Fingerprints of the endpoint's behaviours. */
  behaviours: readonly string[];
  /** The endpoint's rules. */
  rules: readonly ModelRule[];
}

export type DraftCheck = { ok: true; spec: TestSpec } | { ok: false; errors: string[] };

/**
 * Checks one document of an answer: testgen's validateTestSpec (schema and semantic rules), then
 * that it is about the endpoint and behaviours/rules it was given: a spec for a behaviour that
 * does not exist would only be rejected later for having no recorded traces, and the model can fix
 * that in a repair round if told now. Generator-owned fields the model wrote anyway are replaced,
 * not held against it. Errors are `<json path>: <problem>`, as validateTestSpec writes them.
 */
export function checkSpecDraft(
  item: unknown,
  scope: DraftScope,
  provenance: Provenance,
): DraftCheck {
  if (item === null || typeof item !== 'object' || Array.isArray(item)) {
    return { ok: false, errors: ['$: must be a spec object'] };
  }
  const draft: Record<string, unknown> = { ...(item as Record<string, unknown>) };
  for (const field of GENERATOR_OWNED_FIELDS) delete draft[field];
  const validation = validateTestSpec({ ...draft, provenance });
  if (!validation.ok) return validation;
  const errors = checkScope(validation.spec, scope);
  return errors.length > 0 ? { ok: false, errors } : validation;
}

function checkScope(spec: TestSpec, scope: DraftScope): string[] {
  const errors: string[] = [];
  if (spec.endpoint !== scope.endpoint) {
    errors.push(`$.endpoint: must be "${scope.endpoint}", the endpoint under test`);
  }
  const { behaviour, rule } = spec.covers;
  if (behaviour !== undefined && !scope.behaviours.includes(behaviour)) {
    errors.push(
      `$.covers.behaviour: "${behaviour}" is not a behaviour of ${scope.endpoint}; use one of ${scope.behaviours.map((b) => `"${b}"`).join(', ')}`,
    );
  }
  if (rule !== undefined) {
    const known = scope.rules.some(
      (r) =>
        r.endpoint === rule.endpoint &&
        r.at === rule.at &&
        r.condition === rule.condition &&
        r.effect === rule.effect,
    );
    if (!known) {
      errors.push(
        scope.rules.length === 0
          ? `$.covers.rule: ${scope.endpoint} has no rules; remove covers.rule`
          : `$.covers.rule: matches no rule of ${scope.endpoint}; copy covers.rule exactly as given`,
      );
    }
  }
  return errors;
}
