import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { basename, dirname, extname, join } from 'node:path';

/** One file of the bundle, as served. */
export interface WebUiAsset {
  body: Buffer;
  contentType: string;
}

/** The built UI: its assets by name (`app.js`, `app.css`), served under `/assets/`. */
export interface WebUiBundle {
  assets: ReadonlyMap<string, WebUiAsset>;
  /** Where it came from, for the start-up log: `built from apps/web/src` or the directory read. */
  origin: string;
  /** Newest modification time of the sources it was built from (0 for a prebuilt bundle). */
  sourcesMtimeMs: number;
}

/** The UI's source folder and entry, relative to the repository root. */
export const WEB_UI_SOURCE = join('apps', 'web', 'src');
const ENTRY = join(WEB_UI_SOURCE, 'main.tsx');
/** Where `npm run build:web` writes the bundle, relative to the repository root. */
export const WEB_UI_DIST = join('dist', 'web');

const CONTENT_TYPES: Record<string, string> = {
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
};

/** The first ancestor of `from` (itself included) that holds `relative`. */
export function findUpward(from: string, relative: string): string | undefined {
  for (let dir = from; ; dir = dirname(dir)) {
    if (existsSync(join(dir, relative))) return dir;
    if (dirname(dir) === dir) return undefined;
  }
}

/** Newest modification time of the files under `dir` (recursively). */
export function newestMtimeMs(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    const t = entry.isDirectory() ? newestMtimeMs(path) : statSync(path).mtimeMs;
    if (t > newest) newest = t;
  }
  return newest;
}

/**
 * Bundles the UI from its sources with esbuild (React, the graph layout and the styles in one
 * script and one stylesheet, minified; nothing is loaded from elsewhere at run time). esbuild is
 * a development dependency: it is loaded only here, so a production image that serves the
 * prebuilt bundle does not need it. With `outDir`, the files are also written there.
 */
export async function buildWebUi(root: string, outDir?: string): Promise<WebUiBundle> {
  const sourcesMtimeMs = newestMtimeMs(join(root, WEB_UI_SOURCE));
  const esbuild = await import('esbuild');
  const result = await esbuild.build({
    absWorkingDir: root,
    entryPoints: { app: join(root, ENTRY) },
    tsconfig: join(root, 'apps', 'web', 'tsconfig.json'),
    bundle: true,
    format: 'iife',
    platform: 'browser',
    target: ['es2022'],
    jsx: 'automatic',
    minify: true,
    legalComments: 'eof',
    define: { 'process.env.NODE_ENV': '"production"' },
    outdir: join(root, WEB_UI_DIST, 'assets'),
    write: false,
    logLevel: 'silent',
  });
  const assets = new Map<string, WebUiAsset>();
  for (const file of result.outputFiles) {
    const name = basename(file.path);
    assets.set(name, {
      body: Buffer.from(file.contents),
      contentType: CONTENT_TYPES[extname(name)] ?? 'application/octet-stream',
    });
  }
  if (outDir) {
    mkdirSync(join(outDir, 'assets'), { recursive: true });
    for (const [name, asset] of assets) writeFileSync(join(outDir, 'assets', name), asset.body);
  }
  return { assets, origin: `built from ${WEB_UI_SOURCE}`, sourcesMtimeMs };
}

/** The bundle `npm run build:web` wrote to `dir` (`dist/web`), or undefined when there is none. */
export function readWebUi(dir: string): WebUiBundle | undefined {
  const assetsDir = join(dir, 'assets');
  if (!existsSync(join(assetsDir, 'app.js'))) return undefined;
  const assets = new Map<string, WebUiAsset>();
  for (const name of readdirSync(assetsDir)) {
    const contentType = CONTENT_TYPES[extname(name)];
    if (contentType) assets.set(name, { body: readFileSync(join(assetsDir, name)), contentType });
  }
  return { assets, origin: dir, sourcesMtimeMs: 0 };
}

/**
 * The page every view starts from. The API's path and whether it needs a key are written into
 * it, so the script needs no configuration of its own.
 */
export function renderWebUiIndex(options: {
  graphqlPath: string;
  auth: 'api-key' | 'off';
}): string {
  const attr = (s: string) =>
    s.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="t2t-graphql-path" content="${attr(options.graphqlPath)}">
<meta name="t2t-auth" content="${attr(options.auth)}">
<title>trace2test</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="assets/app.css">
<script src="assets/app.js" defer></script>
</head>
<body>
<div id="root"></div>
<noscript>The trace2test UI needs JavaScript.</noscript>
</body>
</html>
`;
}
