/**
 * Version of the generation prompt (instructions, context layout, example, repair wording). Stored
 * in every LLM-written spec's provenance: bump it whenever the text a model sees changes, so tests
 * written under different prompts can be told apart and compared.
 */
export const PROMPT_VERSION = 'llm-testgen/1';

/**
 * Characters per token for the size estimate. Real tokenizers differ per model (and none is a
 * dependency here); 4 is the usual figure for English and JSON with BPE vocabularies, and the cap
 * only has to keep the prompt safely inside a context window, not count exactly.
 */
export const CHARS_PER_TOKEN = 4;

export function approxTokens(chars: number): number {
  return Math.ceil(chars / CHARS_PER_TOKEN);
}
