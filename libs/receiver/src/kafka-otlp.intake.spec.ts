import { Logger } from '@nestjs/common';
import type { MessageProducer, MessagingClient, SendRequest } from '@t2t/messaging';
import { makeResource, makeScope, makeTrace } from '@t2t/test-support';
import {
  DecodedRequests,
  decodeTraceRequestProto,
  encodeTraceRequestJson,
  encodeTraceRequestProto,
} from '@t2t/otlp';
import { KafkaOtlpIntake } from './kafka-otlp.intake';
import type { IntakeRequest } from './otlp-intake.port';

/** A producer whose sends wait until the test settles them. */
function stubProducer() {
  const sends: { record: SendRequest; settle(error?: Error): void }[] = [];
  const producer = {
    send: (record: SendRequest) =>
      new Promise((resolve, reject) => {
        sends.push({ record, settle: (error) => (error ? reject(error) : resolve([])) });
      }),
  } as unknown as MessageProducer;
  return { producer, sends };
}

const spans = makeTrace(makeResource('checkout'), makeScope());
const proto: IntakeRequest = {
  body: Buffer.from(encodeTraceRequestProto(spans)),
  encoding: 'otlp_proto',
  receivedAt: 1_767_225_600_123,
};

/** Lets the intake's awaits run. */
const tick = () => new Promise((r) => setImmediate(r));

