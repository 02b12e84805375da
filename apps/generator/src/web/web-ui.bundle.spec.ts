import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { locateWebUi } from './web-ui.assets';
import { readWebUi, renderWebUiIndex } from './web-ui.bundle';

describe(renderWebUiIndex.name, () => {
  it('writes the API’s path and auth mode into the page, escaped', () => {
    const html = renderWebUiIndex({ graphqlPath: '/api/"graphql"', auth: 'off' });
    expect(html).toContain('<meta name="t2t-graphql-path" content="/api/&quot;graphql&quot;">');
    expect(html).toContain('<meta name="t2t-auth" content="off">');
    expect(html).toMatch(/^<!doctype html>\n<html lang="en">/);
  });
});

describe(locateWebUi.name, () => {
  let root: string;
  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 't2t-web-ui-'));
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  const module = () => join(root, 'dist', 'apps', 'server', 'apps', 'generator', 'src', 'web');

  it('builds from the sources when running from them, else serves the prebuilt bundle', () => {
    mkdirSync(join(root, 'apps', 'web', 'src'), { recursive: true });
    writeFileSync(join(root, 'apps', 'web', 'src', 'main.tsx'), '');
    mkdirSync(module(), { recursive: true });
    expect(locateWebUi(module(), true)).toEqual({ kind: 'sources', root });
    expect(locateWebUi(module(), false)).toEqual({ kind: 'missing' });
    mkdirSync(join(root, 'dist', 'web', 'assets'), { recursive: true });
    writeFileSync(join(root, 'dist', 'web', 'assets', 'app.js'), 'console.log(1)');
    writeFileSync(join(root, 'dist', 'web', 'assets', 'app.css'), 'body{}');
    writeFileSync(join(root, 'dist', 'web', 'assets', 'notes.txt'), 'not served');
    expect(locateWebUi(module(), false)).toEqual({
      kind: 'prebuilt',
      dir: join(root, 'dist', 'web'),
    });
    const bundle = readWebUi(join(root, 'dist', 'web'))!;
    expect([...bundle.assets.keys()].sort()).toEqual(['app.css', 'app.js']);
    expect(bundle.assets.get('app.js')?.contentType).toBe('text/javascript; charset=utf-8');
  });
});
