import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { registerInstrumentations } from '@opentelemetry/instrumentation';
import { HttpInstrumentation } from '@opentelemetry/instrumentation-http';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BatchSpanProcessor, type SpanProcessor } from '@opentelemetry/sdk-trace-base';
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import type { PotatoShopConfig } from './potato-shop.env';

/**
 * The OpenTelemetry Node SDK as a service sets it up: a NodeTracerProvider (AsyncLocalStorage
 * context, W3C trace context propagation) exporting in batches over OTLP/HTTP protobuf, and the
 * HTTP instrumentation for incoming and outgoing requests. Must run before `http` is loaded, so
 * the instrumentation can patch it (the main module imports the servers afterwards).
 */
export function startTracing(
  config: PotatoShopConfig,
  serviceName: string,
): { shutdown(): Promise<void> } {
  const spanProcessors: SpanProcessor[] =
    config.otlpTracesUrl === undefined
      ? []
      : [
          new BatchSpanProcessor(new OTLPTraceExporter({ url: config.otlpTracesUrl }), {
            scheduledDelayMillis: config.exportDelayMs,
          }),
        ];
  const provider = new NodeTracerProvider({
    resource: resourceFromAttributes({
      'service.name': serviceName,
      'service.version': config.serviceVersion,
      'deployment.environment.name': config.deploymentEnvironment,
    }),
    spanProcessors,
  });
  provider.register();
  registerInstrumentations({
    tracerProvider: provider,
    instrumentations: [
      new HttpInstrumentation({
        // Readiness probes are not traffic.
        ignoreIncomingRequestHook: (req) => req.url === '/health',
      }),
    ],
  });
  return { shutdown: () => provider.shutdown() };
}
