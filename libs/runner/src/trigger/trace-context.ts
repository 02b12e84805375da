import { randomBytes } from 'node:crypto';

/** The W3C trace context the runner starts a test trace with. */
export interface TestTraceContext {
  /** 32 lowercase hex digits, never all zero. */
  traceId: string;
  /**
   * 16 hex digits: the parent id `traceparent` must carry. It stands for the runner's request and
   * is never exported; the span that receives the request becomes the trace's root.
   */
  parentSpanId: string;
  /** `00-<trace id>-<parent id>-01`: version 00, sampled, so every service records the trace. */
  traceparent: string;
}

/** A fresh trace id (random, so concurrent runs and reruns never share a trace). */
export function newTraceContext(random: (bytes: number) => Buffer = randomBytes): TestTraceContext {
  const traceId = nonZeroHex(16, random);
  const parentSpanId = nonZeroHex(8, random);
  return { traceId, parentSpanId, traceparent: `00-${traceId}-${parentSpanId}-01` };
}

function nonZeroHex(bytes: number, random: (bytes: number) => Buffer): string {
  for (;;) {
    const hex = random(bytes).toString('hex');
    // The all-zero id is invalid in W3C Trace Context; a receiver would drop the header.
    if (/[^0]/.test(hex)) return hex;
  }
}
