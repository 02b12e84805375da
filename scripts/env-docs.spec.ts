import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { serviceEnvDocs } from './env-docs.data';

describe('service READMEs', () => {
  it.each(serviceEnvDocs().map((d) => [d.readme, d.table]))(
    '%s documents every option with its default',
    (readme, table) => {
      const text = readFileSync(join(__dirname, '..', readme), 'utf8');
      const block = /<!-- env:begin -->\n([\s\S]*?)\n<!-- env:end -->/.exec(text);
      expect(block).not.toBeNull();
      // Out of date? Run `npm run docs:env`.
      expect(block![1]).toBe(table);
    },
  );
});
