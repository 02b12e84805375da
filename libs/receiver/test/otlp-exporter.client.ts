/**
 * A plain Node process that exports spans with the real OpenTelemetry JS OTLP exporters, driven by
 * the receiver tests over IPC (see otlp-exporter.process.ts).
 *
 * Why a separate process: the exporters load `http` with a dynamic `import()`, which Jest's
 * CommonJS sandbox refuses without --experimental-vm-modules. A child process also runs them
 * exactly as an instrumented service does.
 */
import {
  context,
  diag,
  type DiagLogger,
  DiagLogLevel,
  type HrTime,
  SpanKind,
  SpanStatusCode,
  trace,
} from '@opentelemetry/api';
import { type ExportResult, ExportResultCode } from '@opentelemetry/core';
import { OTLPTraceExporter as GrpcTraceExporter } from '@opentelemetry/exporter-trace-otlp-grpc';
import { OTLPTraceExporter as JsonTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { OTLPTraceExporter as ProtoTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { resourceFromAttributes } from '@opentelemetry/resources';
import {
  BasicTracerProvider,
  BatchSpanProcessor,
  type ReadableSpan,
  type SpanExporter,
} from '@opentelemetry/sdk-trace-base';

export interface ExportCommand {
  id: number;
  /** exporter-trace-otlp-proto, exporter-trace-otlp-http (JSON) or exporter-trace-otlp-grpc. */
  protocol: 'proto' | 'json' | 'grpc';
  compression: 'gzip' | 'none';
  /** The traces URL for OTLP/HTTP; `http://host:port` for gRPC. */
  url: string;
  /** Spans to record and export in one request (at least 2: a server span and its children). */
  spans: number;
  /** Bytes of filler per span, to make large requests. */
  padding?: number;
  timeoutMillis?: number;
}

export interface SentSpan {
  traceId: string;
  spanId: string;
  parentSpanId: string;
  name: string;
  kind: number;
  attributes: Record<string, unknown>;
}

export interface ExportReport {
  id: number;
  code: 'success' | 'failed';
  error?: string;
  /** HTTP status of a non-retryable failure, as the exporter reports it. */
  httpStatus?: number;
  /** gRPC status code of a failure, for the gRPC exporter. */
  grpcCode?: number;
  /** What the exporter logged through the diag API (partial success, retries). */
  diag: { level: string; message: string }[];
  spans: SentSpan[];
  ms: number;
}

const logs: ExportReport['diag'] = [];
const record =
  (level: string) =>
  (message: string, ...args: unknown[]) =>
    logs.push({ level, message: [message, ...args.map((a) => String(a))].join(' ') });
const logger: DiagLogger = {
  error: record('error'),
  warn: record('warn'),
  info: record('info'),
  // Debug lines dump every span; the retry messages the tests look for are verbose.
  debug: () => undefined,
  verbose: record('verbose'),
};
diag.setLogger(logger, { logLevel: DiagLogLevel.ALL, suppressOverrideMessage: true });

/** Passes one export through and keeps its result, which a span processor would swallow. */
class ResultRecorder implements SpanExporter {
  result: ExportResult | undefined;
  constructor(private readonly inner: SpanExporter) {}
  export(spans: ReadableSpan[], done: (r: ExportResult) => void): void {
    this.inner.export(spans, (r) => {
      this.result = r;
      done(r);
    });
  }
  shutdown(): Promise<void> {
    return this.inner.shutdown();
  }
  forceFlush(): Promise<void> {
    return this.inner.forceFlush?.() ?? Promise.resolve();
  }
}

async function run(cmd: ExportCommand): Promise<ExportReport> {
  logs.length = 0;
  const t0 = Date.now();
  const config = {
    url: cmd.url,
    compression: cmd.compression as never,
    timeoutMillis: cmd.timeoutMillis ?? 10_000,
  };
  const exporter =
    cmd.protocol === 'proto'
      ? new ProtoTraceExporter(config)
      : cmd.protocol === 'grpc'
        ? new GrpcTraceExporter(config)
        : new JsonTraceExporter(config);
  const recorder = new ResultRecorder(exporter);
  const sent: ReadableSpan[] = [];
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes({ 'service.name': 'checkout', 'service.version': '1.4.2' }),
    spanProcessors: [
      {
        onStart: () => undefined,
        onEnd: (s) => sent.push(s),
        forceFlush: async () => undefined,
        shutdown: async () => undefined,
      },
      // One export of every span at flush, as an SDK's batch processor sends them.
      new BatchSpanProcessor(recorder, {
        maxExportBatchSize: 100_000,
        maxQueueSize: 100_000,
        scheduledDelayMillis: 600_000,
        exportTimeoutMillis: 60_000,
      }),
    ],
  });
  const tracer = provider.getTracer('@t2t/receiver-test', '0.1.0');
  const start: HrTime = [1_767_225_600, 0];
  const root = tracer.startSpan('GET /orders/{id}', {
    kind: SpanKind.SERVER,
    startTime: start,
    attributes: {
      'http.request.method': 'GET',
      'http.route': '/orders/{id}',
      'http.response.status_code': 200,
      'client.ratio': 0.25,
      'feature.on': true,
      'order.tags': ['a', 'b'],
    },
  });
  const parent = root.spanContext();
  const ctx = trace.setSpanContext(context.active(), parent);
  for (let i = 1; i < cmd.spans; i++) {
    const child = tracer.startSpan(
      `SELECT orders ${i}`,
      {
        kind: SpanKind.CLIENT,
        startTime: [start[0], i * 1000],
        attributes: {
          'db.system': 'postgresql',
          'db.statement': `SELECT * FROM orders WHERE id = $1 /* ${i} */`,
          'db.rows': i,
          ...(cmd.padding ? { padding: 'x'.repeat(cmd.padding) } : {}),
        },
      },
      ctx,
    );
    child.setStatus({ code: i % 2 ? SpanStatusCode.OK : SpanStatusCode.ERROR });
    child.end([start[0], i * 1000 + 500]);
  }
  root.end([start[0] + 1, 0]);
  // A failed export rejects the flush; the recorder has the result.
  await provider.forceFlush().catch(() => undefined);
  await provider.shutdown().catch(() => undefined);
  const result = recorder.result;
  const error = result?.error;
  // OTLPExporterError carries the HTTP status as `code`; grpc-js's ServiceError the gRPC status.
  const code = error && 'code' in error && typeof error.code === 'number' ? error.code : undefined;
  return {
    id: cmd.id,
    code: result?.code === ExportResultCode.SUCCESS ? 'success' : 'failed',
    error: error ? `${error.name}: ${error.message}` : undefined,
    httpStatus: cmd.protocol === 'grpc' ? undefined : code,
    grpcCode: cmd.protocol === 'grpc' ? code : undefined,
    diag: [...logs],
    spans: sent.map((s) => ({
      traceId: s.spanContext().traceId,
      spanId: s.spanContext().spanId,
      parentSpanId: s.parentSpanContext?.spanId ?? '',
      name: s.name,
      kind: s.kind,
      attributes: { ...s.attributes },
    })),
    ms: Date.now() - t0,
  };
}

process.on('message', (cmd: ExportCommand) => {
  run(cmd).then(
    (report) => process.send!(report),
    (e: unknown) =>
      process.send!({
        id: cmd.id,
        code: 'failed',
        error: `client crashed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`,
        diag: [...logs],
        spans: [],
        ms: 0,
      } satisfies ExportReport),
  );
});
process.on('disconnect', () => process.exit(0));
process.send!({ ready: true });
