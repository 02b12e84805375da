/**
 * Real OpenTelemetry SDK spans for the codec tests and the benchmark, and what the domain model
 * should hold for each of them. The expectation is derived from the SDK objects here, not from the
 * codec, so a decoder bug cannot hide behind a matching encoder bug.
 */
import {
  ROOT_CONTEXT,
  SpanKind as SdkSpanKind,
  SpanStatusCode,
  TraceFlags,
  trace,
  type Attributes as SdkAttributes,
  type AttributeValue as SdkAttributeValue,
  type HrTime,
  type SpanContext,
} from '@opentelemetry/api';
import { TraceState } from '@opentelemetry/core';
import { resourceFromAttributes } from '@opentelemetry/resources';
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
  type ReadableSpan,
} from '@opentelemetry/sdk-trace-base';
import type { AnyValue, Attributes, Span } from '@t2t/domain';

/** One provider per resource, all exporting into one in-memory exporter. */
function recorder(resources: SdkAttributes[], schemaUrls: string[] = []) {
  const exporter = new InMemorySpanExporter();
  const providers = resources.map(
    (attrs, i) =>
      new BasicTracerProvider({
        resource: resourceFromAttributes(attrs, { schemaUrl: schemaUrls[i] }),
        spanProcessors: [new SimpleSpanProcessor(exporter)],
      }),
  );
  return { exporter, providers };
}

const REMOTE_PARENT: SpanContext = {
  traceId: '0af7651916cd43dd8448eb211c80319c',
  spanId: 'b7ad6b7169203331',
  traceFlags: TraceFlags.SAMPLED,
  isRemote: true,
  traceState: new TraceState('vendor1=abc,vendor2=x:y'),
};

const LINKED: SpanContext = {
  traceId: '4bf92f3577b34da6a3ce929d0e0e4736',
  spanId: '00f067aa0ba902b7',
  traceFlags: TraceFlags.NONE,
  isRemote: true,
  traceState: new TraceState('congo=t61rcWkgMzE'),
};

/**
 * Spans from two resources and three scopes (one with attributes and a schema URL), with every
 * attribute type the SDK supports, events, links with attributes, statuses with messages, trace
 * state, a remote parent, a local parent, and each span kind.
 */
export function recordRichSpans(): ReadableSpan[] {
  const { exporter, providers } = recorder(
    [
      { 'service.name': 'checkout', 'service.version': '1.4.2', 'host.cpu.count': 8 },
      { 'service.name': 'payments', 'deployment.environment': 'prod', 'feature.on': true },
    ],
    ['https://opentelemetry.io/schemas/1.24.0'],
  );
  const [checkout, payments] = providers;
  const http = checkout.getTracer('@t2t/http', '0.1.0', {
    schemaUrl: 'https://opentelemetry.io/schemas/1.21.0',
  });
  const db = checkout.getTracer('@t2t/db');
  const rpc = payments.getTracer('@t2t/rpc', '2.0.0');

  const parentCtx = trace.setSpanContext(ROOT_CONTEXT, REMOTE_PARENT);
  const server = http.startSpan(
    'GET /api/orders/{id}',
    {
      kind: SdkSpanKind.SERVER,
      startTime: [1_700_000_000, 123_456_789],
      attributes: {
        'http.method': 'GET',
        'http.status_code': 200,
        'http.ok': true,
        'http.duration_ratio': 0.25,
        'big.negative': -9_007_199_254_740_991,
        'str.array': ['a', '', 'ünïcødé 🚀'],
        'num.array': [1, 2.5, -3],
        'bool.array': [true, false],
        'empty.string': '',
      },
      links: [{ context: LINKED, attributes: { 'link.reason': 'retry', 'link.attempt': 2 } }],
    },
    parentCtx,
  );
  server.addEvent(
    'cache miss',
    { 'cache.key': 'order:42', 'cache.size': 1.5 },
    [1_700_000_000, 200_000_000],
  );
  server.addEvent('no attributes', [1_700_000_000, 300_000_001]);
  server.addLink({ context: { ...LINKED, spanId: '1111111111111111', isRemote: false } });
  server.setStatus({ code: SpanStatusCode.ERROR, message: 'upstream timed out' });

  const query = db.startSpan(
    'SELECT orders',
    { kind: SdkSpanKind.CLIENT, attributes: { 'db.system': 'postgresql' } },
    trace.setSpan(ROOT_CONTEXT, server),
  );
  query.setStatus({ code: SpanStatusCode.OK });
  query.end([1_700_000_001, 5]);
  server.end([1_700_000_002, 999_999_999]);

  for (const kind of [SdkSpanKind.INTERNAL, SdkSpanKind.PRODUCER, SdkSpanKind.CONSUMER]) {
    rpc.startSpan(`kind ${kind}`, { kind, startTime: [1_600_000_000, kind] }).end();
  }
  const spans = exporter.getFinishedSpans();
  // The SDK API has no way to give a tracer attributes; put some on the db scope the way a
  // ReadableSpan from another SDK could carry them (prototype kept, so spanContext() still works).
  const dbScope = {
    ...spans.find((s) => s.name === 'SELECT orders')!.instrumentationScope,
    attributes: { 'scope.flavour': 'sql', 'scope.level': 3 },
  };
  return spans.map((s) =>
    s.instrumentationScope.name === '@t2t/db'
      ? (Object.create(s, { instrumentationScope: { value: dbScope } }) as ReadableSpan)
      : s,
  );
}

