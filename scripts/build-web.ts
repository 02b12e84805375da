/**
 * `npm run build:web` (part of `npm run build`): bundles the web UI (apps/web) into dist/web, which
 * a compiled server (`dist/`, the image) serves at `/`. A server running from the sources
 * (`npm start`, the demo) bundles it itself and does not need this.
 */
import { join } from 'node:path';
import { buildWebUi, WEB_UI_DIST } from '../apps/generator/src/web/web-ui.bundle';

async function main(): Promise<void> {
  const root = join(__dirname, '..');
  const started = Date.now();
  const bundle = await buildWebUi(root, join(root, WEB_UI_DIST));
  const sizes = [...bundle.assets].map(
    ([name, a]) => `${name} ${(a.body.length / 1024).toFixed(0)} KiB`,
  );
  process.stdout.write(
    `web UI: ${sizes.join(', ')} in ${WEB_UI_DIST}/assets (${Date.now() - started} ms)\n`,
  );
}

main().catch((e: unknown) => {
  process.stderr.write(`build:web failed: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exit(1);
});
