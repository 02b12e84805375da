import { serveTasks } from '@t2t/platform';
import type { IntakeRequest } from './otlp-intake.port';
import { validateOtlpPayload } from './otlp-payload.validator';

/** The intake's validation thread: large bodies are decoded here, only the verdict goes back. */
serveTasks({
  validate: (request: Pick<IntakeRequest, 'body' | 'encoding'>) => {
    const check = validateOtlpPayload({
      body: Buffer.from(request.body),
      encoding: request.encoding,
    });
    return check.ok
      ? { ok: true as const, spans: check.spans.length }
      : { ok: false as const, message: check.message };
  },
});
