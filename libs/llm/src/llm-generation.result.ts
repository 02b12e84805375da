import type { TestSpec } from '@t2t/testgen';
import type { PromptSize } from './prompt/test-generation.prompt';

/**
 * Why an LLM generation produced nothing usable, or stopped early. Every kind means the same to
 * the caller: use the deterministic generator for this endpoint. The kinds tell operators what to
 * fix (a slow or unreachable provider, a model too weak for the format, a prompt budget too small).
 */
export type LlmErrorKind =
  /** The endpoint is not an entry endpoint of the model, or its prompt does not fit the cap. */
  | 'prompt'
  /** One model call took longer than LLM_TIMEOUT. */
  | 'timeout'
  /** The caller's AbortSignal fired (shutdown). */
  | 'aborted'
  /** The provider failed: unreachable, refused the key, rate-limited past the retries, … */
  | 'provider'
  /** No answer became valid JSON specs within the repair rounds. */
  | 'invalid-output'
  /** Valid specs came back, but verification rejected every one. */
  | 'nothing-verified';

export interface LlmGenerationError {
  kind: LlmErrorKind;
  message: string;
}

export interface RejectedSpec {
  /** The spec's id when the document had one. */
  id: string | undefined;
  /**
   * `validation`: still invalid when the repair rounds ran out; `verification`: asserts something
   * the recorded traces contradict, or nothing survived; `limit`: beyond LLM_MAX_TESTS_PER_ENDPOINT.
   */
  stage: 'validation' | 'verification' | 'limit';
  reason: string;
  /** Validation errors (JSON paths) or the failed checks (`<path> [<assertion id>]: <detail>`). */
  details: string[];
  /** The verified copy (verification stage) or the document as the model wrote it. */
  document: unknown;
}

export interface TokenUsage {
  inputTokens: number;
  outputTokens: number;
  totalTokens: number;
}

/** What one generation run was, shared by all its specs (the specs carry the v1 provenance fields). */
export interface LlmRunProvenance {
  generator: 'llm';
  /** `openai`, `anthropic`, `ollama`, … (LangChain's provider type unless the caller named it). */
  provider: string;
  model: string;
  promptVersion: string;
  /** libs/model modelHash of the model the prompt was built from. */
  modelHash: string;
  /** Model calls after the first. */
  repairRounds: number;
}

export interface LlmGenerationResult {
  /** At least one spec was kept. */
  ok: boolean;
  endpoint: string;
  /** Valid, verified specs with provenance: ready to store. */
  kept: TestSpec[];
  rejected: RejectedSpec[];
  /** Checks verification removed from the kept specs, by reason (the rest of each spec stands). */
  dropped: { cannotFail: number; neverApplies: number };
  /** Model calls made (1 + repair rounds); 0 when the prompt could not be built. */
  rounds: number;
  /** Summed over the calls; undefined when the provider reports no usage. */
  usage: TokenUsage | undefined;
  prompt: { version: string; size: PromptSize | undefined };
  provenance: LlmRunProvenance;
  /** Set when something went wrong; `specs` may still hold what was kept before it did. */
  error?: LlmGenerationError;
}
