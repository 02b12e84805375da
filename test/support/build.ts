import { execFileSync } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  readFileSync,
  readdirSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from './process';

/** What a build depends on: app and library sources and the build configuration. */
const SOURCE_ROOTS = ['apps', 'libs'];
const SOURCE_FILES = ['nest-cli.json', 'tsconfig.json', 'tsconfig.build.json', 'package-lock.json'];
const SKIP_DIRS = new Set(['node_modules', 'test', 'bench']);

const STAMP = join(repoRoot, 'dist', '.t2t-test-build.json');
const LOCK = join(repoRoot, 'dist', '.t2t-test-build.lock');
/** A lock older than this belongs to a run that died; builds take well under it. */
const STALE_LOCK_MS = 15 * 60_000;

interface Stamp {
  sourcesMtimeMs: number;
  apps: string[];
}

function newestMtime(path: string): number {
  const st = statSync(path);
  if (!st.isDirectory()) return st.mtimeMs;
  let newest = st.mtimeMs;
  for (const name of readdirSync(path)) {
    if (SKIP_DIRS.has(name)) continue;
    newest = Math.max(newest, newestMtime(join(path, name)));
  }
  return newest;
}

function sourcesMtime(): number {
  return Math.max(
    ...SOURCE_ROOTS.map((d) => newestMtime(join(repoRoot, d))),
    ...SOURCE_FILES.filter((f) => existsSync(join(repoRoot, f))).map((f) =>
      newestMtime(join(repoRoot, f)),
    ),
  );
}

function readStamp(): Stamp | undefined {
  try {
    return JSON.parse(readFileSync(STAMP, 'utf8')) as Stamp;
  } catch {
    return undefined;
  }
}

async function withLock<T>(work: () => T): Promise<T> {
  mkdirSync(join(repoRoot, 'dist'), { recursive: true });
  for (;;) {
    try {
      mkdirSync(LOCK);
      break;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      if (Date.now() - statSync(LOCK).mtimeMs > STALE_LOCK_MS) rmSync(LOCK, { recursive: true });
      else await new Promise((r) => setTimeout(r, 500));
    }
  }
  try {
    return work();
  } finally {
    rmSync(LOCK, { recursive: true, force: true });
  }
}

/**
 * Builds the apps as users do (`nest build <app>`, the layout the Dockerfile ships; `web`: the web
 * UI's bundle, as `npm run build:web` writes it), once per source
 * state: test files that run built services in parallel workers share one build, and a second run
 * on unchanged sources reuses it.
 */
export async function ensureBuilt(apps: readonly string[]): Promise<void> {
  await withLock(() => {
    const mtime = sourcesMtime();
    const stamp = readStamp();
    const built = new Set(stamp?.sourcesMtimeMs === mtime ? stamp.apps : []);
    const missing = apps.filter((a) => !built.has(a));
    for (const app of missing) {
      // `web` is the UI's bundle (`npm run build:web`), which a compiled server serves.
      if (app === 'web')
        execFileSync(process.execPath, ['-r', '@swc-node/register', 'scripts/build-web.ts'], {
          cwd: repoRoot,
          stdio: 'pipe',
        });
      else
        execFileSync(join(repoRoot, 'node_modules/.bin/nest'), ['build', app], {
          cwd: repoRoot,
          stdio: 'pipe',
        });
    }
    if (missing.length > 0) {
      const stampNow: Stamp = { sourcesMtimeMs: mtime, apps: [...built, ...missing] };
      writeFileSync(STAMP, JSON.stringify(stampNow));
    }
  });
}
