import { Logger } from '@nestjs/common';
import { join } from 'node:path';
import {
  buildWebUi,
  findUpward,
  newestMtimeMs,
  readWebUi,
  WEB_UI_DIST,
  WEB_UI_SOURCE,
  type WebUiBundle,
} from './web-ui.bundle';

/** Where the bundle comes from, decided once at start-up (see `locateWebUi`). */
export type WebUiSource =
  { kind: 'sources'; root: string } | { kind: 'prebuilt'; dir: string } | { kind: 'missing' };

/**
 * Running from the TypeScript sources (`npm start`, the demo, the tests), the UI is bundled from
 * its sources, so it is never older than they are; running compiled (`dist/`, the image), the
 * bundle `npm run build` wrote is served and esbuild is not needed.
 */
export function locateWebUi(moduleDir: string, fromSources: boolean): WebUiSource {
  if (fromSources) {
    const root = findUpward(moduleDir, join(WEB_UI_SOURCE, 'main.tsx'));
    if (root) return { kind: 'sources', root };
  }
  const root = findUpward(moduleDir, join(WEB_UI_DIST, 'assets', 'app.js'));
  return root ? { kind: 'prebuilt', dir: join(root, WEB_UI_DIST) } : { kind: 'missing' };
}

/**
 * The bundle the controller serves. From the sources it is built on the first request (not at
 * start-up: a server nobody opens the UI of pays nothing) and again when a source file changed
 * since, so a developer's edit shows on reload. A failed build is not kept: the next request
 * tries again.
 */
export class WebUiAssets {
  private readonly log = new Logger('web-ui');
  private current: Promise<WebUiBundle> | undefined;

  constructor(readonly source: WebUiSource) {}

  describe(): string {
    switch (this.source.kind) {
      case 'sources':
        return `bundled from ${WEB_UI_SOURCE} on first request`;
      case 'prebuilt':
        return `prebuilt bundle in ${this.source.dir}`;
      case 'missing':
        return `no bundle: run \`npm run build\` (or \`npm run build:web\`) to build ${WEB_UI_DIST}`;
    }
  }

  /** The bundle, or undefined when there is none to serve (a compiled server without dist/web). */
  async bundle(): Promise<WebUiBundle | undefined> {
    const source = this.source;
    if (source.kind === 'missing') return undefined;
    if (source.kind === 'prebuilt') {
      this.current ??= Promise.resolve(readWebUi(source.dir)).then((b) => {
        if (!b) throw new Error(`the web UI bundle in ${source.dir} is gone`);
        return b;
      });
      return this.current;
    }
    if (this.current) {
      const built = await this.current.catch(() => undefined);
      if (built && newestMtimeMs(join(source.root, WEB_UI_SOURCE)) <= built.sourcesMtimeMs)
        return built;
    }
    const started = Date.now();
    const building = buildWebUi(source.root);
    this.current = building;
    try {
      const built = await building;
      this.log.log(`web UI bundled from ${WEB_UI_SOURCE} in ${Date.now() - started} ms`);
      return built;
    } catch (e) {
      if (this.current === building) this.current = undefined;
      throw e;
    }
  }
}
