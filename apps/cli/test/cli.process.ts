import { spawn } from 'node:child_process';
import { join } from 'node:path';

const root = join(__dirname, '..', '..', '..');

export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs the CLI from source as users do (`npm run cli -- ...`), in its own process, with only PATH
 * and `env` in its environment and `stdin` (if any) piped in.
 */
export function runCliProcess(
  args: string[],
  env: Record<string, string> = {},
  stdin?: Buffer,
): Promise<CliRun> {
  const child = spawn(
    process.execPath,
    ['-r', '@swc-node/register', 'apps/cli/src/main.ts', ...args],
    { cwd: root, env: { PATH: process.env.PATH, ...env }, stdio: ['pipe', 'pipe', 'pipe'] },
  );
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  child.stdin.end(stdin);
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}
