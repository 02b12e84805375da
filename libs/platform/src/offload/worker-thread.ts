import { existsSync } from 'node:fs';
import { extname, join } from 'node:path';
import { parentPort, Worker } from 'node:worker_threads';

interface TaskRequest {
  id: number;
  task: string;
  input: unknown;
}

type TaskResponse = { id: number; output: unknown } | { id: number; error: string };

/** Task functions a worker file serves: input and output cross threads by structured clone. */
export type TaskTable = Record<string, (input: never) => unknown>;

/**
 * Runs CPU-heavy tasks (model building, test synthesis and verification) on a worker thread of its
 * own, so seconds of computation never hold up the event loop that receives spans and answers
 * health checks: in the one-process default every stage shares that loop. One worker, started on
 * first use and kept; requests are answered in order. A worker that dies fails the requests in
 * flight and is replaced by the next request. A worker idle for `idleMs` is stopped, which gives its
 * heap (the inputs it was sent are copies) back; the next request starts a new one. The worker
 * file is a sibling module that calls
 * `serveTasks`; from TypeScript sources (npm start, tests) it is loaded through
 * @swc-node/register, from a build as compiled JavaScript.
 */
export class WorkerThread {
  private worker: Worker | undefined;
  private nextId = 1;
  private idleTimer: NodeJS.Timeout | undefined;
  private readonly pending = new Map<
    number,
    { resolve: (output: unknown) => void; reject: (e: Error) => void }
  >();

  /** `file`: the worker module; see `workerFile` for finding it next to the caller. */
  constructor(
    private readonly file: string,
    private readonly name: string,
    private readonly idleMs = 30_000,
  ) {}

  run<O>(task: string, input: unknown): Promise<O> {
    const worker = this.started();
    clearTimeout(this.idleTimer);
    const id = this.nextId++;
    return new Promise<O>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (o: unknown) => void, reject });
      const request: TaskRequest = { id, task, input };
      worker.postMessage(request);
    });
  }

  /** The worker's thread id while one runs (diagnostics). */
  get threadId(): number | undefined {
    return this.worker?.threadId;
  }

  /** Stops the worker; requests in flight fail. */
  async close(): Promise<void> {
    clearTimeout(this.idleTimer);
    const worker = this.worker;
    this.worker = undefined;
    if (worker !== undefined) await worker.terminate();
    this.failAll(new Error(`${this.name} thread closed`));
  }

  private started(): Worker {
    if (this.worker !== undefined) return this.worker;
    if (!existsSync(this.file)) throw new Error(`${this.name} worker not found at ${this.file}`);
    const worker = new Worker(this.file, {
      execArgv: extname(this.file) === '.ts' ? ['-r', require.resolve('@swc-node/register')] : [],
    });
    // The thread must not keep a finished process alive.
    worker.unref();
    worker.on('message', (m: TaskResponse) => {
      const waiting = this.pending.get(m.id);
      if (waiting === undefined) return;
      this.pending.delete(m.id);
      if (this.pending.size === 0) this.stopWhenIdle(worker);
      if ('error' in m) waiting.reject(new Error(`${this.name} failed: ${m.error}`));
      else waiting.resolve(m.output);
    });
    // Only the current worker's loss fails requests: one stopped on purpose (idle, close) has
    // been let go already, and what is pending then belongs to its successor.
    const lost = (e: Error) => {
      if (this.worker !== worker) return;
      this.worker = undefined;
      this.failAll(e);
    };
    worker.on('error', (e: Error) => lost(e));
    worker.on('exit', (code) => lost(new Error(`${this.name} thread exited with code ${code}`)));
    this.worker = worker;
    return worker;
  }

  private stopWhenIdle(worker: Worker): void {
    clearTimeout(this.idleTimer);
    this.idleTimer = setTimeout(() => {
      if (this.worker !== worker || this.pending.size > 0) return;
      this.worker = undefined;
      void worker.terminate();
    }, this.idleMs);
    this.idleTimer.unref();
  }

  private failAll(e: Error): void {
    const waiting = [...this.pending.values()];
    this.pending.clear();
    for (const w of waiting) w.reject(e);
  }
}

/**
 * The worker module `<base>` next to `callerFile`, with the caller's own extension (`.ts` when
 * running from sources, `.js` from a build): `workerFile(__filename, 'synthesis.worker')`.
 */
export function workerFile(callerFile: string, base: string): string {
  return join(callerFile, '..', `${base}${extname(callerFile)}`);
}

/** In a worker module: answers every request with its task's output (or the error). */
export function serveTasks(tasks: TaskTable): void {
  const port = parentPort;
  if (port === null) throw new Error('serveTasks must run in a worker thread');
  port.on('message', (request: TaskRequest) => {
    let response: TaskResponse;
    try {
      const task = tasks[request.task];
      if (task === undefined) throw new Error(`unknown task ${request.task}`);
      response = { id: request.id, output: task(request.input as never) };
    } catch (e) {
      response = { id: request.id, error: e instanceof Error ? (e.stack ?? e.message) : String(e) };
    }
    port.postMessage(response);
  });
}
