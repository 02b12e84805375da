import { createLlmTestGenerator, type LlmConfig } from '@t2t/llm';
import type { LlmTestGenerator } from './test-generation.service';

/** Injection token of the optional LLM test generator (null when LLM_PROVIDER=none). */
export const LLM_TEST_GENERATOR = Symbol('LLM_TEST_GENERATOR');

/** The configured LangChain generator behind the service's small port, or null. */
export function llmTestGenerator(config: LlmConfig): LlmTestGenerator | null {
  const generator = createLlmTestGenerator(config);
  if (!generator) return null;
  return {
    label: generator.label,
    generate: async (input) => {
      const result = await generator.generate(input);
      return { kept: result.kept, rejected: result.rejected.length, error: result.error?.message };
    },
  };
}
