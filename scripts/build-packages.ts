/**
 * Builds the published packages (`npm run build:packages`, part of `npm run build`):
 *
 *   packages/runner → @trace2test/runner   dist/index.{js,mjs,d.ts,d.mts}, dist/jest.{js,mjs,d.ts,d.mts}
 *   packages/cli    → @trace2test/cli      dist/t2t.js (the `t2t` bin)
 *
 * The internal libs (`@t2t/*`) are not published, so each entry is bundled with them by esbuild
 * (CommonJS; the runner's ES module entries re-export it); real npm dependencies stay external and must be
 * declared in the package's package.json with the range the monorepo's own package.json gives
 * them: the build fails naming any import that is not, or any declared dependency the bundle no
 * longer imports. Types are one declaration file per entry, bundled by dts-bundle-generator.
 *
 * Internal modules are marked free of side effects, so a bundle holds only the modules its entry
 * uses: the runner package does not carry the Nest modules, repositories and Kafka client the
 * monorepo's libs also export. What an entry reaches only through a `require` on first use (the
 * runner's ClickHouse, Kafka and gRPC backends) loads its npm packages only then.
 */
import {
  chmodSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { builtinModules } from 'node:module';
import { dirname, join, relative } from 'node:path';
import { generateDtsBundle } from 'dts-bundle-generator';
import { build, type Metafile, type Plugin } from 'esbuild';

const root = join(__dirname, '..');

interface Entry {
  /** Output name in dist/ (`index` → index.js, index.mjs, index.d.ts). */
  name: string;
  source: string;
  /**
   * Also an ES module: a wrapper that re-exports the CommonJS build, so a process that loads both
   * still has one runner (one configured runner, one class per error), not two.
   */
  esm: boolean;
  /** Bundled types; false for a bin. `reexport`: the entry's types are another entry's. */
  types: boolean | { reexport: string };
  /** Runs as a program: `#!/usr/bin/env node` first, executable. */
  bin?: boolean;
  /** Imports of sibling entries that stay imports (`./index` → the built index). */
  siblings?: string[];
}

/**
 * A module loaded with `require` on first use (libs/runner's backends), built as a bundle of its
 * own (`dist/<name>.js`) when an entry's bundle refers to it. Bundled inline, a `require`d module
 * and everything it imports become lazily initialised modules, and initialising a lib's index
 * then runs all of its re-exports: the runner would load Nest with the storage lib's module, and
 * any bundle that merely parses the `require` (the CLI) would load every module of every lib
 * index it touches at start-up, whatever it uses.
 */
interface LazyModule {
  source: string;
  name: string;
}

interface PackageBuild {
  dir: string;
  entries: Entry[];
  lazy: LazyModule[];
  /**
   * Internal modules a lazy bundle takes from the package's main bundle (`dist/index.js`, which
   * must export what they export) instead of a copy: error classes keep one identity.
   */
  shared: string[];
  /** Declared for users but not imported by the bundles (test frameworks, their types). */
  notImported: string[];
}

/** libs/runner's backends, loaded on first use (see default.runner.ts). */
const RUNNER_BACKENDS: LazyModule[] = [
  { source: 'libs/runner/src/run/runner-storage.backend.ts', name: 'backends/clickhouse' },
  { source: 'libs/runner/src/trigger/message-sender.factory.ts', name: 'backends/kafka' },
  { source: 'libs/runner/src/trigger/grpc-trigger.sender.ts', name: 'backends/grpc' },
];

const PACKAGES: PackageBuild[] = [
  {
    dir: 'packages/runner',
    entries: [
      { name: 'index', source: 'packages/runner/src/index.ts', esm: true, types: true },
      {
        name: 'jest',
        source: 'packages/runner/src/jest.ts',
        esm: true,
        types: { reexport: 'index' },
        siblings: ['./index'],
      },
    ],
    lazy: RUNNER_BACKENDS,
    shared: ['libs/runner/src/trigger/trigger.errors.ts'],
    notImported: ['jest', '@types/jest'],
  },
  {
    dir: 'packages/cli',
    entries: [{ name: 't2t', source: 'apps/cli/src/main.ts', esm: false, types: false, bin: true }],
    // Its commands build their runner themselves; the backends are built only if it loads them.
    lazy: RUNNER_BACKENDS,
    shared: [],
    notImported: [],
  },
];

/** The Node.js version the bundles are written for: the lowest the packages support. */
const TARGET = 'node20';

interface Manifest {
  name: string;
  dependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
  devDependencies?: Record<string, string>;
}

const readJson = <T>(path: string): T => JSON.parse(readFileSync(path, 'utf8')) as T;

/** The npm package an import names (`@scope/name/sub` → `@scope/name`), or undefined for Node's own. */
function packageOf(specifier: string): string | undefined {
  const bare = specifier.replace(/^node:/, '');
  if (specifier.startsWith('node:') || builtinModules.includes(bare.split('/')[0])) {
    return undefined;
  }
  const parts = specifier.split('/');
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0];
}

