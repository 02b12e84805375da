/** A worker module for worker-thread.spec.ts that forgets to call serveTasks. */
export const nothing = true;
