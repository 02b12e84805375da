/**
 * Writes each service's options table into its README (between the env markers), from the option
 * declarations themselves. `npm run docs:env`; a unit test fails when a README is out of date.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { serviceEnvDocs } from './env-docs.data';

const root = join(__dirname, '..');
let changed = 0;
for (const { readme, table } of serviceEnvDocs()) {
  const file = join(root, readme);
  const text = readFileSync(file, 'utf8');
  const next = text.replace(/(<!-- env:begin -->\n)[\s\S]*?(<!-- env:end -->)/, `$1${table}\n$2`);
  if (next === text && !text.includes('<!-- env:begin -->'))
    throw new Error(`${readme} has no <!-- env:begin --> marker`);
  if (next !== text) {
    writeFileSync(file, next);
    changed++;
    console.log(`updated ${readme}`);
  }
}
console.log(changed === 0 ? 'all option tables are up to date' : `${changed} README(s) updated`);
