import { type ChildProcess, fork } from 'node:child_process';
import { join } from 'node:path';
import { repoRoot } from '@t2t/test-support';
import type { ExportCommand, ExportReport } from './otlp-exporter.client';

export type { ExportCommand, ExportReport, SentSpan } from './otlp-exporter.client';

/** The exporter client process (otlp-exporter.client.ts), one per test file. */
export interface ExporterProcess {
  export(cmd: Omit<ExportCommand, 'id'>): Promise<ExportReport>;
  stop(): Promise<void>;
}

export async function startExporterProcess(): Promise<ExporterProcess> {
  const child: ChildProcess = fork(join(__dirname, 'otlp-exporter.client.ts'), [], {
    cwd: repoRoot,
    execArgv: ['-r', '@swc-node/register'],
    env: { PATH: process.env.PATH, NO_COLOR: '1' },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const waiting = new Map<number, (r: ExportReport) => void>();
  let nextId = 1;
  await new Promise<void>((resolve, reject) => {
    child.once('message', () => resolve());
    child.once('exit', (code) => reject(new Error(`exporter client exited with ${code}`)));
  });
  child.on('message', (m: ExportReport) => {
    waiting.get(m.id)?.(m);
    waiting.delete(m.id);
  });
  return {
    export: (cmd) =>
      new Promise<ExportReport>((resolve) => {
        const id = nextId++;
        waiting.set(id, resolve);
        child.send({ ...cmd, id } satisfies ExportCommand);
      }),
    stop: async () => {
      if (child.exitCode !== null) return;
      const exited = new Promise((r) => child.once('exit', r));
      child.disconnect();
      await exited;
    },
  };
}
