import { resourceLimits, threadId } from 'node:worker_threads';
import { serveTasks } from '../src/offload/worker-thread';

/** A second worker module for worker-thread.spec.ts: shares a thread with arithmetic.worker. */
serveTasks({
  echo: (input: { text: string }) => ({ text: input.text, threadId }),
  length: (input: { bytes: Uint8Array }) => ({ length: input.bytes.length, threadId }),
  limits: () => ({ youngGenerationMb: resourceLimits.maxYoungGenerationSizeMb }),
});
