import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { emitJestTest } from '@t2t/testgen';
import { fakeShopSpecs } from '../../test/fake-shop.target';
import { loadSpecFiles, specsFromText } from './spec-file.loader';

describe(loadSpecFiles.name, () => {
  const { order, rule, journey } = fakeShopSpecs();
  let dir: string;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 't2t-specs-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('reads JSON specs, arrays of specs and emitted Jest files, walking directories in order', async () => {
    mkdirSync(join(dir, 'nested'));
    mkdirSync(join(dir, '.hidden'));
    writeFileSync(join(dir, 'a-order.json'), JSON.stringify(order));
    writeFileSync(join(dir, 'nested', 'b-rule.trace.spec.ts'), emitJestTest(rule));
    writeFileSync(join(dir, 'nested', 'notes.md'), '# not a spec');
    writeFileSync(join(dir, '.hidden', 'x.json'), '{');
    const array = join(dir, 'all.json');
    writeFileSync(array, JSON.stringify([journey]));
    const loaded = await loadSpecFiles([dir]);
    expect(loaded.problems).toEqual([]);
    expect(loaded.specs.map((s) => [s.spec.id, s.source])).toEqual([
      [order.id, join(dir, 'a-order.json')],
      [journey.id, `${array}[0]`],
      [rule.id, join(dir, 'nested', 'b-rule.trace.spec.ts')],
    ]);
    // The emitted file's spec comes back exactly as it was emitted.
    expect(loaded.specs[2].spec).toEqual(rule);
  });

  it('reports bad files, invalid specs and repeated ids, and keeps the good ones', async () => {
    writeFileSync(join(dir, '1.json'), JSON.stringify(order));
    writeFileSync(join(dir, '2.json'), JSON.stringify(order));
    writeFileSync(join(dir, '3.json'), '{"specVersion": 1');
    writeFileSync(
      join(dir, '4.json'),
      JSON.stringify({ ...rule, assertions: [{ kind: 'exist' }] }),
    );
    writeFileSync(join(dir, '5.trace.spec.ts'), 'describe("hand written", () => {});');
    const loaded = await loadSpecFiles([dir, join(dir, 'missing.json')]);
    expect(loaded.specs.map((s) => s.spec.id)).toEqual([order.id]);
    const problems = loaded.problems.map(
      (p) => `${p.source.replace(dir, '')}: ${p.message.split('\n')[0]}`,
    );
    expect(problems).toEqual([
      `/2.json: spec ${order.id} was already loaded from ${join(dir, '1.json')}; this copy is skipped`,
      expect.stringMatching(/^\/3\.json: not JSON: /),
      '/4.json: not a valid test spec (format v1):',
      '/5.trace.spec.ts: not an emitted trace2test Jest file (no `const spec: TestSpec = {...};`)',
      expect.stringMatching(/^\/missing\.json: ENOENT/),
    ]);
    expect(loaded.problems[2].message).toContain('$.assertions[0].kind: must be one of');
  });

  it('reads a spec out of the emitted file text', () => {
    expect(specsFromText(emitJestTest(journey), 'x.trace.spec.ts').specs[0].spec).toEqual(journey);
  });
});
