import type { BaseChatModel } from '@langchain/core/language_models/chat_models';
import { AIMessage, HumanMessage, SystemMessage, type BaseMessage } from '@langchain/core/messages';
import type { BehaviourEvidence, SystemModel } from '@t2t/model';
import {
  applicabilityFor,
  recordedTracesFor,
  storedConditions,
  verifySpec,
  type Assertion,
  type Provenance,
  type TestSpec,
} from '@t2t/testgen';
import { createChatModel, describeChatModel } from './chat-model.factory';
import { checkSpecDraft, type DraftScope } from './generate/spec-draft.checker';
import { parseLlmAnswer } from './generate/llm-answer.parser';
import type {
  LlmGenerationError,
  LlmGenerationResult,
  LlmRunProvenance,
  TokenUsage,
} from './llm-generation.result';
import { llmEnv, type LlmConfig } from './llm.env';
import { PromptInputError } from './prompt/endpoint-context.builder';
import { PROMPT_VERSION } from './prompt/prompt.version';
import { buildRepairMessage, type InvalidDraft } from './prompt/repair.prompt';
import {
  buildGenerationPrompt,
  PromptTooLargeError,
  type GenerationPrompt,
} from './prompt/test-generation.prompt';

export interface LlmGenerationInput {
  systemModel: SystemModel;
  /** All evidence of the model version (journey steps may verify against other endpoints'). */
  evidence: readonly BehaviourEvidence[];
  /** Entry endpoint key to write tests for. */
  endpoint: string;
  /** libs/model modelHash of `systemModel`: stored as each spec's provenance.modelVersion. */
  modelHash: string;
}

export interface LlmGenerationOptions {
  /** Provenance: provider name; default the model's LangChain type (`openai`, `anthropic`, …). */
  provider?: string;
  /** Provenance: model name; default the model's `model` field. */
  modelName?: string;
  maxRepairRounds: number;
  /** Per model call. */
  timeoutMs: number;
  maxTestsPerEndpoint: number;
  maxPromptTokens: number;
  /** Recorded traces each check is mutated from during verification (testgen's default: 3). */
  mutationTraces?: number;
  /** Aborts the generation (service shutdown); the result says `aborted`. */
  signal?: AbortSignal;
}

/** The generation options a parsed configuration gives. */
export function llmGenerationOptions(config: LlmConfig): LlmGenerationOptions {
  return {
    ...(config.provider === 'none' ? {} : { provider: config.provider }),
    ...(config.model === undefined ? {} : { modelName: config.model }),
    maxRepairRounds: config.maxRepairRounds,
    timeoutMs: config.timeoutMs,
    maxTestsPerEndpoint: config.maxTestsPerEndpoint,
    maxPromptTokens: config.maxPromptTokens,
  };
}

/** The options' defaults, from the one place they are declared (llm.env.ts). */
export const DEFAULT_LLM_GENERATION_OPTIONS: LlmGenerationOptions = llmGenerationOptions(
  llmEnv.parse({}),
);

export class LlmTimeoutError extends Error {
  override readonly name = 'LlmTimeoutError';
}

/**
 * A chat model with its options, for services that inject "the LLM generator" (undefined when
 * LLM_PROVIDER=none: see createLlmTestGenerator).
 */
export class LlmTestGenerator {
  /** `provider:model`, for logs and run records. */
  readonly label: string;

  constructor(
    readonly model: BaseChatModel,
    readonly options: Partial<LlmGenerationOptions> = {},
  ) {
    const described = describeChatModel(model);
    this.label = `${options.provider ?? described.provider}:${options.modelName ?? described.name}`;
  }

  generate(input: LlmGenerationInput): Promise<LlmGenerationResult> {
    return generateWithLlm(this.model, input, this.options);
  }
}

/** The configured generator, or undefined for LLM_PROVIDER=none. Throws like createChatModel. */
export function createLlmTestGenerator(config: LlmConfig): LlmTestGenerator | undefined {
  const model = createChatModel(config);
  return model === undefined
    ? undefined
    : new LlmTestGenerator(model, llmGenerationOptions(config));
}

