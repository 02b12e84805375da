import { randomBytes } from 'node:crypto';
import { createServer } from 'node:net';
import { gzipSync } from 'node:zlib';
import { type ConsumedMessage, createKafkaClient, kafkaEnv } from '@t2t/messaging';
import { encodeTraceRequestJson, encodeTraceRequestProto } from '@t2t/otlp';
import { KafkaOtlpIntake, kafkaIntakeEnv } from '@t2t/receiver';
import {
  createTopics,
  makeResource,
  makeScope,
  makeSpan,
  makeTrace,
  readTopic,
  testBrokers,
  testKafka,
  uniqueTopic,
} from '@t2t/test-support';
import { type ExporterProcess, startExporterProcess } from './otlp-exporter.process';
import { expectSameSpans, type RunningReceiver, startReceiver } from './receiver.harness';

const PROTO = 'application/x-protobuf';

function headerOf(m: ConsumedMessage, key: string): string | undefined {
  const v = m.headers?.[key];
  return v === undefined ? undefined : String(Array.isArray(v) ? v[0] : v);
}

/** A port nothing listens on: a broker that is down. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const { port } = server.address() as { port: number };
  await new Promise((r) => server.close(r));
  return port;
}

describe('KafkaOtlpIntake behind the receiver, against the broker', () => {
  const kafka = testKafka('receiver-test');
  const topic = uniqueTopic('otlp_spans');
  let receiver: RunningReceiver;
  let exporter: ExporterProcess;

  beforeAll(async () => {
    await createTopics(kafka, { [topic]: 3 });
    const kafkaConfig = kafkaEnv.parse({ KAFKA_BROKERS: testBrokers().join(',') });
    const intakeConfig = kafkaIntakeEnv.parse({ OTLP_HTTP_KAFKA_TOPIC: topic });
    [receiver, exporter] = await Promise.all([
      startReceiver(
        // As a service wires it: a factory, so Nest runs the intake's lifecycle hooks.
        { useFactory: () => KafkaOtlpIntake.fromConfig(kafkaConfig, intakeConfig) },
      ),
      startExporterProcess(),
    ]);
  });
  afterAll(async () => {
    await exporter?.stop();
    await receiver?.close();
  });

  it('lands each request on the topic byte for byte, with its content type', async () => {
    const spans = makeTrace(makeResource('checkout'), makeScope());
    const proto = Buffer.from(encodeTraceRequestProto(spans));
    const json = Buffer.from(encodeTraceRequestJson(spans));
    const before = Date.now();
    const a = await fetch(receiver.url, {
      method: 'POST',
      headers: { 'content-type': PROTO, 'content-encoding': 'gzip' },
      body: gzipSync(proto),
    });
    const b = await fetch(receiver.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: json,
    });
    expect([a.status, b.status]).toEqual([200, 200]);

    const records = await readTopic(kafka, topic);
    expect(records).toHaveLength(2);
    const byType = new Map(records.map((m) => [headerOf(m, 'content-type'), m]));
    expect(byType.get(PROTO)!.value!.equals(proto)).toBe(true);
    expect(byType.get('application/json')!.value!.equals(json)).toBe(true);
    for (const m of records) {
      expect(Number(m.timestamp)).toBeGreaterThanOrEqual(before - 1000);
      expect(Number(m.timestamp)).toBeLessThanOrEqual(Date.now());
    }
  });

  it('lands what the OpenTelemetry exporter sent, decodable by ingest', async () => {
    const t = uniqueTopic('otlp_spans');
    await createTopics(kafka, { [t]: 1 });
    const own = await startReceiver({
      useFactory: () => new KafkaOtlpIntake({ kafka: testKafka('receiver-test'), topic: t }),
    });
    try {
      const report = await exporter.export({
        protocol: 'proto',
        compression: 'gzip',
        url: own.url,
        spans: 12,
      });
      expect(report.code).toBe('success');
      const [record] = await readTopic(kafka, t);
      expect(headerOf(record, 'content-type')).toBe(PROTO);
      expectSameSpans({ body: record.value!, encoding: 'otlp_proto', receivedAt: 0 }, report.spans);
    } finally {
      await own.close();
    }
  });

  it('refuses a body that does not decode with 400 and produces nothing', async () => {
    const t = uniqueTopic('otlp_spans');
    await createTopics(kafka, { [t]: 1 });
    const own = await startReceiver({
      useFactory: () => new KafkaOtlpIntake({ kafka: testKafka('receiver-test'), topic: t }),
    });
    try {
      const res = await fetch(own.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: '{"resourceSpans":[{"scopeSpans":[{"spans":[{"traceId":42}]}]}]}',
      });
      expect(res.status).toBe(400);
      expect(((await res.json()) as { message: string }).message).toMatch(
        /^cannot decode the body as OTLP JSON: resourceSpans\[0\]\.scopeSpans\[0\]\.spans\[0\]\.traceId/,
      );
      expect(await readTopic(kafka, t)).toHaveLength(0);
    } finally {
      await own.close();
    }
  });

  it('answers 400 when the broker refuses the record as too large for the topic', async () => {
    const t = uniqueTopic('otlp_spans');
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics([
      { topic: t, partitions: 1, configs: { 'max.message.bytes': '32768' } },
    ]);
    await admin.disconnect();
    const own = await startReceiver({
      useFactory: () => new KafkaOtlpIntake({ kafka: testKafka('receiver-test'), topic: t }),
    });
    try {
      // Random bytes do not compress: the gzip record batch stays above the topic's limit.
      const resource = makeResource('checkout');
      const span = makeSpan({ resource, scope: makeScope() });
      span.attributes['blob'] = new Uint8Array(randomBytes(100 * 1024));
      const res = await fetch(own.url, {
        method: 'POST',
        headers: { 'content-type': PROTO },
        body: Buffer.from(encodeTraceRequestProto([span])),
      });
      expect(res.status).toBe(400);
      expect(res.headers.get('retry-after')).toBeNull();
      // A protobuf google.rpc.Status: the message is its UTF-8 string field.
      expect(Buffer.from(await res.arrayBuffer()).toString()).toMatch(
        /too large for topic .+ \((MESSAGE_TOO_LARGE|RECORD_LIST_TOO_LARGE)\): send smaller batches/,
      );
    } finally {
      await own.close();
    }
  });

  it('answers 503 with Retry-After while the broker is unreachable', async () => {
    const down = createKafkaClient({
      clientId: 'receiver-test',
      brokers: [`127.0.0.1:${await closedPort()}`],
      logs: 'silent',
      retry: { retries: 0, initialRetryTimeMs: 50 },
    });
    const own = await startReceiver(
      { useFactory: () => new KafkaOtlpIntake({ kafka: down, retryAfterMs: 2000 }) },
      { OTLP_HTTP_INTAKE_TIMEOUT: '10s' },
    );
    try {
      const body = Buffer.from(encodeTraceRequestProto(makeTrace(makeResource('a'), makeScope())));
      const send = () =>
        fetch(own.url, { method: 'POST', headers: { 'content-type': PROTO }, body });
      const first = await send();
      expect(first.status).toBe(503);
      expect(first.headers.get('retry-after')).toBe('2');
      // Within the retry-after window the hint is what is left of it.
      const second = await send();
      expect(second.status).toBe(503);
      expect(['1', '2']).toContain(second.headers.get('retry-after'));
    } finally {
      await own.close();
    }
  });
});
