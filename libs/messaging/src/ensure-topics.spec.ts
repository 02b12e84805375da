import { ensureTopics } from './ensure-topics';
import { isRetriableKafkaError } from './kafka/kafka.errors';
import type { MessagingAdmin } from './port/messaging.port';

/** What kafkajs throws for a broker error code (KafkaJSProtocolError), as far as we read it. */
const protocolError = (type: string, retriable: boolean) =>
  Object.assign(new Error(`broker said ${type}`), {
    name: 'KafkaJSProtocolError',
    type,
    retriable,
  });

describe(isRetriableKafkaError.name, () => {
  it('tells "not now" from "no"', () => {
    expect(isRetriableKafkaError(protocolError('COORDINATOR_LOAD_IN_PROGRESS', true))).toBe(true);
    // kafkajs marks this one not retriable, but right after a topic is created it only means "not yet".
    expect(isRetriableKafkaError(protocolError('UNKNOWN_TOPIC_OR_PARTITION', false))).toBe(true);
    expect(
      isRetriableKafkaError(
        Object.assign(new Error('gave up'), {
          name: 'KafkaJSNumberOfRetriesExceeded',
          cause: protocolError('LEADER_NOT_AVAILABLE', true),
        }),
      ),
    ).toBe(true);
    expect(isRetriableKafkaError(protocolError('TOPIC_AUTHORIZATION_FAILED', false))).toBe(false);
    expect(isRetriableKafkaError(new Error('boom'))).toBe(false);
    expect(isRetriableKafkaError(undefined)).toBe(false);
  });
});

describe(ensureTopics.name, () => {
  it('retries a topic the broker does not know yet, then creates it once', async () => {
    let created = 0;
    let metadataCalls = 0;
    const topics = new Set<string>();
    const admin = {
      listTopics: async () => [...topics],
      createTopics: async (t: { topic: string }[]) => {
        created++;
        // A loaded broker: the creation times out waiting for leaders the first time.
        if (created === 1) throw protocolError('UNKNOWN_TOPIC_OR_PARTITION', false);
        for (const x of t) topics.add(x.topic);
        return true;
      },
      fetchTopicMetadata: async (names: string[]) => {
        metadataCalls++;
        return names.map((name) => ({ name, partitions: [{ partitionId: 0, leader: 1 }] }));
      },
    } as unknown as MessagingAdmin;
    const result = await ensureTopics(admin, [{ topic: 'orders', partitions: 1 }]);
    expect(result).toEqual({ created: ['orders'], short: [] });
    expect(created).toBe(2);
    expect(metadataCalls).toBeGreaterThan(0);
  });

  it('does not retry a refusal', async () => {
    const admin = {
      listTopics: async () => [],
      createTopics: async () => {
        throw protocolError('TOPIC_AUTHORIZATION_FAILED', false);
      },
    } as unknown as MessagingAdmin;
    await expect(ensureTopics(admin, [{ topic: 'orders', partitions: 1 }])).rejects.toThrow(
      'broker said TOPIC_AUTHORIZATION_FAILED',
    );
  });
});