/**
 * Tests for one endpoint written by a chat model, validated, repaired and verified:
 *
 * 1. the prompt (buildGenerationPrompt) goes to the model;
 * 2. every document of the answer is checked (checkSpecDraft); while some are invalid and repair
 *    rounds are left, the previous answer and the errors (JSON paths) go back, asking for the
 *    invalid specs only; valid specs are kept from whichever round produced them;
 * 3. each valid spec gets its provenance and is verified with testgen's verifySpec against the
 *    recorded traces of what it covers: a spec with a check that is false on a recorded trace is
 *    rejected whole (the model misread the system, so what is left of its spec is suspect too);
 *    checks that cannot fail or never apply are dropped and counted, the rest of the spec stays.
 *
 * Never throws for what the model or provider does: timeouts, provider errors, unusable answers
 * and an unbuildable prompt come back as `error`, and the caller falls back to the deterministic
 * generator. Programming errors (a broken schema, a bug) still throw.
 */
export async function generateWithLlm(
  model: BaseChatModel,
  input: LlmGenerationInput,
  options: Partial<LlmGenerationOptions> = {},
): Promise<LlmGenerationResult> {
  const opts: LlmGenerationOptions = { ...DEFAULT_LLM_GENERATION_OPTIONS, ...options };
  const described = describeChatModel(model);
  const run: LlmRunProvenance = {
    generator: 'llm',
    provider: opts.provider ?? described.provider,
    model: opts.modelName ?? described.name,
    promptVersion: PROMPT_VERSION,
    modelHash: input.modelHash,
    repairRounds: 0,
  };
  const result: LlmGenerationResult = {
    ok: false,
    endpoint: input.endpoint,
    kept: [],
    rejected: [],
    dropped: { cannotFail: 0, neverApplies: 0 },
    rounds: 0,
    usage: undefined,
    prompt: { version: PROMPT_VERSION, size: undefined },
    provenance: run,
  };

  let prompt: GenerationPrompt;
  try {
    prompt = buildGenerationPrompt(input, {
      maxTests: opts.maxTestsPerEndpoint,
      maxPromptTokens: opts.maxPromptTokens,
    });
  } catch (e) {
    if (e instanceof PromptInputError || e instanceof PromptTooLargeError) {
      return { ...result, error: { kind: 'prompt', message: e.message } };
    }
    throw e;
  }
  result.prompt.size = prompt.size;

  const scope: DraftScope = {
    endpoint: input.endpoint,
    behaviours: prompt.behaviours,
    rules: input.systemModel.rules.filter((r) => r.endpoint === input.endpoint),
  };
  // Validation needs a provenance; the real one (per spec) is stamped after.
  const placeholder = provenanceFor(run, []);
  const valid: TestSpec[] = [];
  // A model asked for the invalid specs only sometimes resends the valid ones too.
  const seen = new Set<string>();
  let invalid: (InvalidDraft & { document: unknown })[] = [];
  let unreadable: string | undefined;
  const messages: BaseMessage[] = [new SystemMessage(prompt.system), new HumanMessage(prompt.user)];

  for (;;) {
    result.rounds++;
    let text: string;
    try {
      const answer = await invokeWithTimeout(model, messages, opts.timeoutMs, opts.signal);
      result.usage = addUsage(result.usage, answer.usage_metadata);
      text = answer.text;
    } catch (e) {
      result.error = callError(e, run, opts.timeoutMs);
      break;
    }
    const parsed = parseLlmAnswer(text);
    if (!parsed.ok) {
      // Keep asking for what the previous answer still owed (everything, after the first).
      unreadable = parsed.error;
    } else {
      unreadable = undefined;
      invalid = [];
      parsed.items.forEach((item, index) => {
        const check = checkSpecDraft(item, scope, placeholder);
        if (check.ok) {
          const key = JSON.stringify(check.spec);
          if (!seen.has(key)) valid.push(check.spec);
          seen.add(key);
        } else invalid.push({ index, id: idOf(item), errors: check.errors, document: item });
      });
    }
    const done = unreadable === undefined && invalid.length === 0;
    if (done || valid.length >= opts.maxTestsPerEndpoint) break;
    if (result.rounds > opts.maxRepairRounds) break;
    messages.push(new AIMessage(text), new HumanMessage(buildRepairMessage(invalid, unreadable)));
  }
  run.repairRounds = Math.max(0, result.rounds - 1);

  const rounds = `${run.repairRounds} repair round${run.repairRounds === 1 ? '' : 's'}`;
  const full = valid.length >= opts.maxTestsPerEndpoint;
  for (const d of invalid) {
    result.rejected.push({
      id: d.id,
      stage: full ? 'limit' : 'validation',
      reason: full
        ? `invalid, and not repaired: LLM_MAX_TESTS_PER_ENDPOINT (${opts.maxTestsPerEndpoint}) valid specs were already in`
        : `still invalid after ${rounds}`,
      details: d.errors,
      document: d.document,
    });
  }
  if (result.error === undefined && valid.length === 0) {
    result.error = {
      kind: 'invalid-output',
      message:
        unreadable !== undefined
          ? `no usable answer after ${rounds}: ${unreadable}`
          : `no valid spec after ${rounds}${invalid.length > 0 ? `: ${invalid[0].errors.slice(0, 3).join('; ')}` : ' (the answer was an empty array)'}`,
    };
  }

  for (const [i, spec] of uniqueIds(valid).entries()) {
    if (i >= opts.maxTestsPerEndpoint) {
      result.rejected.push({
        id: spec.id,
        stage: 'limit',
        reason: `beyond LLM_MAX_TESTS_PER_ENDPOINT (${opts.maxTestsPerEndpoint})`,
        details: [],
        document: spec,
      });
      continue;
    }
    verifyInto(
      result,
      { ...spec, provenance: provenanceFor(run, evidenceIds(spec, prompt)) },
      input,
      opts,
    );
  }

  result.ok = result.kept.length > 0;
  if (!result.ok && result.error === undefined) {
    result.error = {
      kind: 'nothing-verified',
      message: `verification rejected all ${result.rejected.length} spec(s): ${result.rejected[0]?.reason ?? ''}`,
    };
  }
  return result;
}

