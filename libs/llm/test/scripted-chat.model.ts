import type { CallbackManagerForLLMRun } from '@langchain/core/callbacks/manager';
import type { BaseMessage } from '@langchain/core/messages';
import type { ChatResult } from '@langchain/core/outputs';
import { FakeListChatModel } from '@langchain/core/utils/testing';

/** One scripted answer: its text, or a provider failure, optionally late and with token usage. */
export type ScriptedTurn =
  | string
  | Error
  | {
      text: string;
      /** Waits this long, ignoring abort signals (as some providers do), before answering. */
      delayMs?: number;
      usage?: { input_tokens: number; output_tokens: number; total_tokens: number };
    };

/**
 * LangChain's FakeListChatModel, scripted per call and recording what it was sent: the generator
 * talks to it through the real BaseChatModel.invoke path, and tests assert on the real prompt.
 */
export class ScriptedChatModel extends FakeListChatModel {
  /** The messages of every call, in order. */
  readonly calls: BaseMessage[][] = [];

  constructor(private readonly turns: ScriptedTurn[]) {
    // FakeListChatModel answers its `responses` in order; error turns never reach it.
    super({
      responses: turns.flatMap((t) =>
        t instanceof Error ? [] : [typeof t === 'string' ? t : t.text],
      ),
    });
  }

  /** Text of message `index` of call `call` (0: system, 1: the generation request, …). */
  sent(call: number, index: number): string {
    return this.calls[call][index].text;
  }

  override async _generate(
    messages: BaseMessage[],
    options: this['ParsedCallOptions'],
    runManager?: CallbackManagerForLLMRun,
  ): Promise<ChatResult> {
    this.calls.push(messages);
    const turn = this.turns[this.calls.length - 1];
    if (turn === undefined) throw new Error(`script has no answer for call ${this.calls.length}`);
    if (turn instanceof Error) throw turn;
    if (typeof turn !== 'string' && turn.delayMs !== undefined) {
      await new Promise((resolve) => setTimeout(resolve, turn.delayMs));
    }
    const result = await super._generate(messages, options, runManager);
    if (typeof turn !== 'string' && turn.usage !== undefined) {
      const message = result.generations[0].message as { usage_metadata?: unknown };
      message.usage_metadata = turn.usage;
    }
    return result;
  }
}
