import { threadId } from 'node:worker_threads';
import { serveTasks } from '../src/offload/worker-thread';

/** A worker module for worker-thread.spec.ts. */
serveTasks({
  sum: (input: { values: bigint[] }) => ({
    total: input.values.reduce((a, b) => a + b, 0n),
    threadId,
  }),
  fail: () => {
    throw new Error('refused on purpose');
  },
});
