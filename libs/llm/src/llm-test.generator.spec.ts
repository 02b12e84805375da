import { recordedTracesFor, type Assertion } from '@t2t/testgen';
import {
  fenced,
  likesSpec,
  plainSpec,
  potatoHandlerExists,
  ruleSpec,
} from '../test/potato-answers.fixture';
import { ORDERS, ordersInput, potatoEvidence } from '../test/potato-evidence.fixture';
import { ScriptedChatModel } from '../test/scripted-chat.model';
import { createLlmTestGenerator, generateWithLlm, LlmTestGenerator } from './llm-test.generator';
import { llmEnv } from './llm.env';
import { PROMPT_VERSION } from './prompt/prompt.version';
import { buildGenerationPrompt } from './prompt/test-generation.prompt';

const options = { provider: 'openai', modelName: 'gpt-test', maxRepairRounds: 2 };
const banana = { service: 'banana-service' };

describe(generateWithLlm.name, () => {
  const { evidence, likes, plain, modelHash, systemModel } = potatoEvidence();
  const representative = (fp: string) =>
    evidence.find((e) => e.endpoint === ORDERS && e.fingerprint === fp)!.representative!.traceId;
  const prompt = buildGenerationPrompt(ordersInput(), {
    maxTests: 8,
    maxPromptTokens: 12_000,
  });

  it('keeps valid specs from the first answer, verified against the recorded traces, with provenance', async () => {
    const model = new ScriptedChatModel([
      {
        text: fenced([likesSpec(), ruleSpec()]),
        usage: { input_tokens: 5000, output_tokens: 900, total_tokens: 5900 },
      },
    ]);
    const result = await generateWithLlm(model, ordersInput(), options);

    // The model got the real prompt: the system rules with the schema, then the endpoint's model.
    expect(model.calls).toHaveLength(1);
    expect(model.sent(0, 0)).toBe(prompt.system);
    expect(model.sent(0, 1)).toBe(prompt.user);
    expect(model.sent(0, 1)).toContain(`### behaviour ${likes}`);

    expect(result).toMatchObject({
      ok: true,
      endpoint: ORDERS,
      rounds: 1,
      rejected: [],
      dropped: { cannotFail: 0, neverApplies: 0 },
      usage: { inputTokens: 5000, outputTokens: 900, totalTokens: 5900 },
      prompt: { version: PROMPT_VERSION, size: prompt.size },
      provenance: {
        generator: 'llm',
        provider: 'openai',
        model: 'gpt-test',
        promptVersion: PROMPT_VERSION,
        modelHash,
        repairRounds: 0,
      },
    });
    expect(result.error).toBeUndefined();
    expect(result.kept.map((s) => s.id)).toEqual([
      'llm-orders-likes-potatoes',
      'llm-orders-potato-rule',
    ]);
    const [behaviourSpec, rule] = result.kept;
    expect(behaviourSpec.provenance).toEqual({
      generator: 'llm',
      model: 'openai:gpt-test',
      promptVersion: PROMPT_VERSION,
      evidenceTraceIds: [representative(likes)],
      modelVersion: modelHash,
    });
    // A rule covers the whole endpoint: every behaviour's trace the prompt showed is its evidence.
    expect(rule.provenance.evidenceTraceIds).toEqual(prompt.behaviours.map(representative));
    for (const spec of result.kept) {
      const recorded = recordedTracesFor(spec, evidence).recorded;
      expect(recorded.length).toBeGreaterThanOrEqual(20);
      expect(spec.verification).toMatchObject({
        status: 'verified',
        recordedTraces: recorded.length,
        dropped: [],
      });
      expect(spec.verification!.mutationsTried).toBeGreaterThan(0);
      expect(spec.verification!.traces.every((t) => t.passed)).toBe(true);
    }
    // Judged on stored traffic like a deterministic spec: the behaviour by its rule arm, the rule
    // on every trace of the endpoint.
    expect(behaviourSpec.appliesWhen).toEqual([
      expect.objectContaining({
        holds: true,
        when: expect.objectContaining({
          all: [{ attribute: 'user.likes_potatoes', op: '=', value: 'true' }],
        }),
      }),
    ]);
    expect(rule.appliesWhen).toEqual([]);
    // The rule's recorded traces are both behaviours', the behaviour spec's only its own.
    expect(rule.verification!.recordedTraces).toBeGreaterThan(
      behaviourSpec.verification!.recordedTraces,
    );
  });

  it('repairs invalid output: the second call carries the previous answer and the validation errors', async () => {
    const broken = likesSpec();
    broken.assertions = [
      { ...potatoHandlerExists, kind: 'exist' } as never,
      ...broken.assertions.slice(1),
    ];
    delete (broken as Partial<typeof broken>).setup;
    const first = fenced([broken, ruleSpec()]);
    const model = new ScriptedChatModel([first, JSON.stringify([likesSpec()])]);
    const result = await generateWithLlm(model, ordersInput(), options);

    expect(model.calls).toHaveLength(2);
    const second = model.calls[1];
    expect(second.map((m) => m.type)).toEqual(['system', 'human', 'ai', 'human']);
    expect(second[0].text).toBe(prompt.system);
    expect(second[1].text).toBe(prompt.user);
    expect(second[2].text).toBe(first);
    const repair = second[3].text;
    expect(repair).toContain('1 spec(s) in your answer are invalid');
    expect(repair).toContain('Spec at index 0 (id "llm-orders-likes-potatoes"):');
    expect(repair).toContain('- $.setup: is required');
    expect(repair).not.toContain('llm-orders-potato-rule');

    expect(result.ok).toBe(true);
    expect(result.rounds).toBe(2);
    expect(result.provenance.repairRounds).toBe(1);
    expect(result.rejected).toEqual([]);
    // The rule was kept from the first answer, the behaviour spec from the repair.
    expect(result.kept.map((s) => s.id).sort()).toEqual([
      'llm-orders-likes-potatoes',
      'llm-orders-potato-rule',
    ]);
    expect(result.kept.every((s) => s.verification!.status === 'verified')).toBe(true);
  });

  it('reports the JSON paths of the errors in the repair round', async () => {
    const broken = likesSpec();
    broken.assertions = [{ ...potatoHandlerExists, kind: 'exist' } as never];
    const model = new ScriptedChatModel([JSON.stringify([broken]), JSON.stringify([likesSpec()])]);
    await generateWithLlm(model, ordersInput(), options);
    expect(model.sent(1, 3)).toMatch(
      /^- \$\.assertions\[0\]\.kind: must be one of .*\(got "exist"\)$/m,
    );
  });

  it('asks again for the whole array when an answer is not JSON at all', async () => {
    const model = new ScriptedChatModel([
      'I would test that the potato handler is called.',
      fenced([likesSpec()]),
    ]);
    const result = await generateWithLlm(model, ordersInput(), options);
    expect(model.sent(1, 3)).toContain(
      'Your answer could not be used: the answer contains no JSON array or object.',
    );
    expect(model.sent(1, 3)).toContain('the complete JSON array');
    expect(result).toMatchObject({ ok: true, rounds: 2 });
  });

  it('fails clearly when the output never becomes valid within the repair rounds', async () => {
    const invalid = JSON.stringify([{ ...likesSpec(), trigger: { type: 'carrier-pigeon' } }]);
    const model = new ScriptedChatModel([invalid, invalid, invalid, invalid]);
    const result = await generateWithLlm(model, ordersInput(), options);

    expect(model.calls).toHaveLength(3);
    expect(result.ok).toBe(false);
    expect(result.kept).toEqual([]);
    expect(result.rounds).toBe(3);
    expect(result.error).toEqual({
      kind: 'invalid-output',
      message: expect.stringMatching(/^no valid spec after 2 repair rounds: \$\.trigger/),
    });
    expect(result.rejected).toEqual([
      {
        id: 'llm-orders-likes-potatoes',
        stage: 'validation',
        reason: 'still invalid after 2 repair rounds',
        details: [expect.stringMatching(/^\$\.trigger/)],
        document: JSON.parse(invalid)[0],
      },
    ]);

    const prose = new ScriptedChatModel(['no', 'still no']);
    const once = await generateWithLlm(prose, ordersInput(), { ...options, maxRepairRounds: 1 });
    expect(prose.calls).toHaveLength(2);
    expect(once.error).toEqual({
      kind: 'invalid-output',
      message: 'no usable answer after 1 repair round: the answer contains no JSON array or object',
    });
  });

  it('asks for behaviours and rules of this endpoint only', async () => {
    const elsewhere = { ...likesSpec(), covers: { behaviour: 'ffffffffffffffff' } };
    const model = new ScriptedChatModel([
      JSON.stringify([elsewhere, { ...ruleSpec(), endpoint: 'api-gateway|HTTP GET /orders/{id}' }]),
      JSON.stringify([likesSpec(), ruleSpec()]),
    ]);
    const result = await generateWithLlm(model, ordersInput(), options);
    const repair = model.sent(1, 3);
    expect(repair).toContain(
      `- $.covers.behaviour: "ffffffffffffffff" is not a behaviour of ${ORDERS}; use one of "${prompt.behaviours[0]}", "${prompt.behaviours[1]}"`,
    );
    expect(repair).toContain(`- $.endpoint: must be "${ORDERS}", the endpoint under test`);
    expect(result.kept).toHaveLength(2);
  });

  it('rejects a well-formed spec that asserts something false, naming the failing assertion', async () => {
    const model = new ScriptedChatModel([
      JSON.stringify([
        // potato-handler called for users who do not like potatoes
        plainSpec([potatoHandlerExists]),
        // the rule, turned around
        ruleSpec('false'),
        // a span that never exists, next to true assertions: the whole spec goes
        likesSpec([{ id: 'a9', kind: 'exists', description: 'bananas are sold', select: banana }]),
      ]),
    ]);
    const result = await generateWithLlm(model, ordersInput(), options);

    expect(result.ok).toBe(false);
    expect(result.kept).toEqual([]);
    expect(result.error).toEqual({
      kind: 'nothing-verified',
      message: expect.stringContaining('verification rejected all 3 spec(s): assertion a1'),
    });
    const [noPotatoes, flipped, bananas] = result.rejected;
    expect(noPotatoes).toMatchObject({
      id: 'llm-orders-no-potatoes',
      stage: 'verification',
      reason: expect.stringMatching(
        /^assertion a1 \(exists: potato-handler handles POST \/potatoes\) does not hold on the recorded traces: trace [0-9a-f]{32}: expected /,
      ),
    });
    expect(noPotatoes.details).toEqual([
      expect.stringMatching(/^\$\.assertions\[0\] \[a1\] fails-on-recorded: trace /),
    ]);
    expect(flipped.stage).toBe('verification');
    expect(flipped.reason).toMatch(/^assertion r[23] \((exists|absent): potato-handler/);
    expect(bananas).toMatchObject({
      id: 'llm-orders-likes-potatoes',
      stage: 'verification',
      reason: expect.stringMatching(/^assertion a9 \(exists: bananas are sold\) does not hold/),
    });
    // The rejected copy carries its verification, for whoever inspects it.
    expect((bananas.document as { verification: { status: string } }).verification.status).toBe(
      'verified',
    );
  });

  it('drops and counts an assertion that cannot fail, keeping the rest of the spec', async () => {
    // "Zero or more banana spans" holds on every trace there can be. (An `absent` of a span that
    // never occurs can fail: testgen's mutation grafts such a span in, as an extra call would.)
    const model = new ScriptedChatModel([
      JSON.stringify([
        likesSpec([
          {
            id: 'a9',
            kind: 'count',
            description: 'any number of bananas',
            select: banana,
            count: { min: 0 },
          },
        ]),
      ]),
    ]);
    const result = await generateWithLlm(model, ordersInput(), options);

    expect(result.ok).toBe(true);
    expect(result.dropped).toEqual({ cannotFail: 1, neverApplies: 0 });
    const [spec] = result.kept;
    expect(spec.assertions.map((a) => a.id)).toEqual(['a1', 'a2', 'a3']);
    expect(spec.verification).toMatchObject({
      status: 'verified',
      dropped: [
        {
          path: '$.assertions[3]',
          assertionId: 'a9',
          reason: 'cannot-fail',
          detail: 'no mutation of the recorded traces makes it fail',
        },
      ],
    });
    expect(spec.verification!.kept).toBe(3);
  });

  it('turns a provider error into an error result', async () => {
    const model = new ScriptedChatModel([new Error('429 Too Many Requests')]);
    const result = await generateWithLlm(model, ordersInput(), options);
    expect(result).toMatchObject({
      ok: false,
      kept: [],
      rounds: 1,
      error: {
        kind: 'provider',
        message: 'openai model gpt-test failed: Error: 429 Too Many Requests',
      },
    });
  });

  it('abandons a call that outlives LLM_TIMEOUT, even when the model ignores the abort signal', async () => {
    const model = new ScriptedChatModel([{ text: JSON.stringify([likesSpec()]), delayMs: 400 }]);
    const started = Date.now();
    const result = await generateWithLlm(model, ordersInput(), { ...options, timeoutMs: 30 });
    expect(Date.now() - started).toBeLessThan(300);
    expect(result).toMatchObject({
      ok: false,
      rounds: 1,
      error: {
        kind: 'timeout',
        message: 'openai model gpt-test gave no answer within 30 ms (LLM_TIMEOUT)',
      },
    });
  });

  it('keeps what was valid before a repair round failed', async () => {
    const model = new ScriptedChatModel([
      JSON.stringify([ruleSpec(), { ...likesSpec(), trigger: {} }]),
      new Error('connection reset'),
    ]);
    const result = await generateWithLlm(model, ordersInput(), options);
    expect(result.ok).toBe(true);
    expect(result.kept.map((s) => s.id)).toEqual(['llm-orders-potato-rule']);
    expect(result.error?.kind).toBe('provider');
    expect(result.rejected.map((r) => [r.id, r.stage])).toEqual([
      ['llm-orders-likes-potatoes', 'validation'],
    ]);
  });

  it('stops when the caller aborts, and before calling when the endpoint cannot be prompted', async () => {
    const controller = new AbortController();
    controller.abort();
    const model = new ScriptedChatModel([JSON.stringify([likesSpec()])]);
    const aborted = await generateWithLlm(model, ordersInput(), {
      ...options,
      signal: controller.signal,
    });
    expect(aborted.error).toEqual({ kind: 'aborted', message: 'generation aborted by the caller' });

    const unknown = await generateWithLlm(
      model,
      { ...ordersInput(), endpoint: 'nope|HTTP GET /' },
      options,
    );
    expect(unknown).toMatchObject({
      ok: false,
      rounds: 0,
      error: { kind: 'prompt', message: 'endpoint nope|HTTP GET / is not in the model' },
    });
  });

  it('keeps at most LLM_MAX_TESTS_PER_ENDPOINT specs, namespaces ids and makes them unique', async () => {
    const model = new ScriptedChatModel([
      JSON.stringify([
        { ...likesSpec(), id: 'orders' },
        { ...ruleSpec(), id: 'orders' },
        plainSpec([{ ...potatoHandlerExists, kind: 'absent' } as Assertion]),
      ]),
    ]);
    const result = await generateWithLlm(model, ordersInput(), {
      ...options,
      maxTestsPerEndpoint: 2,
    });
    expect(result.kept.map((s) => s.id)).toEqual(['llm-orders', 'llm-orders-2']);
    expect(result.rejected).toMatchObject([
      {
        id: 'llm-orders-no-potatoes',
        stage: 'limit',
        reason: 'beyond LLM_MAX_TESTS_PER_ENDPOINT (2)',
      },
    ]);
    expect(model.sent(0, 1)).toContain('Write at most 2 test specs');
  });

  it('names the provider and model from the chat model when the caller does not', async () => {
    const model = new ScriptedChatModel([JSON.stringify([likesSpec()])]);
    const generator = new LlmTestGenerator(model);
    const result = await generator.generate(ordersInput());
    expect(generator.label).toBe('fake-list:FakeListChatModel');
    expect(result.kept[0].provenance.model).toBe('fake-list:FakeListChatModel');
    expect(systemModel.endpoints.some((e) => e.key === ORDERS)).toBe(true);
    expect(createLlmTestGenerator(llmEnv.parse({}))).toBeUndefined();
    expect(plain).not.toBe(likes);
  });
});
