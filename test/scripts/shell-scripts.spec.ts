/**
 * Every shell script the project ships is linted: by shellcheck (Debian's package; `.ci/run`
 * installs it and requires this check through T2T_REQUIRE_SHELLCHECK) and by the project's own
 * early-reader check, which catches the pipelines that fail a `pipefail` script at random on a busy
 * machine (`mvn --version | head -n 1` once stopped CI in two seconds with nothing said).
 */
import { spawnSync } from 'node:child_process';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { findEarlyReaders } from './pipeline-lint';

const root = join(__dirname, '..', '..');
const SKIP = new Set(['node_modules', 'dist', '.git', '.kafka', 'demo-output', 'coverage']);

/** Shell scripts under the repository: `*.sh`, or a `#!…sh` first line. */
function shellScripts(dir = root): string[] {
  const found: string[] = [];
  for (const name of readdirSync(dir)) {
    if (SKIP.has(name)) continue;
    const path = join(dir, name);
    const st = statSync(path);
    if (st.isDirectory()) {
      found.push(...shellScripts(path));
    } else if (st.isFile() && st.size < 1_000_000) {
      if (name.endsWith('.sh')) found.push(path);
      else if (/^#!.*\b(ba)?sh\b/.test(readFileSync(path, 'utf8').split('\n', 1)[0])) {
        found.push(path);
      }
    }
  }
  return found;
}

const scripts = shellScripts();

describe('shipped shell scripts', () => {
  it('include .ci/run and deploy/kafka/kafka.sh', () => {
    const names = scripts.map((p) => relative(root, p));
    expect(names).toEqual(expect.arrayContaining(['.ci/run', 'deploy/kafka/kafka.sh']));
  });

  it.each(scripts.map((p) => [relative(root, p), p]))(
    '%s has no pipeline whose reader may stop early under pipefail',
    (_name, path) => {
      expect(findEarlyReaders(readFileSync(path, 'utf8'))).toEqual([]);
    },
  );

  const shellcheck = spawnSync('shellcheck', ['--version'], { encoding: 'utf8' });
  const available = shellcheck.status === 0;
  const required = process.env.T2T_REQUIRE_SHELLCHECK === '1';

  (available || required ? it : it.skip)('pass shellcheck', () => {
    if (!available) {
      throw new Error(
        'shellcheck is not installed (T2T_REQUIRE_SHELLCHECK=1): apt-get install shellcheck',
      );
    }
    const r = spawnSync('shellcheck', ['--format=gcc', ...scripts], { encoding: 'utf8' });
    expect(r.stdout + r.stderr).toBe('');
    expect(r.status).toBe(0);
  });
  if (!available && !required) {
    // Said once per run, so a local `npm test` without shellcheck is not silently weaker.
    console.warn(
      'shellcheck not installed: shell-script lint skipped (apt-get install shellcheck)',
    );
  }
});

describe('findEarlyReaders', () => {
  const withPipefail = (body: string) => `#!/usr/bin/env bash\nset -euo pipefail\n${body}\n`;

  it('finds the line that stopped CI, and the other early readers', () => {
    const script = withPipefail(
      [
        'mvn --version 2>&1 | head -n 1',
        "java -version 2>&1 | awk -F'\"' '/version/ {print $2; exit}'",
        'ps aux | grep -q kafka',
        'cat log |& grep -m1 STARTED',
        "seq 10 | sed -n '1p;1q'",
        'v="$("$java" -version 2>&1 | awk -F\'"\' \'/version/ {print $2; exit}\')"',
      ].join('\n'),
    );
    expect(findEarlyReaders(script).map((f) => [f.line, f.reader])).toEqual([
      [3, 'head'],
      [4, 'awk with exit'],
      [5, 'grep -q/-m'],
      [6, 'grep -q/-m'],
      [7, 'sed with q'],
      [8, 'awk with exit'],
    ]);
  });

  it('leaves full readers, || chains, quoted pipes and comments alone', () => {
    const script = withPipefail(
      [
        'echo "$out" | tail -n 25',
        'grep -q STARTED "$log" || true',
        "echo 'a | head' | wc -l",
        "sed -n 's/^KAFKA_BROKERS=//p' file | sort",
        'x=1 # see `cmd | head`',
        "awk -F'\"' '/version/ && !seen {print $2; seen=1}' <<<\"$out\"",
      ].join('\n'),
    );
    expect(findEarlyReaders(script)).toEqual([]);
  });

  it('is silent for scripts without pipefail, where an early reader cannot fail the script', () => {
    expect(findEarlyReaders('#!/bin/sh\nset -e\nmvn --version | head -n 1\n')).toEqual([]);
  });
});