/**
 * Resolves the monorepo's own modules (relative paths, `@t2t/*` through tsconfig paths) as free of
 * side effects, so a bundle holds only the modules it uses; every other bare import is an external
 * npm package. Sibling entries, lazy modules and shared modules stay imports of their own built
 * files, relative to `outDir`.
 */
function monorepoPlugin(pkg: PackageBuild, siblings: readonly string[], outDir: string): Plugin {
  const dist = join(root, pkg.dir, 'dist');
  const builtFile = (name: string) => {
    const path = relative(outDir, join(dist, `${name}.js`));
    return path.startsWith('.') ? path : `./${path}`;
  };
  const lazy = new Map(pkg.lazy.map((l) => [join(root, l.source), l.name]));
  const shared = new Set(pkg.shared.map((s) => join(root, s)));
  return {
    name: 'trace2test-monorepo',
    setup(b) {
      b.onResolve({ filter: /.*/ }, async (args) => {
        if (args.pluginData === 'inner' || args.kind === 'entry-point') return undefined;
        if (siblings.includes(args.path)) {
          return { path: builtFile(args.path.replace(/^\.\//, '')), external: true };
        }
        const local = args.path.startsWith('.') || args.path.startsWith('/');
        if (!local && !args.path.startsWith('@t2t/')) return { path: args.path, external: true };
        const resolved = await b.resolve(args.path, {
          kind: args.kind,
          resolveDir: args.resolveDir,
          importer: args.importer,
          pluginData: 'inner',
        });
        if (resolved.errors.length > 0) return { errors: resolved.errors };
        const lazyName = lazy.get(resolved.path);
        if (lazyName !== undefined && args.kind === 'require-call') {
          return { path: builtFile(lazyName), external: true };
        }
        if (shared.has(resolved.path) && outDir !== dist) {
          return { path: builtFile('index'), external: true };
        }
        return { path: resolved.path, sideEffects: false };
      });
    },
  };
}

/** One CommonJS bundle: an entry (`dist/<name>.js`) or a lazy module (`dist/backends/<x>.js`). */
async function bundle(
  pkg: PackageBuild,
  entry: { name: string; source: string; bin?: boolean; siblings?: string[] },
): Promise<Metafile> {
  const outfile = join(root, pkg.dir, 'dist', `${entry.name}.js`);
  const result = await build({
    entryPoints: [join(root, entry.source)],
    outfile,
    bundle: true,
    platform: 'node',
    target: TARGET,
    format: 'cjs',
    metafile: true,
    // Class names show in messages and stacks (`TraceWaitError: …`).
    keepNames: true,
    legalComments: 'none',
    logLevel: 'warning',
    tsconfig: join(root, 'tsconfig.json'),
    ...(entry.bin ? { banner: { js: '#!/usr/bin/env node' } } : {}),
    plugins: [monorepoPlugin(pkg, entry.siblings ?? [], dirname(outfile))],
  });
  if (entry.bin) chmodSync(outfile, 0o755);
  return result.metafile;
}

/** The ES module face of a CommonJS entry: Node reads the bundle's export names from it. */
function writeEsmWrapper(dist: string, entry: Entry): void {
  const text =
    entry.types === true
      ? `export * from './${entry.name}.js';\n`
      : `import './${entry.name}.js';\n`;
  writeFileSync(join(dist, `${entry.name}.mjs`), text);
}

/**
 * npm packages a bundle imports, each with the internal modules that import it: what the output
 * really imports after tree shaking (the inputs list every file parsed, used or not).
 */
function externalImports(metafile: Metafile): Map<string, Set<string>> {
  const found = new Map<string, Set<string>>();
  for (const output of Object.values(metafile.outputs)) {
    const included = Object.entries(output.inputs)
      .filter(([, i]) => i.bytesInOutput > 0)
      .map(([path]) => path);
    for (const imp of output.imports) {
      if (!imp.external || imp.path.startsWith('.') || imp.path.startsWith('<')) continue;
      const name = packageOf(imp.path);
      if (name === undefined) continue;
      const importers = included.filter((path) =>
        metafile.inputs[path]?.imports.some((i) => i.path === imp.path),
      );
      found.set(name, new Set([...(found.get(name) ?? []), ...importers]));
    }
  }
  return found;
}

/**
 * The package's declared dependencies against what its bundles import and the monorepo's ranges.
 * Problems are returned as sentences naming the package and what to change.
 */
function checkDependencies(
  pkg: PackageBuild,
  manifest: Manifest,
  imported: Map<string, Set<string>>,
  rootManifest: Manifest,
): string[] {
  const declared = {
    ...manifest.peerDependencies,
    ...manifest.optionalDependencies,
    ...manifest.dependencies,
  };
  const monorepo = { ...rootManifest.devDependencies, ...rootManifest.dependencies };
  const problems: string[] = [];
  for (const [name, importers] of [...imported].sort(([a], [b]) => a.localeCompare(b))) {
    if (declared[name] === undefined) {
      problems.push(
        `${manifest.name} imports ${name} (from ${[...importers].slice(0, 3).join(', ')}) but does not declare it: add it to ${pkg.dir}/package.json with the range ${monorepo[name] ?? '(not in the root package.json either)'}`,
      );
    }
  }
  for (const [name, range] of Object.entries(declared)) {
    if (!imported.has(name) && !pkg.notImported.includes(name)) {
      problems.push(
        `${manifest.name} declares ${name} but its bundles no longer import it: remove it from ${pkg.dir}/package.json`,
      );
    }
    // What the bundles import runs with the version the monorepo tests; peers such as Jest are
    // the user's, with the range the package supports.
    if (imported.has(name) && monorepo[name] !== undefined && monorepo[name] !== range) {
      problems.push(
        `${manifest.name} declares ${name}@${range} but the monorepo builds and tests with ${monorepo[name]}: use that range`,
      );
    }
  }
  return problems;
}

async function buildTypes(pkg: PackageBuild, entry: Entry): Promise<void> {
  const dist = join(root, pkg.dir, 'dist');
  if (entry.types === false) return;
  if (typeof entry.types === 'object') {
    // Loading the other entry's declarations brings its global augmentation (the matchers' types).
    const target = entry.types.reexport;
    writeFileSync(join(dist, `${entry.name}.d.ts`), `import './${target}.js';\nexport {};\n`);
    writeFileSync(join(dist, `${entry.name}.d.mts`), `import './${target}.js';\nexport {};\n`);
    return;
  }
  // The libs' own ambient declarations (modules without types of their own) are root files of
  // the tree's typecheck (its tsconfig include); an entry that references them brings them in here.
  const rootFile = join(dist, `.${entry.name}.types.ts`);
  const from = (path: string) => relative(dist, path).replace(/\.ts$/, '');
  writeFileSync(
    rootFile,
    [
      ...ambientDeclarations().map((d) => `/// <reference path="${relative(dist, d)}" />`),
      `export * from './${from(join(root, entry.source))}';`,
      '',
    ].join('\n'),
  );
  let text: string;
  try {
    [text] = generateDtsBundle(
      [
        {
          filePath: rootFile,
          output: { inlineDeclareGlobals: true, noBanner: true, exportReferencedTypes: false },
        },
      ],
      { preferredConfigPath: join(root, 'tsconfig.json') },
    );
  } finally {
    rmSync(rootFile, { force: true });
  }
  writeFileSync(join(dist, `${entry.name}.d.ts`), text);
  if (entry.esm) {
    writeFileSync(join(dist, `${entry.name}.d.mts`), `export * from './${entry.name}.js';\n`);
  }
}

/** `*.d.ts` files under libs/<lib>/src. */
function ambientDeclarations(): string[] {
  const found: string[] = [];
  const walk = (dir: string) => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, e.name);
      if (e.isDirectory()) walk(path);
      else if (e.name.endsWith('.d.ts')) found.push(path);
    }
  };
  for (const lib of readdirSync(join(root, 'libs'))) {
    const src = join(root, 'libs', lib, 'src');
    if (existsSync(src)) walk(src);
  }
  return found.sort();
}

