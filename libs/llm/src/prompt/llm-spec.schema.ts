import { type JsonSchema, TEST_SPEC_V1_SCHEMA } from '@t2t/testgen';

/** Fields the generator fills in itself: the LLM neither writes nor sees them. */
export const GENERATOR_OWNED_FIELDS = ['provenance', 'verification'] as const;

/**
 * TEST_SPEC_V1_SCHEMA as the LLM sees it: without the generator-owned fields (the model cannot know
 * its own provenance, and verification is ours to compute) and without the definitions only those
 * fields used. Derived, not restated, so it cannot drift from the schema validateTestSpec applies.
 */
export function llmSpecSchema(): JsonSchema {
  const schema = structuredClone(TEST_SPEC_V1_SCHEMA);
  const owned: readonly string[] = GENERATOR_OWNED_FIELDS;
  for (const field of owned) delete schema.properties?.[field];
  schema.required = schema.required?.filter((r) => !owned.includes(r));
  const used = reachableDefs(schema);
  for (const name of Object.keys(schema.$defs ?? {})) {
    if (!used.has(name)) delete schema.$defs![name];
  }
  return schema;
}

function reachableDefs(schema: JsonSchema): Set<string> {
  const used = new Set<string>();
  const visit = (node: unknown) => {
    if (Array.isArray(node)) return node.forEach(visit);
    if (node === null || typeof node !== 'object') return;
    for (const [key, value] of Object.entries(node)) {
      if (key === '$defs') continue;
      if (key === '$ref' && typeof value === 'string') {
        const name = value.replace('#/$defs/', '');
        if (!used.has(name)) {
          used.add(name);
          visit(schema.$defs?.[name]);
        }
      } else visit(value);
    }
  };
  visit(schema);
  return used;
}
