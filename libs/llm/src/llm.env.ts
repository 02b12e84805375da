import {
  type ConfigOf,
  defineEnv,
  duration,
  type EnvProblem,
  int,
  oneOf,
  type Option,
  optionalStr,
  str,
  url,
} from '@t2t/config';

/** Where Ollama listens when `LLM_BASE_URL` is not set (Ollama's own default). */
export const DEFAULT_OLLAMA_BASE_URL = 'http://127.0.0.1:11434';

export const LLM_PROVIDERS = ['none', 'openai', 'anthropic', 'ollama'] as const;
export type LlmProvider = (typeof LLM_PROVIDERS)[number];

/**
 * A decimal option built on `str`: libs/config has no decimal kind, and an option of our own would
 * have to throw libs/config's private error type to be reported with the other bad keys. The
 * pattern does the validation (so a bad value is reported by key, like every other option), the
 * conversion cannot fail after it.
 */
function decimal(spec: {
  key: string;
  doc: string;
  default: number;
  pattern: RegExp;
  patternHint: string;
}): Option<number> {
  const text = str({ ...spec, default: String(spec.default) });
  return { ...text, type: 'number', parse: (raw) => Number(text.parse(raw)) };
}

/** The LLM test generator's options (composed into the generator service's environment). */
export const llmEnv = defineEnv('llm', {
  provider: oneOf({
    key: 'LLM_PROVIDER',
    default: 'none',
    values: LLM_PROVIDERS,
    doc: '`none`: only the deterministic generator runs. `openai`: any OpenAI-compatible chat-completions endpoint (OpenAI, vLLM, llama.cpp server, LM Studio). `anthropic`: the Anthropic Messages API. `ollama`: an Ollama server.',
  }),
  baseUrl: url({
    key: 'LLM_BASE_URL',
    doc: `Server URL. \`openai\`: the OpenAI-compatible base URL including \`/v1\` (unset: api.openai.com); \`ollama\`: unset means \`${DEFAULT_OLLAMA_BASE_URL}\`; \`anthropic\`: a proxy in front of the API (unset: api.anthropic.com).`,
  }),
  apiKey: optionalStr({
    key: 'LLM_API_KEY',
    secret: true,
    doc: 'API key. Required for `anthropic`, and for `openai` without `LLM_BASE_URL`; local OpenAI-compatible servers usually need none. Never logged.',
  }),
  model: optionalStr({
    key: 'LLM_MODEL',
    doc: 'Model name as the provider knows it (`gpt-4o-mini`, `claude-sonnet-4-5`, `qwen2.5-coder:14b`, the name a llama.cpp/vLLM server was started with). Required unless the provider is `none`; recorded in every generated test’s provenance.',
  }),
  temperature: decimal({
    key: 'LLM_TEMPERATURE',
    default: 0,
    pattern: /^(?:[01](?:\.\d+)?|2(?:\.0+)?)$/,
    patternHint: 'must be a number from 0 to 2',
    doc: 'Sampling temperature, 0–2. 0 keeps answers as repeatable as the provider allows, which is what a test generator wants.',
  }),
  maxRepairRounds: int({
    key: 'LLM_MAX_REPAIR_ROUNDS',
    default: 2,
    min: 0,
    max: 10,
    unit: 'rounds',
    doc: 'How many times an answer with invalid specs is sent back with the validation errors before those specs are given up. Each round is one more model call.',
  }),
  timeoutMs: duration({
    key: 'LLM_TIMEOUT',
    default: 120_000,
    min: 1000,
    doc: 'Longest one model call may take, provider retries included; a call that takes longer is abandoned and the endpoint falls back to the deterministic generator.',
  }),
  maxTestsPerEndpoint: int({
    key: 'LLM_MAX_TESTS_PER_ENDPOINT',
    default: 8,
    min: 1,
    max: 50,
    unit: 'tests',
    doc: 'Most specs asked for, and kept, per endpoint; further specs in an answer are rejected as over the limit.',
  }),
  maxPromptTokens: int({
    key: 'LLM_MAX_PROMPT_TOKENS',
    default: 12_000,
    min: 6_000,
    unit: 'tokens',
    doc: 'Size cap of the prompt, estimated at 4 characters per token. Larger system models are cut deterministically (least busy behaviours’ traces first) with a note in the prompt. Keep it below the model’s context window minus room for the answer.',
  }),
});

export type LlmConfig = ConfigOf<typeof llmEnv>;

/**
 * Rules across the options, checked at boot (compose with the service's other checks) and again by
 * createChatModel. A key that the chosen provider ignores is refused rather than ignored: a model
 * name set next to `LLM_PROVIDER=none` means someone expected an LLM and would silently get none.
 */
export function llmEnvProblems(config: LlmConfig): EnvProblem[] {
  const problems: EnvProblem[] = [];
  const need = (key: string, value: string | undefined, why: string) => {
    if (value === undefined) problems.push({ key, problem: `is required ${why}` });
  };
  switch (config.provider) {
    case 'none':
      for (const [key, value] of [
        ['LLM_MODEL', config.model],
        ['LLM_BASE_URL', config.baseUrl],
        ['LLM_API_KEY', config.apiKey],
      ] as const) {
        if (value !== undefined) {
          problems.push({
            key,
            problem: 'is set while LLM_PROVIDER=none ignores it (set LLM_PROVIDER to use an LLM)',
          });
        }
      }
      break;
    case 'openai':
      need('LLM_MODEL', config.model, 'when LLM_PROVIDER=openai');
      if (config.baseUrl === undefined) {
        need('LLM_API_KEY', config.apiKey, 'for api.openai.com (LLM_BASE_URL is not set)');
      }
      break;
    case 'anthropic':
      need('LLM_MODEL', config.model, 'when LLM_PROVIDER=anthropic');
      need('LLM_API_KEY', config.apiKey, 'when LLM_PROVIDER=anthropic');
      break;
    case 'ollama':
      need('LLM_MODEL', config.model, 'when LLM_PROVIDER=ollama');
      break;
  }
  return problems;
}
