import type { Span } from '@t2t/domain';
import { decodeTraceRequestJson, decodeTraceRequestProto } from '@t2t/otlp';
import type { IntakeRequest } from './otlp-intake.port';

export type PayloadCheck = { ok: true; spans: Span[] } | { ok: false; message: string };

/**
 * Decodes a request body with the decoder ingest uses, so an intake that accepts it knows ingest
 * will decode it too. The spans are returned for intakes that go on to use them (the in-process
 * ingest), which then need not decode twice. Never throws.
 */
export function validateOtlpPayload(
  request: Pick<IntakeRequest, 'body' | 'encoding'>,
): PayloadCheck {
  const { body, encoding } = request;
  try {
    return {
      ok: true,
      spans:
        encoding === 'otlp_json' ? decodeTraceRequestJson(body) : decodeTraceRequestProto(body),
    };
  } catch (e) {
    // The decoders are pure: whatever they throw was caused by this input.
    return {
      ok: false,
      message: `cannot decode the body as OTLP ${encoding === 'otlp_json' ? 'JSON' : 'protobuf'}: ${e instanceof Error ? e.message : String(e)}`,
    };
  }
}
