import type { Logger } from '@nestjs/common';
import type { IntakeRequest, IntakeResult, OtlpIntake } from './otlp-intake.port';
import { clipMessage, type PartialSuccess } from './otlp-response.encoder';

/** Why the intake gave no answer: it took longer than the receiver allows, or it threw. */
export type NoIntakeAnswer = 'timeout' | 'error';

/** How often an intake failure may be logged; the failures in between are counted into the next line. */
const ERROR_LOG_INTERVAL_MS = 10_000;

/**
 * How a receiver hands a request to the intake, whatever its protocol: with a deadline, never
 * rejecting (a throwing intake is an answer too: retry later), and logging the intake's failures
 * at most once per 10 s with a count, so that an outage cannot flood the log.
 */
export class IntakeSubmitter {
  private lastErrorLog = 0;
  private suppressedErrors = 0;

  /** `answer` names what the client gets when the intake fails, for the log ("503", "UNAVAILABLE"). */
  constructor(
    private readonly intake: OtlpIntake,
    private readonly timeoutMs: number,
    private readonly log: Logger,
    private readonly answer: string,
  ) {}

  /** The intake's answer, or why there is none. */
  async submit(request: IntakeRequest): Promise<IntakeResult | NoIntakeAnswer> {
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), this.timeoutMs);
      // A request cut at shutdown must not keep the process alive until its deadline.
      timer.unref();
    });
    const submitted = Promise.resolve()
      .then(() => this.intake.submit(request))
      .catch((e: unknown): 'error' => {
        this.logError(e);
        return 'error';
      });
    try {
      return await Promise.race([submitted, timedOut]);
    } finally {
      clearTimeout(timer);
    }
  }

  private logError(e: unknown): void {
    const now = Date.now();
    if (now - this.lastErrorLog < ERROR_LOG_INTERVAL_MS) {
      this.suppressedErrors++;
      return;
    }
    const more =
      this.suppressedErrors > 0 ? ` (${this.suppressedErrors} more since the last report)` : '';
    this.lastErrorLog = now;
    this.suppressedErrors = 0;
    this.log.error(
      `the OTLP intake failed; answering ${this.answer}${more}: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`,
    );
  }
}

/** What a receiver answers and counts for an intake's "accepted". */
export interface AcceptedAnswer {
  /** Spans taken, when the intake said (for metrics only). */
  acceptedSpans?: number;
  rejectedSpans: number;
  /** For the response body; undefined when everything was accepted without a warning. */
  partialSuccess?: PartialSuccess;
}

/**
 * Reads an intake's "accepted" defensively (an intake is not trusted to send sane counts): the
 * spec wants a message whenever spans were rejected, and a message alone is a warning.
 */
export function readAccepted(result: Extract<IntakeResult, { kind: 'accepted' }>): AcceptedAnswer {
  const rejectedSpans =
    Number.isSafeInteger(result.rejectedSpans) && result.rejectedSpans > 0
      ? result.rejectedSpans
      : 0;
  const accepted = result.acceptedSpans;
  const acceptedSpans =
    accepted !== undefined && Number.isSafeInteger(accepted) && accepted >= 0
      ? accepted
      : undefined;
  const message = result.message || (rejectedSpans > 0 ? `${rejectedSpans} span(s) rejected` : '');
  return {
    acceptedSpans,
    rejectedSpans,
    partialSuccess:
      rejectedSpans > 0 || message !== ''
        ? { rejectedSpans, errorMessage: clipMessage(message) }
        : undefined,
  };
}

/**
 * A retry hint in whole seconds, at least 1: a hint of 0 makes the OpenTelemetry SDKs retry at
 * once, in a loop. Short hints matter too: the JS SDK gives up when a hint exceeds what is left
 * of its 10 s export timeout.
 */
export function retryAfterSeconds(retryAfterMs: number): number {
  return Math.max(1, Math.ceil((Number.isFinite(retryAfterMs) ? retryAfterMs : 0) / 1000));
}
