import { existsSync } from 'node:fs';
import { extname, join } from 'node:path';
import { Worker } from 'node:worker_threads';
import type { BehaviourEvidence, SystemModel } from '@t2t/model';
import type { TestSpec } from '../spec/test-spec.model';
import type { SynthesisRequest, SynthesisResponse } from './synthesis.protocol';

/**
 * Runs synthesizeVerifiedTests on a worker thread of its own, so seconds of synthesis and
 * verification never hold up the event loop that receives spans and answers health checks (in the
 * one-process default every stage shares that loop). One worker, started on first use and kept;
 * requests are answered in order. A worker that dies fails the requests in flight and is replaced
 * by the next request. From TypeScript sources (npm start, tests) the worker loads them through
 * @swc-node/register; from a build it loads the compiled file.
 */
export class SynthesisThread {
  private worker: Worker | undefined;
  private nextId = 1;
  private readonly pending = new Map<
    number,
    { resolve: (specs: TestSpec[]) => void; reject: (e: Error) => void }
  >();

  run(model: SystemModel, evidence: readonly BehaviourEvidence[]): Promise<TestSpec[]> {
    const worker = this.started();
    const id = this.nextId++;
    return new Promise<TestSpec[]>((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      const request: SynthesisRequest = { id, model, evidence };
      worker.postMessage(request);
    });
  }

  /** The worker's thread id while one runs (diagnostics). */
  get threadId(): number | undefined {
    return this.worker?.threadId;
  }

  /** Stops the worker; requests in flight fail. */
  async close(): Promise<void> {
    const worker = this.worker;
    this.worker = undefined;
    if (worker !== undefined) await worker.terminate();
    this.failAll(new Error('synthesis thread closed'));
  }

  private started(): Worker {
    if (this.worker !== undefined) return this.worker;
    const ext = extname(__filename);
    const file = join(__dirname, `synthesis.worker${ext}`);
    if (!existsSync(file)) throw new Error(`synthesis worker not found at ${file}`);
    const worker = new Worker(file, {
      execArgv: ext === '.ts' ? ['-r', require.resolve('@swc-node/register')] : [],
    });
    // The thread must not keep a finished process alive.
    worker.unref();
    worker.on('message', (m: SynthesisResponse) => {
      const waiting = this.pending.get(m.id);
      if (waiting === undefined) return;
      this.pending.delete(m.id);
      if (m.error !== undefined) waiting.reject(new Error(`synthesis failed: ${m.error}`));
      else waiting.resolve(m.specs);
    });
    const lost = (e: Error) => {
      if (this.worker === worker) this.worker = undefined;
      this.failAll(e);
    };
    worker.on('error', (e) => lost(e));
    worker.on('exit', (code) => lost(new Error(`synthesis thread exited with code ${code}`)));
    this.worker = worker;
    return worker;
  }

  private failAll(e: Error): void {
    const waiting = [...this.pending.values()];
    this.pending.clear();
    for (const w of waiting) w.reject(e);
  }
}