async function buildPackage(pkg: PackageBuild, rootManifest: Manifest): Promise<string[]> {
  const dist = join(root, pkg.dir, 'dist');
  rmSync(dist, { recursive: true, force: true });
  mkdirSync(dist, { recursive: true });
  const manifest = readJson<Manifest>(join(root, pkg.dir, 'package.json'));
  const imported = new Map<string, Set<string>>();
  const collect = (metafile: Metafile) => {
    for (const [name, from] of externalImports(metafile)) {
      imported.set(name, new Set([...(imported.get(name) ?? []), ...from]));
    }
  };
  const referenced = new Set<string>();
  for (const entry of pkg.entries) {
    const metafile = await bundle(pkg, entry);
    collect(metafile);
    for (const output of Object.values(metafile.outputs)) {
      for (const imp of output.imports) if (imp.external) referenced.add(imp.path);
    }
    if (entry.esm) writeEsmWrapper(dist, entry);
    await buildTypes(pkg, entry);
  }
  for (const lazy of pkg.lazy) {
    if (referenced.has(`./${lazy.name}.js`)) collect(await bundle(pkg, lazy));
  }
  return checkDependencies(pkg, manifest, imported, rootManifest);
}

async function main(): Promise<void> {
  const started = Date.now();
  const rootManifest = readJson<Manifest>(join(root, 'package.json'));
  const problems: string[] = [];
  for (const pkg of PACKAGES) {
    problems.push(...(await buildPackage(pkg, rootManifest)));
    process.stdout.write(`built ${relative(root, join(root, pkg.dir, 'dist'))}\n`);
  }
  if (problems.length > 0) {
    process.stderr.write(
      `build:packages: the packages' dependencies do not match what they import:\n  - ${problems.join('\n  - ')}\n`,
    );
    process.exitCode = 1;
    return;
  }
  process.stdout.write(`packages built in ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
}

main().catch((e: unknown) => {
  process.stderr.write(
    `build:packages failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`,
  );
  process.exitCode = 1;
});