describe(KafkaOtlpIntake.name, () => {
  // The broker-failure case logs a warning by design; keep the test output clean.
  beforeAll(() => Logger.overrideLogger(['error']));
  it('produces the body unchanged with its content type and receive time', async () => {
    const { producer, sends } = stubProducer();
    const sut = new KafkaOtlpIntake({ producer, topic: 'spans.in' });
    const json: IntakeRequest = {
      ...proto,
      body: Buffer.from(encodeTraceRequestJson(spans)),
      encoding: 'otlp_json',
    };
    const results = [sut.submit(proto), sut.submit(json)];
    await tick();
    sends.forEach((s) => s.settle());
    expect(await Promise.all(results)).toEqual([
      { kind: 'accepted', rejectedSpans: 0, acceptedSpans: 3 },
      { kind: 'accepted', rejectedSpans: 0, acceptedSpans: 3 },
    ]);
    const [a, b] = sends.map((s) => s.record);
    expect(a.topic).toBe('spans.in');
    expect(a.acks).toBe(-1);
    expect(a.messages[0].value).toBe(proto.body);
    expect(a.messages[0].headers).toEqual({ 'content-type': 'application/x-protobuf' });
    expect(a.messages[0].timestamp).toBe('1767225600123');
    expect(b.messages[0].headers).toEqual({ 'content-type': 'application/json' });
  });

  it('leaves the spans it decoded for the reader of the produced body, unless the send fails', async () => {
    const { producer, sends } = stubProducer();
    const decoded = new DecodedRequests(1000);
    const sut = new KafkaOtlpIntake({ producer, decoded });
    const accepted = sut.submit(proto);
    await tick();
    sends[0].settle();
    await accepted;
    const handed = decoded.take(sends[0].record.messages[0].value as Buffer);
    expect(handed?.map((s) => s.spanId)).toEqual(spans.map((s) => s.spanId));

    const failed = sut.submit({ ...proto, body: Buffer.from(proto.body) });
    await tick();
    sends[1].settle(new Error('broker down'));
    expect((await failed).kind).toBe('backpressure');
    expect(decoded.spans).toBe(0);
  });

  it('refuses bodies that do not decode, naming the fault', async () => {
    const { producer, sends } = stubProducer();
    const sut = new KafkaOtlpIntake({ producer });
    const result = await sut.submit({ ...proto, body: Buffer.from([0x0a, 0x05, 0x01]) });
    expect(result).toEqual({
      kind: 'invalid',
      message: expect.stringMatching(/^cannot decode the body as OTLP protobuf: .*byte/),
    });
    const json = await sut.submit({
      ...proto,
      encoding: 'otlp_json',
      body: Buffer.from('{"resourceSpans": 3}'),
    });
    expect(json).toEqual({
      kind: 'invalid',
      message: expect.stringContaining('cannot decode the body as OTLP JSON: resourceSpans'),
    });
    expect(sends).toHaveLength(0);
  });

  it('validates large bodies on its worker thread, with the same verdicts', async () => {
    const { producer, sends } = stubProducer();
    const sut = new KafkaOtlpIntake({ producer, offloadBytes: 0 });
    try {
      const accepted = sut.submit(proto);
      while (sends.length === 0) await new Promise((r) => setTimeout(r, 5));
      sends[0].settle();
      expect(await accepted).toEqual({ kind: 'accepted', rejectedSpans: 0, acceptedSpans: 3 });
      expect(sends[0].record.messages[0].value).toBe(proto.body);
      expect(await sut.submit({ ...proto, body: Buffer.from([0x0a, 0x05, 0x01]) })).toEqual({
        kind: 'invalid',
        message: expect.stringMatching(/^cannot decode the body as OTLP protobuf: .*byte/),
      });
      expect(sends).toHaveLength(1);
    } finally {
      await sut.onApplicationShutdown();
    }
  });

  it('produces large JSON bodies as protobuf, encoded on its thread, for a reader in this process', async () => {
    const json: IntakeRequest = {
      ...proto,
      body: Buffer.from(encodeTraceRequestJson(spans)),
      encoding: 'otlp_json',
    };
    const { producer, sends } = stubProducer();
    const sut = new KafkaOtlpIntake({ producer, offloadBytes: 0, transcodeLargeJson: true });
    const asIs = stubProducer();
    const plain = new KafkaOtlpIntake({ producer: asIs.producer, offloadBytes: 0 });
    try {
      const accepted = sut.submit(json);
      while (sends.length === 0) await new Promise((r) => setTimeout(r, 5));
      sends[0].settle();
      expect(await accepted).toEqual({ kind: 'accepted', rejectedSpans: 0, acceptedSpans: 3 });
      const record = sends[0].record.messages[0];
      expect(record.headers?.['content-type']).toBe('application/x-protobuf');
      expect(decodeTraceRequestProto(record.value as Buffer)).toEqual(spans);
      // Protobuf bodies stay as received; without the option JSON does too.
      const same = sut.submit(proto);
      while (sends.length === 1) await new Promise((r) => setTimeout(r, 5));
      sends[1].settle();
      await same;
      expect(sends[1].record.messages[0].value).toBe(proto.body);
      const kept = plain.submit(json);
      while (asIs.sends.length === 0) await new Promise((r) => setTimeout(r, 5));
      asIs.sends[0].settle();
      await kept;
      expect(asIs.sends[0].record.messages[0].value).toBe(json.body);
    } finally {
      await sut.onApplicationShutdown();
      await plain.onApplicationShutdown();
    }
  });

  it('accepts a request without spans without producing anything', async () => {
    const { producer, sends } = stubProducer();
    const sut = new KafkaOtlpIntake({ producer });
    expect(await sut.submit({ ...proto, body: Buffer.alloc(0) })).toEqual({
      kind: 'accepted',
      rejectedSpans: 0,
      acceptedSpans: 0,
    });
    expect(sends).toHaveLength(0);
  });

  it('refuses bodies above the message limit before decoding them', async () => {
    const { producer } = stubProducer();
    const sut = new KafkaOtlpIntake({ producer, maxMessageBytes: 100 });
    expect(await sut.submit(proto)).toEqual({
      kind: 'invalid',
      message: expect.stringContaining('exceeds the 100-byte limit'),
    });
  });

  it('answers backpressure when the queue of unacknowledged bytes is full', async () => {
    const { producer, sends } = stubProducer();
    const sut = new KafkaOtlpIntake({
      producer,
      maxQueuedBytes: proto.body.length * 2,
      retryAfterMs: 1500,
    });
    const first = sut.submit(proto);
    const second = sut.submit(proto);
    await tick();
    expect(await sut.submit(proto)).toEqual({
      kind: 'backpressure',
      retryAfterMs: 1500,
      cause: 'overloaded',
    });
    sends.forEach((s) => s.settle());
    await Promise.all([first, second]);
    const third = sut.submit(proto);
    await tick();
    sends[2].settle();
    expect((await third).kind).toBe('accepted');
  });

  it('answers backpressure while the records it produced in this process are unread past the bound', async () => {
    const { producer, sends } = stubProducer();
    let backlog = 0;
    const asked: string[] = [];
    const kafka = {
      producer: () =>
        Object.assign(producer, { connect: async () => undefined, onDisconnect: () => undefined }),
      backlogBytes: (topic: string) => {
        asked.push(topic);
        return backlog;
      },
    } as unknown as MessagingClient;
    const sut = new KafkaOtlpIntake({ kafka, topic: 'spans.in', maxBacklogBytes: 1000 });
    const first = sut.submit(proto);
    await tick();
    sends[0].settle();
    expect((await first).kind).toBe('accepted');
    // Ingest fell behind: 1001 bytes unread.
    backlog = 1001;
    expect(await sut.submit(proto)).toEqual({
      kind: 'backpressure',
      retryAfterMs: 1000,
      cause: 'overloaded',
    });
    expect(sends).toHaveLength(1);
    // Caught up: taken again.
    backlog = 1000;
    const again = sut.submit(proto);
    await tick();
    sends[1].settle();
    expect((await again).kind).toBe('accepted');
    expect(new Set(asked)).toEqual(new Set(['spans.in']));
  });

  it('takes a request larger than the queue bound when the queue is empty', async () => {
    const { producer, sends } = stubProducer();
    const sut = new KafkaOtlpIntake({ producer, maxQueuedBytes: 10 });
    const result = sut.submit(proto);
    await tick();
    sends[0].settle();
    expect((await result).kind).toBe('accepted');
  });

  it('answers backpressure after a failed send, at once for retryAfterMs', async () => {
    const { producer, sends } = stubProducer();
    const sut = new KafkaOtlpIntake({ producer, retryAfterMs: 300 });
    const failed = sut.submit(proto);
    await tick();
    sends[0].settle(new Error('Connection error: connect ECONNREFUSED'));
    expect(await failed).toEqual({ kind: 'backpressure', retryAfterMs: 300, cause: 'unavailable' });
    const meanwhile = await sut.submit(proto);
    expect(meanwhile).toMatchObject({ kind: 'backpressure', cause: 'unavailable' });
    expect(sends).toHaveLength(1);
    await new Promise((r) => setTimeout(r, 320));
    const later = sut.submit(proto);
    await tick();
    sends[1].settle();
    expect((await later).kind).toBe('accepted');
  });

  it('reports a record the broker refuses as too large as invalid, not as backpressure', async () => {
    const { producer, sends } = stubProducer();
    const sut = new KafkaOtlpIntake({ producer });
    const result = sut.submit(proto);
    await tick();
    // What kafkajs rejects with: the protocol error wrapped by its retrier.
    const protocol = Object.assign(
      new Error(
        'The request included a message larger than the max message size the server will accept',
      ),
      {
        type: 'MESSAGE_TOO_LARGE',
      },
    );
    sends[0].settle(Object.assign(new Error(protocol.message), { cause: protocol }));
    expect(await result).toEqual({
      kind: 'invalid',
      message: expect.stringContaining('too large for topic otlp_spans (MESSAGE_TOO_LARGE)'),
    });
    expect((await sut.submit({ ...proto, body: Buffer.alloc(0) })).kind).toBe('accepted');
  });

  it('waits for sends in flight on shutdown and refuses new requests', async () => {
    const { producer, sends } = stubProducer();
    const sut = new KafkaOtlpIntake({ producer });
    const inFlight = sut.submit(proto);
    await tick();
    let stopped = false;
    const stopping = sut.onApplicationShutdown().then(() => (stopped = true));
    expect(await sut.submit(proto)).toMatchObject({ kind: 'backpressure', cause: 'unavailable' });
    await tick();
    expect(stopped).toBe(false);
    sends[0].settle();
    await stopping;
    expect((await inFlight).kind).toBe('accepted');
  });

  it('needs exactly one of kafka and producer', () => {
    expect(() => new KafkaOtlpIntake({})).toThrow(/exactly one/);
  });
});
