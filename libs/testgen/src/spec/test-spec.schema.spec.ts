import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { TEST_SPEC_V1_SCHEMA } from './test-spec.schema';

describe('TEST_SPEC_V1_SCHEMA', () => {
  it('is what libs/testgen/schema/test-spec.v1.schema.json holds (run `npm run schema:testspec` after a change)', () => {
    const file = join(__dirname, '..', '..', 'schema', 'test-spec.v1.schema.json');
    expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual(TEST_SPEC_V1_SCHEMA);
  });

  it('resolves every $ref it uses', () => {
    const refs = new Set<string>();
    const walk = (v: unknown): void => {
      if (Array.isArray(v)) v.forEach(walk);
      else if (typeof v === 'object' && v !== null) {
        for (const [k, x] of Object.entries(v)) {
          if (k === '$ref') refs.add(x as string);
          else walk(x);
        }
      }
    };
    walk(TEST_SPEC_V1_SCHEMA);
    for (const ref of refs) {
      expect(TEST_SPEC_V1_SCHEMA.$defs?.[ref.replace('#/$defs/', '')]).toBeDefined();
    }
  });
});
