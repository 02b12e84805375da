import { serveTasks } from '@t2t/platform';
import { encodeTraceRequestProto } from '@t2t/otlp';
import type { IntakeRequest } from './otlp-intake.port';
import { validateOtlpPayload } from './otlp-payload.validator';

/**
 * The intake's validation thread: large bodies are decoded here, only the verdict goes back; with
 * `transcode`, a JSON body's spans also go back as OTLP protobuf, which a reader in this process
 * decodes in a third of the time JSON takes.
 */
serveTasks({
  validate: (request: Pick<IntakeRequest, 'body' | 'encoding'> & { transcode?: boolean }) => {
    const check = validateOtlpPayload({
      body: Buffer.from(request.body),
      encoding: request.encoding,
    });
    if (!check.ok) return { ok: false as const, message: check.message };
    return {
      ok: true as const,
      spans: check.spans.length,
      ...(request.transcode === true && request.encoding === 'otlp_json' && check.spans.length > 0
        ? { proto: encodeTraceRequestProto(check.spans) }
        : {}),
    };
  },
});
