/**
 * `.ci/run` on its own, with stand-in tools on PATH: a slow, chatty `mvn` (the writer that lost the
 * race to `head` on a busy machine) no longer fails the run, and a failing step is named with its
 * command instead of ending the run silently.
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const root = join(__dirname, '..', '..');

/** A copy of .ci/run in an empty checkout, and a bin folder of stand-ins put first on PATH. */
function sandbox(tools: Record<string, string>) {
  const dir = mkdtempSync(join(tmpdir(), 't2t-ci-run-'));
  mkdirSync(join(dir, '.ci'));
  copyFileSync(join(root, '.ci', 'run'), join(dir, '.ci', 'run'));
  const bin = join(dir, 'bin');
  mkdirSync(bin);
  for (const [name, body] of Object.entries(tools)) {
    writeFileSync(join(bin, name), `#!/usr/bin/env bash\n${body}\n`);
    chmodSync(join(bin, name), 0o755);
  }
  const run = () =>
    spawnSync('bash', [join(dir, '.ci', 'run')], {
      encoding: 'utf8',
      env: { PATH: `${bin}:/usr/bin:/bin`, HOME: dir },
      timeout: 60_000,
    });
  return { dir, run, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Prints its first line, then keeps writing after a pause: a reader that stops early kills it. */
const chatty = (first: string) =>
  `echo ${JSON.stringify(first)}; sleep 0.3; for i in $(seq 1 2000); do echo "detail line $i"; done`;

describe('.ci/run', () => {
  it('prints the first line of slow, long tool output without failing, and names the step that fails', () => {
    const box = sandbox({
      node: 'echo v24.0.0',
      java: chatty('openjdk version "17.0.15" 2025-04-15'),
      mvn: chatty('Apache Maven 3.8.7'),
      shellcheck: chatty('ShellCheck - shell script analysis tool'),
      chromium: 'echo "Chromium 140.0.0.0 built on Debian"',
      npm: 'exit 0',
    });
    try {
      const r = box.run();
      expect(r.stdout).toContain('Apache Maven 3.8.7\n');
      expect(r.stdout).toContain('openjdk version "17.0.15" 2025-04-15\n');
      expect(r.stdout).toContain('Chromium 140.0.0.0 built on Debian\n');
      expect(r.stdout).not.toContain('detail line');
      // The sandbox has no deploy/kafka/kafka.sh: the run gets that far and says so.
      expect(r.stderr).toMatch(
        /\.ci\/run: step "kafka" failed \(exit 127\) at line \d+: .*kafka\.sh start/,
      );
      expect(r.status).not.toBe(0);
    } finally {
      box.cleanup();
    }
  });

  it('names the step and the command when a tool fails', () => {
    const box = sandbox({ node: 'echo "node is broken" >&2; exit 3' });
    try {
      const r = box.run();
      expect(r.stderr).toMatch(
        /\.ci\/run: step "toolchain" failed \(exit 3\) at line \d+: node --version/,
      );
      expect(r.status).toBe(3);
    } finally {
      box.cleanup();
    }
  });
});
