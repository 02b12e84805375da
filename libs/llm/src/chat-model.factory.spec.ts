import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ChatAnthropic } from '@langchain/anthropic';
import { ChatOllama } from '@langchain/ollama';
import { ChatOpenAI } from '@langchain/openai';
import { envTable, EnvValidationError } from '@t2t/config';
import { createChatModel, describeChatModel, PROVIDER_MAX_RETRIES } from './chat-model.factory';
import { llmEnv, llmEnvProblems } from './llm.env';

const parse = (env: Record<string, string>) => llmEnv.parse(env);

describe('llmEnv', () => {
  it('defaults to no LLM, temperature 0, two repair rounds', () => {
    const config = parse({});
    expect(config).toEqual({
      provider: 'none',
      baseUrl: undefined,
      apiKey: undefined,
      model: undefined,
      temperature: 0,
      maxRepairRounds: 2,
      timeoutMs: 120_000,
      maxTestsPerEndpoint: 8,
      maxPromptTokens: 12_000,
    });
    expect(llmEnvProblems(config)).toEqual([]);
  });

  it('parses every option and names each bad key', () => {
    expect(
      parse({
        LLM_PROVIDER: 'openai',
        LLM_TEMPERATURE: '0.2',
        LLM_TIMEOUT: '30s',
        LLM_MAX_REPAIR_ROUNDS: '0',
      }),
    ).toMatchObject({
      provider: 'openai',
      temperature: 0.2,
      timeoutMs: 30_000,
      maxRepairRounds: 0,
    });
    expect(() =>
      parse({
        LLM_PROVIDER: 'gpt',
        LLM_TEMPERATURE: '2.5',
        LLM_BASE_URL: 'localhost:8080',
        LLM_MAX_PROMPT_TOKENS: '100',
      }),
    ).toThrow(
      expect.objectContaining({
        problems: [
          { key: 'LLM_PROVIDER', problem: '"gpt" is not one of none, openai, anthropic, ollama' },
          {
            key: 'LLM_BASE_URL',
            problem: '"localhost:8080" must be an http:// or https:// URL',
          },
          { key: 'LLM_TEMPERATURE', problem: '"2.5" must be a number from 0 to 2' },
          { key: 'LLM_MAX_PROMPT_TOKENS', problem: '100 is below the minimum 6000' },
        ],
      }),
    );
  });

  it('keeps the README table in step with the declarations', () => {
    const readme = readFileSync(join(__dirname, '..', 'README.md'), 'utf8');
    expect(readme).toContain(envTable(llmEnv));
  });
});

describe(createChatModel.name, () => {
  it('builds nothing for LLM_PROVIDER=none, and refuses LLM keys next to it', () => {
    expect(createChatModel(parse({}))).toBeUndefined();
    expect(() => createChatModel(parse({ LLM_MODEL: 'gpt-4o-mini' }))).toThrow(
      'LLM_MODEL: is set while LLM_PROVIDER=none ignores it',
    );
  });

  it('names the missing keys: openai without LLM_MODEL or a key for api.openai.com', () => {
    let error: unknown;
    try {
      createChatModel(parse({ LLM_PROVIDER: 'openai' }));
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(EnvValidationError);
    expect((error as EnvValidationError).problems).toEqual([
      { key: 'LLM_MODEL', problem: 'is required when LLM_PROVIDER=openai' },
      { key: 'LLM_API_KEY', problem: 'is required for api.openai.com (LLM_BASE_URL is not set)' },
    ]);
    expect((error as Error).message).toMatch(/^invalid llm configuration:\n {2}- LLM_MODEL: /);
    expect(llmEnvProblems(parse({ LLM_PROVIDER: 'anthropic', LLM_MODEL: 'claude' }))).toEqual([
      { key: 'LLM_API_KEY', problem: 'is required when LLM_PROVIDER=anthropic' },
    ]);
    expect(llmEnvProblems(parse({ LLM_PROVIDER: 'ollama' }))).toEqual([
      { key: 'LLM_MODEL', problem: 'is required when LLM_PROVIDER=ollama' },
    ]);
  });

  it('builds ChatOpenAI for OpenAI and for a local OpenAI-compatible server without a key', () => {
    const openai = createChatModel(
      parse({ LLM_PROVIDER: 'openai', LLM_MODEL: 'gpt-4o-mini', LLM_API_KEY: 'sk-test' }),
    ) as ChatOpenAI;
    expect(openai).toBeInstanceOf(ChatOpenAI);
    expect(openai).toMatchObject({ model: 'gpt-4o-mini', temperature: 0, apiKey: 'sk-test' });

    const local = createChatModel(
      parse({
        LLM_PROVIDER: 'openai',
        LLM_MODEL: 'qwen2.5-coder-14b',
        LLM_BASE_URL: 'http://127.0.0.1:8080/v1',
        LLM_TEMPERATURE: '0.1',
        LLM_TIMEOUT: '45s',
      }),
    ) as ChatOpenAI;
    expect(local).toMatchObject({ model: 'qwen2.5-coder-14b', temperature: 0.1, timeout: 45_000 });
    expect((local as unknown as { clientConfig: { baseURL: string } }).clientConfig.baseURL).toBe(
      'http://127.0.0.1:8080/v1',
    );
    expect(describeChatModel(local)).toEqual({ provider: 'openai', name: 'qwen2.5-coder-14b' });
  });

  it('builds ChatAnthropic and ChatOllama (Ollama on its default address)', () => {
    const anthropic = createChatModel(
      parse({ LLM_PROVIDER: 'anthropic', LLM_MODEL: 'claude-sonnet-4-5', LLM_API_KEY: 'k' }),
    );
    expect(anthropic).toBeInstanceOf(ChatAnthropic);
    expect(describeChatModel(anthropic!)).toEqual({
      provider: 'anthropic',
      name: 'claude-sonnet-4-5',
    });

    const ollama = createChatModel(
      parse({ LLM_PROVIDER: 'ollama', LLM_MODEL: 'llama3.1:8b' }),
    ) as ChatOllama;
    expect(ollama).toBeInstanceOf(ChatOllama);
    expect(ollama).toMatchObject({ model: 'llama3.1:8b', baseUrl: 'http://127.0.0.1:11434' });
    expect((ollama.caller as unknown as { maxRetries: number }).maxRetries).toBe(
      PROVIDER_MAX_RETRIES,
    );
  });
});
