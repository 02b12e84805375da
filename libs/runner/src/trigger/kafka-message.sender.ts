import type { MessageProducer, MessagingClient } from '@t2t/messaging';
import type { MessageTrigger } from '@t2t/testgen';
import { TriggerError, UnsupportedTriggerError } from './trigger.errors';

/** Delivers message triggers; the headers carry the test's `traceparent`. */
export interface MessageSender {
  send(trigger: MessageTrigger, headers: Record<string, string>): Promise<void>;
  close(): Promise<void>;
}

/**
 * Message triggers on Kafka: one record on the trigger's topic, value = the JSON value (a string
 * value as is), key as given, the trigger's headers plus `traceparent` (OpenTelemetry's Kafka
 * instrumentations continue the trace from that header). Other messaging systems are refused
 * with a clear message: the runner has no client for them.
 */
export class KafkaMessageSender implements MessageSender {
  private producer: Promise<MessageProducer> | undefined;

  constructor(private readonly kafka: MessagingClient) {}

  async send(trigger: MessageTrigger, headers: Record<string, string>): Promise<void> {
    if (trigger.system.toLowerCase() !== 'kafka') {
      throw new UnsupportedTriggerError(
        `message triggers on ${trigger.system} are not supported (the runner produces to Kafka only): ` +
          `publish to ${trigger.topic} yourself with a W3C traceparent header, then check the trace with waitForTrace + expectTrace`,
      );
    }
    const producer = await this.connect();
    try {
      await producer.send({
        topic: trigger.topic,
        acks: -1,
        messages: [
          {
            key: trigger.key ?? null,
            value:
              typeof trigger.value === 'string' ? trigger.value : JSON.stringify(trigger.value),
            headers,
          },
        ],
      });
    } catch (e) {
      throw new TriggerError(`producing to ${trigger.topic} failed: ${(e as Error).message}`, {
        cause: e,
      });
    }
  }

  async close(): Promise<void> {
    const p = this.producer;
    this.producer = undefined;
    if (p) await (await p.catch(() => undefined))?.disconnect();
  }

  private connect(): Promise<MessageProducer> {
    if (this.producer === undefined) {
      const producer = this.kafka.producer();
      const connecting = producer.connect().then(() => producer);
      // A failed connect is not kept: the next trigger tries again.
      connecting.catch(() => (this.producer = undefined));
      this.producer = connecting.catch((e: Error) => {
        throw new TriggerError(`cannot connect to Kafka: ${e.message}`, { cause: e });
      });
    }
    return this.producer;
  }
}
