import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { type TestSpec, validateTestSpec } from '@t2t/testgen';

export interface LoadedSpec {
  spec: TestSpec;
  /** File (and position in a JSON array) it came from. */
  source: string;
}

export interface LoadProblem {
  source: string;
  message: string;
}

export interface LoadedSpecs {
  specs: LoadedSpec[];
  problems: LoadProblem[];
}

/** Emitted Jest files embed the spec as `const spec: TestSpec = <JSON>;` (libs/testgen emitJestTest). */
const EMITTED_SPEC = /^const spec: TestSpec = (\{[\s\S]*?\n\});$/m;

/** Which files a directory walk picks up. */
export function isSpecFile(name: string): boolean {
  return /\.json$/i.test(name) || /\.trace\.spec\.ts$/i.test(name);
}

/**
 * Specs from files and directories: `*.json` (one spec, or an array of specs), emitted Jest files
 * (`*.trace.spec.ts`: the embedded spec is read, the file is not executed) and directories
 * (walked in sorted order; hidden entries and node_modules skipped). Every spec is validated
 * (format v1); bad files, bad specs and repeated ids are reported, never thrown.
 */
export async function loadSpecFiles(inputs: readonly string[]): Promise<LoadedSpecs> {
  const out: LoadedSpecs = { specs: [], problems: [] };
  const seen = new Map<string, string>();
  const add = (loaded: LoadedSpecs) => {
    out.problems.push(...loaded.problems);
    for (const s of loaded.specs) {
      const first = seen.get(s.spec.id);
      if (first !== undefined) {
        out.problems.push({
          source: s.source,
          message: `spec ${s.spec.id} was already loaded from ${first}; this copy is skipped`,
        });
        continue;
      }
      seen.set(s.spec.id, s.source);
      out.specs.push(s);
    }
  };
  for (const input of inputs) {
    let files: string[];
    try {
      files = (await stat(input)).isDirectory() ? await walk(input) : [input];
    } catch (e) {
      out.problems.push({ source: input, message: (e as NodeJS.ErrnoException).message });
      continue;
    }
    for (const file of files) {
      let text: string;
      try {
        text = await readFile(file, 'utf8');
      } catch (e) {
        out.problems.push({ source: file, message: (e as Error).message });
        continue;
      }
      add(specsFromText(text, file));
    }
  }
  return out;
}

/** Specs in one file's text, by its kind (emitted Jest file when it is TypeScript, else JSON). */
export function specsFromText(text: string, source: string): LoadedSpecs {
  let json: string;
  if (/\.ts$/i.test(source)) {
    const m = EMITTED_SPEC.exec(text);
    if (m === null) {
      return {
        specs: [],
        problems: [
          {
            source,
            message: 'not an emitted trace2test Jest file (no `const spec: TestSpec = {...};`)',
          },
        ],
      };
    }
    json = m[1];
  } else {
    json = text.replace(/^\uFEFF/, '');
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(json);
  } catch (e) {
    return { specs: [], problems: [{ source, message: `not JSON: ${(e as Error).message}` }] };
  }
  const items = Array.isArray(parsed) ? parsed : [parsed];
  const out: LoadedSpecs = { specs: [], problems: [] };
  items.forEach((item, i) => {
    const where = Array.isArray(parsed) ? `${source}[${i}]` : source;
    const check = validateTestSpec(item);
    if (check.ok) out.specs.push({ spec: check.spec, source: where });
    else
      out.problems.push({
        source: where,
        message: `not a valid test spec (format v1):\n  ${check.errors.slice(0, 10).join('\n  ')}`,
      });
  });
  return out;
}

async function walk(dir: string): Promise<string[]> {
  const entries = (await readdir(dir, { withFileTypes: true })).sort((a, b) =>
    a.name < b.name ? -1 : a.name > b.name ? 1 : 0,
  );
  const files: string[] = [];
  for (const e of entries) {
    if (e.name.startsWith('.') || e.name === 'node_modules') continue;
    const path = join(dir, e.name);
    if (e.isDirectory()) files.push(...(await walk(path)));
    else if (e.isFile() && isSpecFile(e.name)) files.push(path);
  }
  return files;
}
