import { ChatAnthropic } from '@langchain/anthropic';
import type { BaseChatModel } from '@langchain/core/language_models/chat_models';
import { ChatOllama } from '@langchain/ollama';
import { ChatOpenAI } from '@langchain/openai';
import { EnvValidationError } from '@t2t/config';
import { DEFAULT_OLLAMA_BASE_URL, llmEnvProblems, type LlmConfig } from './llm.env';

/**
 * Retries the provider client makes on its own (rate limits, 5xx, dropped connections) inside one
 * call. Few on purpose: LLM_TIMEOUT bounds the whole call, and an endpoint whose call fails falls
 * back to the deterministic generator rather than waiting.
 */
export const PROVIDER_MAX_RETRIES = 2;

/**
 * OpenAI's client refuses to start without a key, but local OpenAI-compatible servers (llama.cpp,
 * vLLM, LM Studio) accept any. Sent only when LLM_BASE_URL is set and LLM_API_KEY is not.
 */
const LOCAL_SERVER_API_KEY = 'not-needed';

/**
 * The LangChain chat model the configuration asks for, or undefined for `LLM_PROVIDER=none`.
 * Every value is passed explicitly, so the provider clients never fall back to reading
 * `OPENAI_API_KEY` & co. from the environment behind the configuration's back. Throws an
 * EnvValidationError naming the bad keys when the options do not fit the provider. Builds the
 * client only; nothing is sent until the first call.
 */
export function createChatModel(config: LlmConfig): BaseChatModel | undefined {
  const problems = llmEnvProblems(config);
  if (problems.length > 0) throw new EnvValidationError(problems, 'llm');
  // llmEnvProblems guarantees a model name for every provider but `none`.
  const model = config.model ?? '';
  const common = {
    model,
    temperature: config.temperature,
    maxRetries: PROVIDER_MAX_RETRIES,
  };
  switch (config.provider) {
    case 'none':
      return undefined;
    case 'openai':
      return new ChatOpenAI({
        ...common,
        apiKey: config.apiKey ?? LOCAL_SERVER_API_KEY,
        timeout: config.timeoutMs,
        ...(config.baseUrl === undefined ? {} : { configuration: { baseURL: config.baseUrl } }),
      });
    case 'anthropic':
      return new ChatAnthropic({
        ...common,
        apiKey: config.apiKey,
        clientOptions: { timeout: config.timeoutMs },
        ...(config.baseUrl === undefined ? {} : { anthropicApiUrl: config.baseUrl }),
      });
    case 'ollama':
      return new ChatOllama({
        ...common,
        baseUrl: config.baseUrl ?? DEFAULT_OLLAMA_BASE_URL,
      });
  }
}

/** Provider and model name of a chat model, for provenance when the caller did not say. */
export function describeChatModel(model: BaseChatModel): { provider: string; name: string } {
  const named = model as unknown as { model?: unknown };
  return {
    provider: model._llmType(),
    name: typeof named.model === 'string' && named.model !== '' ? named.model : model.getName(),
  };
}
