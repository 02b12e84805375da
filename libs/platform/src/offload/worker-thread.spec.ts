import { join } from 'node:path';
import { threadId } from 'node:worker_threads';
import { MetricsRegistry } from '../metrics.registry';
import { sharedTaskThread, sharedTaskThreadHeap, WorkerThread, workerFile } from './worker-thread';

const FIXTURE = join(__dirname, '../../test/arithmetic.worker.ts');
const ECHO = join(__dirname, '../../test/echo.worker.ts');
const SILENT = join(__dirname, '../../test/silent.worker.ts');

describe(WorkerThread.name, () => {
  const thread = new WorkerThread(FIXTURE, 'arithmetic');
  afterAll(() => thread.close());

  it('runs a task on another thread, input and output by structured clone (bigints too)', async () => {
    const out = await thread.run<{ total: bigint; threadId: number }>('sum', {
      values: [1n, 2n, 40n],
    });
    expect(out.total).toBe(43n);
    expect(out.threadId).not.toBe(threadId);
    expect(out.threadId).toBe(thread.threadId);
  });

  it('fails a request whose task throws or does not exist, and answers the next one', async () => {
    await expect(thread.run('fail', {})).rejects.toThrow(/arithmetic failed: .*refused on purpose/);
    await expect(thread.run('nope', {})).rejects.toThrow(/unknown task nope/);
    await expect(thread.run('sum', { values: [1n] })).resolves.toMatchObject({ total: 1n });
  });

  it("runs with the young generation it was given, and V8's own without one", async () => {
    const small = new WorkerThread(ECHO, 'echo', 30_000, 24);
    const plain = new WorkerThread(ECHO, 'echo');
    try {
      const limited = await small.run<{ youngGenerationMb: number }>('limits', {});
      expect(limited.youngGenerationMb).toBe(24);
      const own = await plain.run<{ youngGenerationMb: number }>('limits', {});
      expect(own.youngGenerationMb).toBeGreaterThan(24);
    } finally {
      await small.close();
      await plain.close();
    }
  });

  it('starts a new worker after it was closed', async () => {
    await thread.close();
    expect(thread.threadId).toBeUndefined();
    await expect(thread.run('sum', { values: [2n] })).resolves.toMatchObject({ total: 2n });
  });

  it('stops an idle worker (giving its heap back) and starts another for the next request', async () => {
    const idle = new WorkerThread(FIXTURE, 'arithmetic', 10);
    try {
      await idle.run('sum', { values: [1n] });
      for (let i = 0; i < 3000 && idle.threadId !== undefined; i++)
        await new Promise((r) => setTimeout(r, 10));
      expect(idle.threadId).toBeUndefined();
      await expect(idle.run('sum', { values: [5n] })).resolves.toMatchObject({ total: 5n });
    } finally {
      await idle.close();
    }
  });

  it('says which worker file is missing', () => {
    expect(() => new WorkerThread('/nowhere/x.worker.js', 'lost').run('sum', {})).toThrow(
      'lost worker not found at /nowhere/x.worker.js',
    );
  });

  it('finds the worker module next to its caller with the caller’s extension', () => {
    expect(workerFile('/app/dist/gen/generation.module.js', 'synthesis.worker')).toBe(
      '/app/dist/gen/synthesis.worker.js',
    );
    expect(workerFile('/repo/src/gen/generation.module.ts', 'synthesis.worker')).toBe(
      '/repo/src/gen/synthesis.worker.ts',
    );
  });

  describe(sharedTaskThread.name, () => {
    it('runs the tasks of several modules on one thread, each failure named by its caller', async () => {
      const arithmetic = sharedTaskThread(FIXTURE, 'arithmetic');
      const echo = sharedTaskThread(ECHO, 'echo');
      try {
        const [sum, said] = await Promise.all([
          arithmetic.run<{ total: bigint; threadId: number }>('sum', { values: [1n, 2n] }),
          echo.run<{ text: string; threadId: number }>('echo', { text: 'hi' }),
        ]);
        expect(sum.total).toBe(3n);
        expect(said.text).toBe('hi');
        expect(said.threadId).toBe(sum.threadId);
        expect(sum.threadId).not.toBe(threadId);
        await expect(arithmetic.run('fail', {})).rejects.toThrow(
          /^arithmetic failed: .*refused on purpose/,
        );
        // Task names belong to their module: echo's share does not reach arithmetic's tasks.
        await expect(echo.run('sum', { values: [1n] })).rejects.toThrow(
          /^echo failed: .*unknown task sum/,
        );
      } finally {
        await arithmetic.close();
        await echo.close();
      }
    });

    it('keeps the thread while a share is open and starts a new one after the last closed', async () => {
      const first = sharedTaskThread(ECHO, 'echo');
      const second = sharedTaskThread(ECHO, 'echo');
      const a = await first.run<{ threadId: number }>('echo', { text: 'a' });
      await first.close();
      await first.close(); // closing twice lets go once
      const b = await second.run<{ threadId: number }>('echo', { text: 'b' });
      expect(b.threadId).toBe(a.threadId);
      await second.close();
      const third = sharedTaskThread(ECHO, 'echo');
      try {
        const c = await third.run<{ threadId: number }>('echo', { text: 'c' });
        expect(c.threadId).not.toBe(a.threadId);
      } finally {
        await third.close();
      }
    });

    it('moves transferred buffers to the thread instead of copying them', async () => {
      const echo = sharedTaskThread(ECHO, 'echo');
      try {
        const bytes = new Uint8Array(1024 * 1024).fill(7);
        const out = await echo.run<{ length: number }>('length', { bytes }, [bytes.buffer]);
        expect(out.length).toBe(1024 * 1024);
        // Moved: nothing is left of it here.
        expect(bytes.byteLength).toBe(0);
      } finally {
        await echo.close();
      }
    });

    it("reports the thread's heap while it runs, as the process's metrics do", async () => {
      const metrics = new MetricsRegistry('test');
      const heapMetric = async () => {
        const text = await metrics.registry.metrics();
        return Number(
          /^t2t_task_thread_heap_bytes\{[^}]*state="total"[^}]*\} (\S+)$/m.exec(text)?.[1],
        );
      };
      expect(await sharedTaskThreadHeap()).toBeUndefined();
      expect(await heapMetric()).toBe(0);
      const echo = sharedTaskThread(ECHO, 'echo');
      try {
        await echo.run('echo', { text: 'start' });
        const heap = await sharedTaskThreadHeap();
        expect(heap?.usedBytes).toBeGreaterThan(0);
        expect(heap!.totalBytes).toBeGreaterThanOrEqual(heap!.usedBytes);
        expect(await heapMetric()).toBeGreaterThan(0);
      } finally {
        await echo.close();
      }
      expect(await sharedTaskThreadHeap()).toBeUndefined();
    });

    it('says which module serves no tasks, and which is missing', async () => {
      const silent = sharedTaskThread(SILENT, 'silent');
      try {
        await expect(silent.run('any', {})).rejects.toThrow(
          /^silent failed: .*silent\.worker\.ts serves no tasks \(it must call serveTasks\)/,
        );
      } finally {
        await silent.close();
      }
      expect(() => sharedTaskThread('/nowhere/x.worker.js', 'lost')).toThrow(
        'lost worker not found at /nowhere/x.worker.js',
      );
    });
  });
});