function verifyInto(
  result: LlmGenerationResult,
  spec: TestSpec,
  input: LlmGenerationInput,
  opts: LlmGenerationOptions,
): void {
  // Judged on stored traffic like a deterministic spec: by the rule arms that decide its behaviour,
  // and its branches checked against the rules' measurement over all traffic.
  const placed: TestSpec = {
    ...spec,
    appliesWhen: applicabilityFor(spec, input.systemModel, input.evidence),
  };
  const verified = verifySpec(placed, {
    ...recordedTracesFor(placed, input.evidence),
    stored: storedConditions(input.systemModel),
    ...(opts.mutationTraces === undefined ? {} : { mutationTraces: opts.mutationTraces }),
  });
  const verification = verified.verification!;
  const falseChecks = verification.dropped.filter((d) => d.reason === 'fails-on-recorded');
  if (verification.status === 'rejected' || falseChecks.length > 0) {
    const first = falseChecks[0];
    const reason =
      first === undefined
        ? (verification.reason ?? 'rejected by verification')
        : `assertion ${first.assertionId} (${describeAssertion(spec.assertions, first.assertionId)}) does not hold on the recorded traces: ${first.detail}`;
    result.rejected.push({
      id: spec.id,
      stage: 'verification',
      reason,
      details: verification.dropped.map(
        (d) => `${d.path} [${d.assertionId}] ${d.reason}: ${d.detail}`,
      ),
      document: verified,
    });
    return;
  }
  for (const d of verification.dropped) {
    if (d.reason === 'cannot-fail') result.dropped.cannotFail++;
    else if (d.reason === 'never-applies') result.dropped.neverApplies++;
  }
  result.kept.push(verified);
}

function provenanceFor(run: LlmRunProvenance, evidenceTraceIds: string[]): Provenance {
  return {
    generator: 'llm',
    // Spec format v1 has one model field: `provider:model`, the form LangChain's initChatModel reads.
    model: `${run.provider}:${run.model}`,
    promptVersion: run.promptVersion,
    evidenceTraceIds,
    modelVersion: run.modelHash,
  };
}

