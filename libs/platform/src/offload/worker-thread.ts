import { existsSync } from 'node:fs';
import { extname, join } from 'node:path';
import { parentPort, Worker } from 'node:worker_threads';

interface TaskRequest {
  id: number;
  task: string;
  input: unknown;
  /** The module serving `task` on a shared thread, loaded there on first use. */
  file?: string;
}

type TaskResponse = { id: number; output: unknown } | { id: number; error: string };

/** Task functions a worker file serves: input and output cross threads by structured clone. */
export type TaskTable = Record<string, (input: never) => unknown>;

/** Runs tasks off the event loop: a `WorkerThread` of its own, or a share of one (`sharedTaskThread`). */
export interface TaskRunner {
  /** `transfer`: buffers of `input` moved to the thread rather than copied (unusable here after). */
  run<O>(task: string, input: unknown, transfer?: readonly ArrayBufferLike[]): Promise<O>;
  close(): Promise<void>;
}

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
export class WorkerThread implements TaskRunner {
  private worker: Worker | undefined;
  private nextId = 1;
  private idleTimer: NodeJS.Timeout | undefined;
  private readonly pending = new Map<
    number,
    { name: string; resolve: (output: unknown) => void; reject: (e: Error) => void }
  >();

  /** `file`: the worker module; see `workerFile` for finding it next to the caller. */
  constructor(
    private readonly file: string,
    private readonly name: string,
    private readonly idleMs = 30_000,
    /**
     * The thread's young generation, MB; default V8's (sized by the machine's memory: 128 MB
     * here). A thread whose tasks leave nothing behind (decode, answer, forget) needs little.
     */
    private readonly youngGenerationMb?: number,
  ) {}

  run<O>(task: string, input: unknown, transfer?: readonly ArrayBufferLike[]): Promise<O> {
    return this.dispatch<O>(undefined, this.name, task, input, transfer);
  }

  /**
   * Runs `task` of the worker module `file` (loaded by the thread on first use; `undefined`: the
   * thread's own module), its failures named `name`.
   */
  dispatch<O>(
    file: string | undefined,
    name: string,
    task: string,
    input: unknown,
    transfer: readonly ArrayBufferLike[] = [],
  ): Promise<O> {
    const worker = this.started();
    clearTimeout(this.idleTimer);
    const id = this.nextId++;
    return new Promise<O>((resolve, reject) => {
      this.pending.set(id, { name, resolve: resolve as (o: unknown) => void, reject });
      const request: TaskRequest = { id, task, input, file };
      worker.postMessage(request, transfer as ArrayBuffer[]);
    });
  }

  /** The worker's thread id while one runs (diagnostics). */
  get threadId(): number | undefined {
    return this.worker?.threadId;
  }

  /** Bytes of the worker's JavaScript heap (committed, used) while one runs; `undefined`: none. */
  async heap(): Promise<{ totalBytes: number; usedBytes: number } | undefined> {
    const worker = this.worker;
    if (worker === undefined) return undefined;
    try {
      const s = await worker.getHeapStatistics();
      return { totalBytes: s.total_heap_size, usedBytes: s.used_heap_size };
    } catch {
      // The worker stopped between the check and the answer.
      return undefined;
    }
  }

  /** Stops the worker; requests in flight fail. */
  async close(): Promise<void> {
    clearTimeout(this.idleTimer);
    const worker = this.worker;
    this.worker = undefined;
    if (worker !== undefined) await worker.terminate();
    this.failAll('closed');
  }

