import { serveTasks } from './worker-thread';

/**
 * The process's shared task thread (sharedTaskThread): serves no task of its own; each request
 * names the worker module that serves it, loaded on first use.
 */
serveTasks({});
