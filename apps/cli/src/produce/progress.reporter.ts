import type { Writable } from 'node:stream';

export interface Progress {
  records: number;
  bytes: number;
}

/**
 * Prints a progress line every `intervalMs` while a long run goes on, so a user can tell a slow
 * run from a hung one. Short runs finish before the first tick and print nothing.
 */
export class ProgressReporter {
  private timer: NodeJS.Timeout | undefined;
  private last: Progress & { at: number } = { records: 0, bytes: 0, at: 0 };

  constructor(
    private readonly out: Writable,
    private readonly read: () => Progress,
    private readonly intervalMs: number,
    private readonly now: () => number = Date.now,
    /** What is counted, and what happened to it: `records`/`produced`, `requests`/`sent`. */
    private readonly noun = 'records',
    private readonly verb = 'produced',
  ) {}

  start(): void {
    if (this.intervalMs <= 0) return;
    this.last = { ...this.read(), at: this.now() };
    this.timer = setInterval(() => this.tick(), this.intervalMs);
    // Progress alone must not keep the process alive.
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  tick(): void {
    const current = this.read();
    const at = this.now();
    const seconds = Math.max((at - this.last.at) / 1000, 0.001);
    const rate = Math.round((current.records - this.last.records) / seconds);
    const mbps = (current.bytes - this.last.bytes) / seconds / 1e6;
    this.out.write(
      `… ${current.records} ${this.noun} (${current.bytes} bytes) ${this.verb}; ${rate} ${this.noun}/s, ${mbps.toFixed(1)} MB/s\n`,
    );
    this.last = { ...current, at };
  }
}
