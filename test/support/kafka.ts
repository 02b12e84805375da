import { randomBytes } from 'node:crypto';
import { type Admin, Kafka, logLevel } from 'kafkajs';

/** Address of the broker the integration run started (test/kafka/global-setup.ts). */
export function testBrokers(): string[] {
  const brokers = process.env.T2T_TEST_KAFKA_BROKERS;
  if (!brokers)
    throw new Error(
      'T2T_TEST_KAFKA_BROKERS is not set: run integration tests through jest (global setup starts the broker)',
    );
  return brokers.split(',');
}

/** A topic name no other test uses. */
export function uniqueTopic(prefix: string): string {
  return `${prefix}.${Date.now().toString(36)}.${randomBytes(3).toString('hex')}`;
}

export function testKafka(clientId = 'test'): Kafka {
  return new Kafka({
    clientId,
    brokers: testBrokers(),
    logLevel: logLevel.NOTHING,
    retry: { retries: 10, initialRetryTime: 100 },
  });
}

export async function createTopics(kafka: Kafka, topics: Record<string, number>): Promise<void> {
  const admin: Admin = kafka.admin();
  await admin.connect();
  try {
    await admin.createTopics({
      topics: Object.entries(topics).map(([topic, numPartitions]) => ({ topic, numPartitions })),
      waitForLeaders: true,
    });
  } finally {
    await admin.disconnect();
  }
}
