// Configuration and the chat model it selects
export {
  llmEnv,
  llmEnvProblems,
  LLM_PROVIDERS,
  DEFAULT_OLLAMA_BASE_URL,
  type LlmConfig,
  type LlmProvider,
} from './llm.env';
export { createChatModel, describeChatModel, PROVIDER_MAX_RETRIES } from './chat-model.factory';

// Prompt
export { PROMPT_VERSION, CHARS_PER_TOKEN, approxTokens } from './prompt/prompt.version';
export {
  buildGenerationPrompt,
  PromptTooLargeError,
  PromptInputError,
  type GenerationPrompt,
  type PromptInput,
  type PromptOptions,
  type PromptSize,
} from './prompt/test-generation.prompt';
export { buildRepairMessage, type InvalidDraft } from './prompt/repair.prompt';
export { llmSpecSchema } from './prompt/llm-spec.schema';
export { FEW_SHOT_EXAMPLE, type LlmSpecDraft } from './prompt/few-shot.example';
export { summarizeTrace, type TraceSummaryOptions } from './prompt/trace-tree.summarizer';

// Generation
export {
  generateWithLlm,
  LlmTestGenerator,
  createLlmTestGenerator,
  llmGenerationOptions,
  DEFAULT_LLM_GENERATION_OPTIONS,
  LlmTimeoutError,
  type LlmGenerationInput,
  type LlmGenerationOptions,
} from './llm-test.generator';
export type * from './llm-generation.result';
export { parseLlmAnswer, type ParsedAnswer } from './generate/llm-answer.parser';
export { checkSpecDraft, type DraftScope, type DraftCheck } from './generate/spec-draft.checker';
