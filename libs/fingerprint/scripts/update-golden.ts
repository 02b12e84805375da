/**
 * Rewrites libs/fingerprint/test/golden/expected/*.golden.json from the inputs, and removes
 * expected files whose input is gone.
 *
 *   npm run golden:fingerprint
 *
 * Run it after a deliberate change to labels or the canonical form, read the diff (every changed
 * hash is a behaviour change for clustering), and bump FINGERPRINT_VERSION if any hash changed.
 */
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fingerprintTrace } from '../src/hash';
import {
  assembleGoldenTrace,
  EXPECTED_DIR,
  expectedPath,
  loadGoldenCases,
  serializeGolden,
  toGoldenOutput,
} from '../test/golden/golden-case.fixture';

mkdirSync(EXPECTED_DIR, { recursive: true });
const cases = loadGoldenCases();
let changed = 0;
for (const { name, input } of cases) {
  const text = serializeGolden(toGoldenOutput(fingerprintTrace(assembleGoldenTrace(input))));
  const path = expectedPath(name);
  let before = '';
  try {
    before = readFileSync(path, 'utf8');
  } catch {
    // a new case
  }
  if (before === text) continue;
  writeFileSync(path, text);
  changed++;
  console.log(`${before === '' ? 'created' : 'updated'} ${path}`);
}
const names = new Set(cases.map((c) => `${c.name}.golden.json`));
for (const file of readdirSync(EXPECTED_DIR)) {
  if (!file.endsWith('.golden.json') || names.has(file)) continue;
  rmSync(join(EXPECTED_DIR, file));
  changed++;
  console.log(`removed ${file} (its input is gone)`);
}
console.log(`${cases.length} golden cases, ${changed} file(s) changed`);
