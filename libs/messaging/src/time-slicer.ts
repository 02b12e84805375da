import { performance } from 'node:perf_hooks';

/**
 * Cuts long synchronous work into slices of about `sliceMs`, so one large batch (a Collector
 * request of 8,192 spans, a chunk of 50,000 rows) never holds the event loop for its whole length:
 * in the one-process default the receiver, health checks and every stage share that loop. Between
 * units of work: `if (slicer.due()) await slicer.pause();`.
 */
export class TimeSlicer {
  private since = performance.now();

  constructor(private readonly sliceMs = 20) {}

  /** The current slice has run its length. */
  due(): boolean {
    return performance.now() - this.since >= this.sliceMs;
  }

  /** Lets what waits for the event loop run (I/O callbacks, timers), then starts a new slice. */
  async pause(): Promise<void> {
    await new Promise<void>((resolve) => setImmediate(resolve));
    this.since = performance.now();
  }

  /**
   * Pauses if the current slice is due. An async call each time: for callbacks (a pause every few
   * hundred rows); per-item loops check `due()` and await only `pause()`.
   */
  async breathe(): Promise<void> {
    if (this.due()) await this.pause();
  }
}
