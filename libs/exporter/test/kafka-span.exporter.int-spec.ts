import { createServer } from 'node:net';
import { context, SpanKind, SpanStatusCode, trace, type Tracer } from '@opentelemetry/api';
import { type ExportResult, ExportResultCode } from '@opentelemetry/core';
import { JsonTraceSerializer, ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer';
import { resourceFromAttributes } from '@opentelemetry/resources';
import {
  BasicTracerProvider,
  BatchSpanProcessor,
  InMemorySpanExporter,
  SimpleSpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import { createKafkaClient } from '@t2t/messaging';
import { createTopics, testKafka, uniqueTopic, readTopic } from '@t2t/test-support';
import { groupByTrace, KafkaSpanExporter } from '@t2t/exporter';

/** A few request-shaped traces: server root, nested client/internal children, attributes, events. */
function recordTraces(tracer: Tracer, count: number): void {
  for (let i = 0; i < count; i++) {
    const root = tracer.startSpan(`POST /orders/${i}`, {
      kind: SpanKind.SERVER,
      attributes: { 'http.request.method': 'POST', 'http.route': '/orders/:id', 'order.items': i },
    });
    const rootCtx = trace.setSpan(context.active(), root);
    const db = tracer.startSpan(
      'INSERT orders',
      { kind: SpanKind.CLIENT, attributes: { 'db.system': 'postgresql', 'db.rows': [1, i] } },
      rootCtx,
    );
    const dbCtx = trace.setSpan(rootCtx, db);
    const pool = tracer.startSpan('pool.acquire', {}, dbCtx);
    pool.addEvent('waited', { 'pool.wait_ms': 3.5 });
    pool.end();
    db.end();
    if (i % 2 === 1) {
      const publish = tracer.startSpan('orders publish', { kind: SpanKind.PRODUCER }, rootCtx);
      publish.recordException(new Error('broker busy'));
      publish.setStatus({ code: SpanStatusCode.ERROR, message: 'retrying' });
      publish.end();
    }
    root.addEvent('order.accepted', { 'order.id': `o-${i}` });
    root.end();
  }
}

/** A port nothing listens on: bind one, then release it. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe(`${KafkaSpanExporter.name} against the real broker`, () => {
  const kafka = testKafka('exporter-test');

  it.each([
    ['otlp_proto', ProtobufTraceSerializer, 'application/x-protobuf'],
    ['otlp_json', JsonTraceSerializer, 'application/json'],
  ] as const)(
    'writes one %s record per trace, keyed by trace id, equal to the serializer output',
    async (encoding, serializer, contentType) => {
      const topic = uniqueTopic('exporter');
      await createTopics(kafka, { [topic]: 3 });
      const memory = new InMemorySpanExporter();
      const provider = new BasicTracerProvider({
        resource: resourceFromAttributes({ 'service.name': 'orders', 'service.version': '1.4.2' }),
        spanProcessors: [
          // A long delay: the spans leave in one export call, on forceFlush.
          new BatchSpanProcessor(new KafkaSpanExporter({ kafka, topic, encoding }), {
            scheduledDelayMillis: 60_000,
          }),
          new SimpleSpanProcessor(memory),
        ],
      });
      recordTraces(provider.getTracer('orders-api', '2.0.0'), 5);
      await provider.forceFlush();
      // Same span order as the batch processor saw (both processors get onEnd in turn).
      const byTrace = groupByTrace(memory.getFinishedSpans());
      await provider.shutdown();
      expect(byTrace.size).toBe(5);

      const records = await readTopic(kafka, topic);
      expect(records.map((r) => r.key!.toString()).sort()).toEqual([...byTrace.keys()].sort());
      for (const record of records) {
        const traceId = record.key!.toString();
        expect(traceId).toMatch(/^[0-9a-f]{32}$/);
        expect(record.headers!['content-type']!.toString()).toBe(contentType);
        const expected = Buffer.from(serializer.serializeRequest(byTrace.get(traceId)!)!);
        expect(record.value!.equals(expected)).toBe(true);
      }
    },
  );

  it('reports FAILED with the error when the broker is unreachable, and still shuts down', async () => {
    const memory = new InMemorySpanExporter();
    const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(memory)] });
    recordTraces(provider.getTracer('orders-api'), 2);
    const spans = memory.getFinishedSpans();

    const unreachable = createKafkaClient({
      clientId: 'exporter-down',
      brokers: [`127.0.0.1:${await closedPort()}`],
      logs: 'silent',
      connectionTimeoutMs: 300,
      retry: { retries: 1, initialRetryTimeMs: 50, maxRetryTimeMs: 200 },
    });
    const sut = new KafkaSpanExporter({ kafka: unreachable });
    const result = await new Promise<ExportResult>((resolve, reject) => {
      try {
        sut.export(spans, resolve);
      } catch (e) {
        reject(e instanceof Error ? e : new Error(String(e)));
      }
    });
    expect(result.code).toBe(ExportResultCode.FAILED);
    expect(result.error).toBeInstanceOf(Error);
    expect(result.error!.message).toMatch(
      new RegExp(`^could not export ${spans.length} span\\(s\\) of 2 trace\\(s\\) to Kafka topic`),
    );
    await expect(sut.shutdown()).resolves.toBeUndefined();
  });
});
