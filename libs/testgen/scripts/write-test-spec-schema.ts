/**
 * Writes libs/testgen/schema/test-spec.v1.schema.json from TEST_SPEC_V1_SCHEMA (the constant is
 * the source of truth; the file is what people and the LLM prompt read).
 *
 *   npm run schema:testspec
 *
 * Formatted with the repository's Prettier settings so `prettier --check` stays green. A unit test
 * (test-spec.schema.spec.ts) fails when the file and the constant disagree.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { format, resolveConfig } from 'prettier';
import { TEST_SPEC_V1_SCHEMA } from '../src/spec/test-spec.schema';

export const SCHEMA_FILE = join(__dirname, '..', 'schema', 'test-spec.v1.schema.json');

async function main(): Promise<void> {
  const config = (await resolveConfig(SCHEMA_FILE)) ?? {};
  const text = await format(JSON.stringify(TEST_SPEC_V1_SCHEMA), { ...config, parser: 'json' });
  let before = '';
  try {
    before = readFileSync(SCHEMA_FILE, 'utf8');
  } catch {
    // first run
  }
  if (before === text) {
    console.log(`${SCHEMA_FILE} is up to date`);
    return;
  }
  writeFileSync(SCHEMA_FILE, text);
  console.log(`wrote ${SCHEMA_FILE}`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
