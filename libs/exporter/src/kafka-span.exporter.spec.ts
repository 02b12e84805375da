import { context, trace } from '@opentelemetry/api';
import { type ExportResult, ExportResultCode } from '@opentelemetry/core';
import { ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer';
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  type ReadableSpan,
  SimpleSpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import type { MessageProducer, SendRequest } from '@t2t/messaging';
import { KafkaSpanExporter, KafkaSpanExportError } from './kafka-span.exporter';

/** Records what the exporter sends; `fail` makes the next sends reject, `gate` holds them. */
class RecordingProducer {
  sent: SendRequest[] = [];
  fail: Error | undefined;
  gate: Promise<void> = Promise.resolve();
  connects = 0;
  disconnects = 0;
  async connect() {
    this.connects++;
  }
  async disconnect() {
    this.disconnects++;
  }
  async send(record: SendRequest) {
    await this.gate;
    if (this.fail) throw this.fail;
    this.sent.push(record);
    return [];
  }
}

function finishedSpans(): ReadableSpan[] {
  const memory = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(memory)] });
  const tracer = provider.getTracer('spec');
  for (const name of ['a', 'b']) {
    const root = tracer.startSpan(`${name}-root`);
    const ctx = trace.setSpan(context.active(), root);
    tracer.startSpan(`${name}-child`, {}, ctx).end();
    root.end();
  }
  return memory.getFinishedSpans();
}

function exportOnce(sut: KafkaSpanExporter, spans: ReadableSpan[]): Promise<ExportResult> {
  return new Promise((resolve) => sut.export(spans, resolve));
}

describe(KafkaSpanExporter.name, () => {
  const spans = finishedSpans();

  it('sends one record per trace, keyed by trace id, with the request of just that trace', async () => {
    const producer = new RecordingProducer();
    const sut = new KafkaSpanExporter({
      producer: producer as unknown as MessageProducer,
      topic: 't',
    });
    // Interleave the traces: grouping must not depend on the spans arriving trace by trace.
    const mixed = [spans[0], spans[2], spans[1], spans[3]];
    expect(await exportOnce(sut, mixed)).toEqual({ code: ExportResultCode.SUCCESS });

    expect(producer.sent).toHaveLength(1);
    const { topic, messages, acks } = producer.sent[0];
    expect({ topic, acks }).toEqual({ topic: 't', acks: -1 });
    const traceIds = [...new Set(mixed.map((s) => s.spanContext().traceId))];
    expect(messages.map((m) => m.key)).toEqual(traceIds);
    for (const m of messages) {
      expect(m.key).toMatch(/^[0-9a-f]{32}$/);
      expect(m.headers).toEqual({ 'content-type': 'application/x-protobuf' });
      const own = mixed.filter((s) => s.spanContext().traceId === m.key);
      expect(
        Buffer.compare(m.value as Buffer, ProtobufTraceSerializer.serializeRequest(own)!),
      ).toBe(0);
    }
  });

  it('reports FAILED with the error and the loss instead of throwing', async () => {
    const producer = new RecordingProducer();
    producer.fail = new Error('broker gone');
    const sut = new KafkaSpanExporter({ producer: producer as unknown as MessageProducer });
    const result = await exportOnce(sut, spans);
    expect(result.code).toBe(ExportResultCode.FAILED);
    expect(result.error).toBeInstanceOf(KafkaSpanExportError);
    expect(result.error!.message).toBe(
      'could not export 4 span(s) of 2 trace(s) to Kafka topic otlp_spans: broker gone',
    );
  });

  it('runs concurrent exports, and shutdown waits for them before refusing more', async () => {
    const producer = new RecordingProducer();
    let release!: () => void;
    producer.gate = new Promise((r) => (release = r));
    const sut = new KafkaSpanExporter({ producer: producer as unknown as MessageProducer });
    const results: ExportResult[] = [];
    sut.export(spans.slice(0, 2), (r) => results.push(r));
    sut.export(spans.slice(2), (r) => results.push(r));
    const stopped = sut.shutdown();
    await Promise.resolve();
    expect(results).toEqual([]);
    release();
    await stopped;
    expect(results.map((r) => r.code)).toEqual([
      ExportResultCode.SUCCESS,
      ExportResultCode.SUCCESS,
    ]);
    expect(producer.sent).toHaveLength(2);
    // The caller owns an injected producer.
    expect(producer.disconnects).toBe(0);

    const late = await exportOnce(sut, spans);
    expect(late.code).toBe(ExportResultCode.FAILED);
    expect(late.error!.message).toContain('the exporter is shut down');
  });

  it('connects a producer it created once, retries after a failed connect, disconnects it on shutdown', async () => {
    const producer = new RecordingProducer();
    let failConnect = true;
    producer.connect = async () => {
      producer.connects++;
      if (failConnect) throw new Error('connection refused');
    };
    const kafka = { producer: () => producer };
    const sut = new KafkaSpanExporter({ kafka: kafka as never });
    expect((await exportOnce(sut, spans)).error!.message).toContain('connection refused');
    failConnect = false;
    const [a, b] = await Promise.all([exportOnce(sut, spans), exportOnce(sut, spans)]);
    expect([a.code, b.code]).toEqual([ExportResultCode.SUCCESS, ExportResultCode.SUCCESS]);
    expect(producer.connects).toBe(2);
    await sut.shutdown();
    await sut.shutdown();
    expect(producer.disconnects).toBe(1);
  });

  it('succeeds on an empty export without touching the broker', async () => {
    const producer = new RecordingProducer();
    const sut = new KafkaSpanExporter({ producer: producer as unknown as MessageProducer });
    expect((await exportOnce(sut, [])).code).toBe(ExportResultCode.SUCCESS);
    expect(producer.sent).toEqual([]);
  });

  it('refuses options it cannot honour', () => {
    const producer = new RecordingProducer() as unknown as MessageProducer;
    expect(() => new KafkaSpanExporter({})).toThrow('exactly one of `kafka` and `producer`');
    expect(() => new KafkaSpanExporter({ producer, topic: 'no spaces' })).toThrow(
      'not a valid Kafka topic name',
    );
    expect(() => new KafkaSpanExporter({ producer, encoding: 'xml' as never })).toThrow(
      'unknown encoding "xml"',
    );
  });
});