  private started(): Worker {
    if (this.worker !== undefined) return this.worker;
    if (!existsSync(this.file)) throw new Error(`${this.name} worker not found at ${this.file}`);
    const worker = new Worker(this.file, {
      execArgv: extname(this.file) === '.ts' ? ['-r', require.resolve('@swc-node/register')] : [],
      ...(this.youngGenerationMb === undefined
        ? {}
        : { resourceLimits: { maxYoungGenerationSizeMb: this.youngGenerationMb } }),
    });
    // The thread must not keep a finished process alive.
    worker.unref();
    worker.on('message', (m: TaskResponse) => {
      const waiting = this.pending.get(m.id);
      if (waiting === undefined) return;
      this.pending.delete(m.id);
      if (this.pending.size === 0) this.stopWhenIdle(worker);
      if ('error' in m) waiting.reject(new Error(`${waiting.name} failed: ${m.error}`));
      else waiting.resolve(m.output);
    });
    // Only the current worker's loss fails requests: one stopped on purpose (idle, close) has
    // been let go already, and what is pending then belongs to its successor.
    const lost = (reason: string) => {
      if (this.worker !== worker) return;
      this.worker = undefined;
      this.failAll(reason);
    };
    worker.on('error', (e: Error) => lost(`failed: ${e.message}`));
    worker.on('exit', (code) => lost(`exited with code ${code}`));
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

  /** Fails every request in flight: its thread (named as its caller named it) `reason`. */
  private failAll(reason: string): void {
    const waiting = [...this.pending.values()];
    this.pending.clear();
    for (const w of waiting) w.reject(new Error(`${w.name} thread ${reason}`));
  }
}

/**
 * The worker module `<base>` next to `callerFile`, with the caller's own extension (`.ts` when
 * running from sources, `.js` from a build): `workerFile(__filename, 'synthesis.worker')`.
 */
export function workerFile(callerFile: string, base: string): string {
  return join(callerFile, '..', `${base}${extname(callerFile)}`);
}

/** Task tables of the modules loaded in this thread, by file (`undefined`: its own module). */
const served = new Map<string | undefined, TaskTable>();
/** The module being loaded for a shared thread's request, while it loads. */
let loading: string | undefined;
let listening = false;

/**
 * In a worker module: answers every request with its task's output (or the error). On a shared
 * thread (`sharedTaskThread`) the module is loaded by the first request for it, and this call
 * registers its tasks beside those of the modules loaded before.
 */
export function serveTasks(tasks: TaskTable): void {
  const port = parentPort;
  if (port === null) throw new Error('serveTasks must run in a worker thread');
  served.set(loading, tasks);
  if (listening) return;
  listening = true;
  port.on('message', (request: TaskRequest) => {
    let response: TaskResponse;
    try {
      const task = tasksOf(request.file)[request.task];
      if (task === undefined) throw new Error(`unknown task ${request.task}`);
      response = { id: request.id, output: task(request.input as never) };
    } catch (e) {
      response = { id: request.id, error: e instanceof Error ? (e.stack ?? e.message) : String(e) };
    }
    port.postMessage(response);
  });
}

function tasksOf(file: string | undefined): TaskTable {
  const known = served.get(file);
  if (known !== undefined) return known;
  if (file === undefined) return {};
  loading = file;
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- a worker module chosen at run time
    require(file);
  } finally {
    loading = undefined;
  }
  const loaded = served.get(file);
  if (loaded === undefined) throw new Error(`${file} serves no tasks (it must call serveTasks)`);
  return loaded;
}

/** The process's shared thread and how many runners hold it. */
let sharedHost: { thread: WorkerThread; holders: number } | undefined;

/** The process's shared task thread's heap while it runs (`undefined`: none running). */
export function sharedTaskThreadHeap(): Promise<
  { totalBytes: number; usedBytes: number } | undefined
> {
  return sharedHost?.thread.heap() ?? Promise.resolve(undefined);
}

/**
 * A share of the process's one task thread: the tasks of `file` run there, in order with those of
 * every other share. Stages that take turns anyway (a model build, then the generation it
 * triggers) then hold one heap between them instead of one each, and the thread's garbage from
 * one task is the room for the next. `close` lets go of the share; the last one stops the thread.
 */
export function sharedTaskThread(file: string, name: string): TaskRunner {
  if (!existsSync(file)) throw new Error(`${name} worker not found at ${file}`);
  sharedHost ??= {
    thread: new WorkerThread(workerFile(__filename, 'task-host.worker'), 'task host'),
    holders: 0,
  };
  const host = sharedHost;
  host.holders++;
  let open = true;
  return {
    run: <O>(task: string, input: unknown, transfer?: readonly ArrayBufferLike[]) =>
      host.thread.dispatch<O>(file, name, task, input, transfer),
    close: async () => {
      if (!open) return;
      open = false;
      if (--host.holders > 0) return;
      if (sharedHost === host) sharedHost = undefined;
      await host.thread.close();
    },
  };
}
