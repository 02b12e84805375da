import type { MessageTrigger } from '@t2t/testgen';
import { KafkaMessageSender, UnsupportedTriggerError } from '@t2t/runner';
import { createTopics, readTopic, testKafka, uniqueTopic } from '@t2t/test-support';

describe(KafkaMessageSender.name, () => {
  const kafka = testKafka('runner-test');
  const sut = new KafkaMessageSender(kafka);
  afterAll(() => sut.close());

  it('produces a message trigger with the test’s traceparent header, for the consumer to continue', async () => {
    const topic = uniqueTopic('orders');
    await createTopics(kafka, { [topic]: 1 });
    const trigger: MessageTrigger = {
      type: 'message',
      system: 'kafka',
      topic,
      key: 'order-7',
      value: { order: { id: 7 } },
      headers: { 'content-type': 'application/json' },
    };
    const traceparent = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';
    await sut.send(trigger, { ...trigger.headers, traceparent });
    const [m] = await readTopic(kafka, topic);
    expect(m.key?.toString()).toBe('order-7');
    expect(JSON.parse(m.value!.toString())).toEqual({ order: { id: 7 } });
    expect(m.headers?.traceparent?.toString()).toBe(traceparent);
    expect(m.headers?.['content-type']?.toString()).toBe('application/json');
  });

  it('refuses other messaging systems with what to do instead', async () => {
    const trigger: MessageTrigger = {
      type: 'message',
      system: 'rabbitmq',
      topic: 'orders',
      value: {},
      headers: {},
    };
    await expect(sut.send(trigger, {})).rejects.toThrow(UnsupportedTriggerError);
    await expect(sut.send(trigger, {})).rejects.toThrow(/publish to orders yourself/);
  });

  it('a missing topic is a clear trigger error', async () => {
    const trigger: MessageTrigger = {
      type: 'message',
      system: 'kafka',
      topic: uniqueTopic('missing'),
      value: 'x',
      headers: {},
    };
    await expect(sut.send(trigger, {})).rejects.toThrow(/producing to missing\..* failed/);
  }, 60_000);
});
