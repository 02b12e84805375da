import { parseLlmAnswer } from './llm-answer.parser';

describe(parseLlmAnswer.name, () => {
  const spec = { specVersion: 1, id: 'llm-a', assertions: [] };

  it('reads a bare JSON array', () => {
    expect(parseLlmAnswer(JSON.stringify([spec, spec]))).toEqual({ ok: true, items: [spec, spec] });
  });

  it('reads a fenced block with or without a language tag, ignoring the prose around it', () => {
    const text = (tag: string) =>
      `Here are the tests:\n\n\`\`\`${tag}\n${JSON.stringify([spec])}\n\`\`\`\nHope this helps.`;
    expect(parseLlmAnswer(text('json'))).toEqual({ ok: true, items: [spec] });
    expect(parseLlmAnswer(text(''))).toEqual({ ok: true, items: [spec] });
  });

  it('skips a reasoning model’s <think> block, even when it contains brackets', () => {
    const text = `<think>maybe [1, 2]? or {"x": 1}</think>\n${JSON.stringify([spec])}`;
    expect(parseLlmAnswer(text)).toEqual({ ok: true, items: [spec] });
  });

  it('takes JSON surrounded by prose without fences', () => {
    expect(parseLlmAnswer(`Sure! ${JSON.stringify([spec])} Done.`)).toEqual({
      ok: true,
      items: [spec],
    });
  });

  it('accepts { "specs": [...] } and a single spec object', () => {
    expect(parseLlmAnswer(JSON.stringify({ specs: [spec] }))).toEqual({ ok: true, items: [spec] });
    expect(parseLlmAnswer(JSON.stringify(spec))).toEqual({ ok: true, items: [spec] });
  });

  it('reports what is wrong when there is no usable JSON', () => {
    expect(parseLlmAnswer('')).toEqual({ ok: false, error: 'the answer is empty' });
    expect(parseLlmAnswer('I cannot help with that.')).toEqual({
      ok: false,
      error: 'the answer contains no JSON array or object',
    });
    const broken = parseLlmAnswer('[{"specVersion": 1,}]');
    expect(broken.ok).toBe(false);
    expect(!broken.ok && broken.error).toMatch(/^the answer is not valid JSON \(/);
    expect(parseLlmAnswer('{"answer": 42}')).toEqual({
      ok: false,
      error: 'the answer is JSON but neither an array of specs nor a spec object',
    });
  });
});