const ROUTES = ['/api/orders/{id}', '/api/users/{id}', '/api/cart', '/api/checkout', '/health'];

/**
 * The benchmark's workload: `count` server spans with eight realistic attributes each, spread over
 * a few resources, as an instrumented HTTP service talking to a database would emit them.
 */
export function recordBenchSpans(count: number, resourceCount = 4): ReadableSpan[] {
  const { exporter, providers } = recorder(
    Array.from({ length: resourceCount }, (_, i) => ({
      'service.name': `service-${i}`,
      'service.version': '1.0.0',
      'host.name': `host-${i}.example.internal`,
      'telemetry.sdk.language': 'nodejs',
    })),
  );
  const tracers = providers.map((p) =>
    p.getTracer('@opentelemetry/instrumentation-http', '0.52.0'),
  );
  for (let i = 0; i < count; i++) {
    const route = ROUTES[i % ROUTES.length];
    tracers[i % tracers.length]
      .startSpan(`GET ${route}`, {
        kind: SdkSpanKind.SERVER,
        attributes: {
          'http.method': 'GET',
          'http.route': route,
          'http.status_code': i % 17 === 0 ? 500 : 200,
          url: `https://shop.example.com${route.replace('{id}', String(10_000 + i))}?page=${i % 7}`,
          'net.peer.name': `client-${i % 13}.example.net`,
          'db.system': 'postgresql',
          'db.statement': 'SELECT id, status, total FROM orders WHERE customer_id = $1 LIMIT 50',
          'http.cached': i % 3 === 0,
        },
      })
      .end();
  }
  return exporter.getFinishedSpans();
}

function hrTimeToNanos([seconds, nanos]: HrTime): bigint {
  return BigInt(seconds) * 1_000_000_000n + BigInt(nanos);
}

/** What OTLP carries for an SDK attribute value: JS integers travel as int64, others as double. */
function expectedValue(v: SdkAttributeValue | undefined | null): AnyValue {
  if (v === undefined || v === null) return null;
  if (Array.isArray(v)) return (v as Array<SdkAttributeValue | null>).map(expectedValue);
  if (typeof v === 'number') return Number.isInteger(v) ? BigInt(v) : v;
  return v;
}

function expectedAttributes(attrs: SdkAttributes | undefined): Attributes {
  const out = Object.create(null) as Attributes;
  for (const [k, v] of Object.entries(attrs ?? {})) out[k] = expectedValue(v);
  return out;
}

/** Bits 8 and 9 of OTLP span flags say whether the parent's remoteness is known and true. */
function expectedFlags(ctx: SpanContext | undefined, traceFlags: number): number {
  return (traceFlags & 0xff) | 0x100 | (ctx?.isRemote ? 0x200 : 0);
}

/** The domain span a correct decoder produces for this SDK span, field by field. */
export function expectedDomainSpan(s: ReadableSpan): Span {
  const ctx = s.spanContext();
  return {
    traceId: ctx.traceId,
    spanId: ctx.spanId,
    parentSpanId: s.parentSpanContext?.spanId ?? '',
    traceState: ctx.traceState?.serialize() ?? '',
    flags: expectedFlags(s.parentSpanContext, ctx.traceFlags),
    name: s.name,
    kind: s.kind + 1,
    startTimeUnixNano: hrTimeToNanos(s.startTime),
    endTimeUnixNano: hrTimeToNanos(s.endTime),
    attributes: expectedAttributes(s.attributes),
    droppedAttributesCount: s.droppedAttributesCount,
    events: s.events.map((e) => ({
      timeUnixNano: hrTimeToNanos(e.time),
      name: e.name,
      attributes: expectedAttributes(e.attributes),
      droppedAttributesCount: e.droppedAttributesCount ?? 0,
    })),
    droppedEventsCount: s.droppedEventsCount,
    links: s.links.map((l) => ({
      traceId: l.context.traceId,
      spanId: l.context.spanId,
      traceState: l.context.traceState?.serialize() ?? '',
      attributes: expectedAttributes(l.attributes),
      droppedAttributesCount: l.droppedAttributesCount ?? 0,
      flags: expectedFlags(l.context, l.context.traceFlags),
    })),
    droppedLinksCount: s.droppedLinksCount,
    status: { code: s.status.code as number, message: s.status.message ?? '' },
    resource: {
      attributes: expectedAttributes(s.resource.attributes),
      droppedAttributesCount: 0,
      schemaUrl: s.resource.schemaUrl ?? '',
    },
    scope: {
      name: s.instrumentationScope.name,
      version: s.instrumentationScope.version ?? '',
      attributes: expectedAttributes(
        (s.instrumentationScope as { attributes?: SdkAttributes }).attributes,
      ),
      droppedAttributesCount: 0,
      schemaUrl: s.instrumentationScope.schemaUrl ?? '',
    },
  };
}
