import { validateTestSpec } from '@t2t/testgen';
import { ORDERS, ordersInput, potatoEvidence } from '../../test/potato-evidence.fixture';
import { FEW_SHOT_EXAMPLE } from './few-shot.example';
import { llmSpecSchema } from './llm-spec.schema';
import { approxTokens, CHARS_PER_TOKEN } from './prompt.version';
import {
  buildGenerationPrompt,
  PromptInputError,
  PromptTooLargeError,
  type GenerationPrompt,
} from './test-generation.prompt';

const options = { maxTests: 6, maxPromptTokens: 12_000 };
const text = (p: GenerationPrompt) => `${p.system}\n${p.user}`;

describe(buildGenerationPrompt.name, () => {
  const { systemModel, evidence, likes, plain } = potatoEvidence();
  const prompt = buildGenerationPrompt(ordersInput(), options);

  it('carries the compact model of the endpoint: behaviours with shares, rules, entities, neighbours', () => {
    const behaviour = (fp: string) => systemModel.behaviours.find((b) => b.fingerprint === fp)!;
    expect(prompt.user).toContain(`Endpoint under test: ${ORDERS}`);
    for (const fp of [likes, plain]) {
      const share = `${(behaviour(fp).share * 100).toFixed(1)}% of traffic`;
      expect(prompt.user).toContain(`- ${fp}: ${share}`);
    }
    const rule = systemModel.rules.find((r) => r.endpoint === ORDERS)!;
    expect(prompt.user).toContain(
      `calls potato-handler POST /potatoes only if user.likes_potatoes = true (decided at order-service|HTTP POST /orders; support ${rule.support} traces, confidence 1.000`,
    );
    expect(prompt.user).toContain(
      `covers.rule = ${JSON.stringify({ endpoint: ORDERS, at: rule.at, condition: rule.condition, effect: rule.effect })}`,
    );
    expect(prompt.user).toContain('- table orders (postgresql): WRITES INSERT by order-writer');
    expect(prompt.user).toContain(
      '- collection potato_orders (mongodb): WRITES insert by potato-handler',
    );
    expect(prompt.user).toContain('- potato-handler|HTTP POST /potatoes (http)');
    // Only this endpoint's slice of the model: the GET endpoint's read is not in it.
    expect(prompt.user).not.toContain('GET /orders/{id}');
  });

  it('shows one representative trace per behaviour as a tree of span labels with the attributes that matter', () => {
    expect(prompt.user).toContain(`### behaviour ${likes}`);
    expect(prompt.user).toContain(`### behaviour ${plain}`);
    expect(prompt.user).toMatch(
      /^- api-gateway server "POST \/orders" \[http POST \/orders\] endpoint=api-gateway\|HTTP POST \/orders \(entry\) \{cart\.items=\d+~, http\.response\.status_code=200, user\.id=\d+~, user\.likes_potatoes=(true|false)\}$/m,
    );
    expect(prompt.user).toMatch(
      /^ +- potato-handler server "POST \/potatoes" \[http POST \/potatoes\] endpoint=potato-handler\|HTTP POST \/potatoes \{/m,
    );
    expect(prompt.user).toMatch(
      /^ +- order-writer client "INSERT orders" \[db postgresql INSERT orders\]$/m,
    );
    // Transport details stay out: the semantic key already says what the call is.
    expect(prompt.user).not.toContain('server.port');
    expect(prompt.user).not.toContain('messaging.message_id');
    expect([...prompt.shownTraces.keys()]).toEqual(
      systemModel.endpoints.find((e) => e.key === ORDERS)!.behaviours,
    );
  });

  it('leaves out trace ids, span ids and timestamps', () => {
    const all = text(prompt);
    for (const e of evidence) {
      for (const t of [e.representative!, ...e.samples]) {
        expect(all).not.toContain(t.traceId);
        for (const s of t.spans) {
          expect(all).not.toContain(s.spanId);
          expect(all).not.toContain(String(s.startNs));
        }
      }
    }
    expect(all).not.toMatch(/\b\d{16,}\b/);
  });

  it('gives the spec format as JSON Schema without the generator-owned fields, and one valid example', () => {
    expect(prompt.system).toContain(JSON.stringify(llmSpecSchema()));
    expect(JSON.stringify(llmSpecSchema())).not.toContain('provenance');
    expect(JSON.stringify(llmSpecSchema())).not.toContain('"Verification"');
    expect(prompt.system).toContain(JSON.stringify(FEW_SHOT_EXAMPLE));
    const example = {
      ...FEW_SHOT_EXAMPLE,
      provenance: { generator: 'llm', model: 'x', evidenceTraceIds: [], modelVersion: '' },
    };
    expect(validateTestSpec(example)).toEqual({ ok: true, spec: example });
    expect(prompt.user).toContain('Write at most 6 test specs for api-gateway|HTTP POST /orders');
    expect(prompt.user.trimEnd()).toMatch(/Answer with the JSON array only\.$/);
  });

  it('is deterministic: equal input, equal text, whatever the evidence order', () => {
    const again = buildGenerationPrompt(
      { ...ordersInput(), evidence: [...evidence].reverse() },
      options,
    );
    expect(text(again)).toBe(text(prompt));
    expect(again.size).toEqual(prompt.size);
  });

  it('measures its size and stays within the cap', () => {
    expect(prompt.size).toEqual({
      chars: prompt.system.length + prompt.user.length,
      approxTokens: approxTokens(prompt.system.length + prompt.user.length),
      maxTokens: 12_000,
      omitted: [],
    });
    expect(prompt.user).not.toContain('shortened');
  });

  it('cuts deterministically to fit a small cap, least needed first, and says so', () => {
    const cap = Math.ceil((prompt.system.length + prompt.user.length * 0.7) / CHARS_PER_TOKEN);
    const small = buildGenerationPrompt(ordersInput(), { ...options, maxPromptTokens: cap });
    expect(small.size.chars).toBeLessThanOrEqual(cap * CHARS_PER_TOKEN);
    expect(small.size.approxTokens).toBeLessThanOrEqual(cap);
    expect(small.size.omitted.slice(0, 3)).toEqual([
      'the endpoints it reaches',
      'the edge lists of the behaviours',
      `the representative trace of behaviour ${prompt.behaviours[1]}`,
    ]);
    expect(small.user).toContain(
      `Note: shortened to fit the prompt budget; left out: ${small.size.omitted.join('; ')}.`,
    );
    // The busiest behaviour's tree and the rule survive; the task only asks for what is shown.
    expect(small.user).toContain(`### behaviour ${prompt.behaviours[0]}`);
    expect(small.user).not.toContain(`### behaviour ${prompt.behaviours[1]}`);
    expect(small.user).toContain('covers.rule = ');
    expect(small.user).toContain(
      `- one per behaviour whose trace is shown (${prompt.behaviours[0]})`,
    );
    expect([...small.shownTraces.keys()]).toEqual([prompt.behaviours[0]]);
    expect(text(buildGenerationPrompt(ordersInput(), { ...options, maxPromptTokens: cap }))).toBe(
      text(small),
    );
  });

  it('refuses a cap below what the instructions alone need, and endpoints without traces', () => {
    expect(() =>
      buildGenerationPrompt(ordersInput(), { ...options, maxPromptTokens: 1000 }),
    ).toThrow(PromptTooLargeError);
    expect(() =>
      buildGenerationPrompt({ ...ordersInput(), endpoint: 'nope|HTTP GET /' }, options),
    ).toThrow(new PromptInputError('endpoint nope|HTTP GET / is not in the model'));
    expect(() =>
      buildGenerationPrompt(
        { ...ordersInput(), endpoint: 'potato-handler|HTTP POST /potatoes' },
        options,
      ),
    ).toThrow(PromptInputError);
  });
});
