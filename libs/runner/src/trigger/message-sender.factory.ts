import { createKafka, type KafkaConfig } from '@t2t/messaging';
import { KafkaMessageSender, type MessageSender } from './kafka-message.sender';

/** The Kafka sender of message triggers, built from `KAFKA_*`; loaded on first use only. */
export function messageSenderFor(config: KafkaConfig): MessageSender {
  return new KafkaMessageSender(createKafka(config, 'runner'));
}