/**
 * The representative traces the prompt showed for what the spec covers: its behaviour's, or for a
 * spec about the whole endpoint (a rule) every behaviour's, busiest first.
 */
function evidenceIds(spec: TestSpec, prompt: GenerationPrompt): string[] {
  const behaviours =
    spec.covers.behaviour !== undefined ? [spec.covers.behaviour] : prompt.behaviours;
  return behaviours.flatMap((b) => prompt.shownTraces.get(b) ?? []);
}

/**
 * Ids as the model wrote them, but namespaced `llm-` (so they never collide with the
 * deterministic generator's `bhv-`/`rule-` ids in storage) and made unique within the run.
 */
function uniqueIds(specs: readonly TestSpec[]): TestSpec[] {
  const used = new Set<string>();
  return specs.map((spec) => {
    const base = spec.id.startsWith('llm-') ? spec.id : `llm-${spec.id}`;
    let id = base;
    for (let n = 2; used.has(id); n++) id = `${base}-${n}`;
    used.add(id);
    return id === spec.id ? spec : { ...spec, id };
  });
}

function idOf(item: unknown): string | undefined {
  const id = (item as { id?: unknown } | null)?.id;
  return typeof id === 'string' ? id : undefined;
}

function describeAssertion(list: readonly Assertion[], id: string): string {
  for (const a of list) {
    if (a.id === id) return `${a.kind}: ${a.description}`;
    if (a.kind === 'conditional') {
      const inner = describeAssertion([...a.then, ...a.else], id);
      if (inner !== '') return inner;
    }
  }
  return '';
}

function addUsage(
  total: TokenUsage | undefined,
  usage: { input_tokens: number; output_tokens: number; total_tokens: number } | undefined,
): TokenUsage | undefined {
  if (usage === undefined) return total;
  return {
    inputTokens: (total?.inputTokens ?? 0) + usage.input_tokens,
    outputTokens: (total?.outputTokens ?? 0) + usage.output_tokens,
    totalTokens: (total?.totalTokens ?? 0) + usage.total_tokens,
  };
}

/**
 * One model call, bounded by `timeoutMs` whatever the provider client does with the abort signal
 * (not every LangChain model checks it while waiting). The abandoned call is aborted and its late
 * rejection swallowed, so it cannot surface as an unhandled rejection.
 */
async function invokeWithTimeout(
  model: BaseChatModel,
  messages: BaseMessage[],
  timeoutMs: number,
  signal: AbortSignal | undefined,
) {
  const controller = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  let onAbort: (() => void) | undefined;
  const stopped = new Promise<never>((_, reject) => {
    const stop = (reason: Error) => {
      controller.abort(reason);
      reject(reason);
    };
    timer = setTimeout(
      () => stop(new LlmTimeoutError(`no answer within ${timeoutMs} ms`)),
      timeoutMs,
    );
    onAbort = () => stop(new AbortedError('generation aborted by the caller'));
    if (signal?.aborted) onAbort();
    else signal?.addEventListener('abort', onAbort, { once: true });
  });
  const call = model.invoke(messages, { signal: controller.signal });
  call.catch(() => undefined);
  try {
    return await Promise.race([call, stopped]);
  } finally {
    clearTimeout(timer);
    if (onAbort !== undefined) signal?.removeEventListener('abort', onAbort);
  }
}

class AbortedError extends Error {
  override readonly name = 'AbortedError';
}

function callError(e: unknown, run: LlmRunProvenance, timeoutMs: number): LlmGenerationError {
  const who = `${run.provider} model ${run.model}`;
  if (e instanceof LlmTimeoutError) {
    return {
      kind: 'timeout',
      message: `${who} gave no answer within ${timeoutMs} ms (LLM_TIMEOUT)`,
    };
  }
  if (e instanceof AbortedError) return { kind: 'aborted', message: e.message };
  const message = e instanceof Error ? `${e.name}: ${e.message}` : String(e);
  return { kind: 'provider', message: `${who} failed: ${message}` };
}
