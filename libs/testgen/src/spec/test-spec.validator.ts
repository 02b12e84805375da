import { childPath, validateAgainstSchema } from './json-schema.validator';
import { placeholdersIn } from './trigger.resolver';
import type { Assertion, JourneyStep, TestSpec, Trigger } from './test-spec.model';
import { TEST_SPEC_V1_SCHEMA } from './test-spec.schema';

export type TestSpecValidation = { ok: true; spec: TestSpec } | { ok: false; errors: string[] };

/**
 * Validates a parsed JSON document as a test spec v1: first against TEST_SPEC_V1_SCHEMA, then the
 * rules a schema cannot state (unique assertion ids, min <= max, placeholders that resolve, captures
 * that say where from). Errors are `<json path>: <problem>`, written to be fed back to the LLM
 * generator for a repair round. Never throws on bad input.
 */
export function validateTestSpec(json: unknown): TestSpecValidation {
  const errors = validateAgainstSchema(json, TEST_SPEC_V1_SCHEMA);
  if (errors.length > 0) return { ok: false, errors };
  const spec = json as TestSpec;
  const semantic = checkSemantics(spec);
  return semantic.length > 0 ? { ok: false, errors: semantic } : { ok: true, spec };
}

function checkSemantics(spec: TestSpec): string[] {
  const errors: string[] = [];
  checkAssertionTree(spec.assertions, '$.assertions', errors);
  (spec.before ?? []).forEach((step, i) =>
    checkAssertionTree(step.assertions, `$.before[${i}].assertions`, errors),
  );

  // Placeholders: fixture fields everywhere; captures only from earlier steps.
  const known = new Set<string>();
  for (const fixture of spec.setup.fixtures) {
    for (const field of Object.keys(fixture.values)) known.add(`${fixture.name}.${field}`);
  }
  const steps: JourneyStep[] = spec.before ?? [];
  steps.forEach((step, i) => {
    checkPlaceholders(step.trigger, known, `$.before[${i}].trigger`, errors);
    step.captures.forEach((c, j) => {
      const path = `$.before[${i}].captures[${j}]`;
      if (c.from === 'response' && (c.path === undefined || c.path === '')) {
        errors.push(`${path}.path: is required when from is "response"`);
      }
      if (c.from === 'span' && (c.select === undefined || c.attribute === undefined)) {
        errors.push(`${path}: select and attribute are required when from is "span"`);
      }
      known.add(c.name);
    });
  });
  checkPlaceholders(spec.trigger, known, '$.trigger', errors);
  (spec.variants ?? []).forEach((v, i) =>
    checkPlaceholders(v.trigger, known, `$.variants[${i}].trigger`, errors),
  );
  return errors;
}

function checkAssertionTree(assertions: Assertion[], path: string, errors: string[]): void {
  const seen = new Map<string, string>();
  const walk = (list: Assertion[], at: string) =>
    list.forEach((a, i) => {
      const p = `${at}[${i}]`;
      const earlier = seen.get(a.id);
      if (earlier !== undefined) errors.push(`${p}.id: "${a.id}" is already used at ${earlier}`);
      else seen.set(a.id, p);
      checkAssertion(a, p, errors);
      if (a.kind === 'conditional') {
        walk(a.then, `${p}.then`);
        walk(a.else, `${p}.else`);
      }
    });
  walk(assertions, path);
}

function checkAssertion(a: Assertion, path: string, errors: string[]): void {
  const bounds = (min: number | undefined, max: number | undefined, at: string) => {
    if (min !== undefined && max !== undefined && min > max) {
      errors.push(`${at}: min (${min}) is greater than max (${max})`);
    }
  };
  const selectors = 'select' in a ? [a.select] : [];
  if (a.kind === 'relation') selectors.push(a.target);
  if (a.kind === 'only') selectors.push(...a.allowed);
  for (const s of selectors) {
    for (const [key, m] of Object.entries(s.attributes ?? {})) {
      bounds(m.range?.min, m.range?.max, `${childPath(`${path}.select.attributes`, key)}.range`);
    }
  }
  switch (a.kind) {
    case 'count':
      if (a.count.equals !== undefined && (a.count.min ?? a.count.max) !== undefined) {
        errors.push(`${path}.count: give either equals or min/max, not both`);
      }
      bounds(a.count.min, a.count.max, `${path}.count`);
      break;
    case 'attributes':
      if (Object.keys(a.attributes).length === 0 && a.status === undefined) {
        errors.push(`${path}: needs at least one attribute matcher or a status matcher`);
      }
      for (const [key, m] of Object.entries(a.attributes)) {
        bounds(m.range?.min, m.range?.max, `${childPath(`${path}.attributes`, key)}.range`);
      }
      break;
    case 'duration':
      if (a.minMs === undefined && a.maxMs === undefined) {
        errors.push(`${path}: needs minMs or maxMs`);
      }
      bounds(a.minMs, a.maxMs, path);
      break;
    case 'conditional':
      if (a.then.length === 0 && a.else.length === 0) {
        errors.push(`${path}: then and else are both empty`);
      }
      break;
  }
}

function checkPlaceholders(
  trigger: Trigger,
  known: ReadonlySet<string>,
  path: string,
  errors: string[],
): void {
  for (const name of placeholdersIn(trigger)) {
    if (!known.has(name)) {
      errors.push(
        `${path}: placeholder {{${name}}} is neither a fixture field nor a capture of an earlier step`,
      );
    }
  }
}
