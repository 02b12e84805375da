/**
 * Reads the spec documents out of a chat model's answer. Models asked for "JSON only" still wrap
 * it in Markdown fences, prefix a sentence, or (reasoning models served by llama.cpp, vLLM, Ollama)
 * think aloud in <think> tags first; all of that is tolerated. What is not JSON is reported as an
 * error the repair round can show the model.
 */

export type ParsedAnswer = { ok: true; items: unknown[] } | { ok: false; error: string };

export function parseLlmAnswer(text: string): ParsedAnswer {
  const body = text.replace(/<think>[\s\S]*?<\/think>/gi, '').trim();
  if (body === '') return { ok: false, error: 'the answer is empty' };
  const candidates = [...fencedBlocks(body), outermostJson(body)].filter(
    (c): c is string => c !== undefined,
  );
  let firstError: string | undefined;
  for (const candidate of candidates) {
    let value: unknown;
    try {
      value = JSON.parse(candidate);
    } catch (e) {
      firstError ??= `the answer is not valid JSON (${(e as Error).message})`;
      continue;
    }
    const items = specItems(value);
    if (items !== undefined) return { ok: true, items };
    firstError ??= 'the answer is JSON but neither an array of specs nor a spec object';
  }
  return { ok: false, error: firstError ?? 'the answer contains no JSON array or object' };
}

/** ```json … ``` blocks, in order (the language tag is optional). */
function fencedBlocks(text: string): string[] {
  return [...text.matchAll(/```[A-Za-z0-9_-]*[ \t]*\r?\n([\s\S]*?)```/g)].map((m) => m[1].trim());
}

/** From the first `[` or `{` to the last matching closer: JSON with prose around it. */
function outermostJson(text: string): string | undefined {
  const start = text.search(/[[{]/);
  if (start < 0) return undefined;
  const close = text[start] === '[' ? ']' : '}';
  const end = text.lastIndexOf(close);
  return end > start ? text.slice(start, end + 1) : undefined;
}

/** An array of specs; `{ "specs": [...] }` (what JSON modes push models to); or one spec. */
function specItems(value: unknown): unknown[] | undefined {
  if (Array.isArray(value)) return value as unknown[];
  if (value === null || typeof value !== 'object') return undefined;
  const specs = (value as { specs?: unknown }).specs;
  if (Array.isArray(specs)) return specs as unknown[];
  return 'specVersion' in value || 'assertions' in value ? [value] : undefined;
}
