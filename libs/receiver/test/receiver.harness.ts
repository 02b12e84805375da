import { Test, type TestingModule } from '@nestjs/testing';
import type { AnyValue } from '@t2t/domain';
import { MetricsRegistry, PlatformModule } from '@t2t/platform';
import {
  grpcReceiverEnv,
  type IntakeRequest,
  type IntakeResult,
  type OtlpIntake,
  type OtlpIntakeProvider,
  OtlpGrpcReceiverService,
  OtlpReceiverModule,
  OtlpReceiverService,
  receiverEnv,
  validateOtlpPayload,
} from '@t2t/receiver';
import { tenantEnv } from '@t2t/wire';
import type { SentSpan } from './otlp-exporter.process';

type Answer = IntakeResult | ((r: IntakeRequest) => Promise<IntakeResult>);

/**
 * The test double of the intake port: records every request and answers from a script, or by
 * default as the Kafka intake would (decode with libs/otlp: accepted, or invalid with the reason).
 */
export class RecordingIntake implements OtlpIntake {
  readonly requests: IntakeRequest[] = [];
  private readonly script: Answer[] = [];

  /** Answers for the next requests, in order. */
  answer(...answers: Answer[]): this {
    this.script.push(...answers);
    return this;
  }

  reset(): void {
    this.requests.length = 0;
    this.script.length = 0;
  }

  async submit(request: IntakeRequest): Promise<IntakeResult> {
    this.requests.push(request);
    const next = this.script.shift();
    if (next) return typeof next === 'function' ? next(request) : next;
    const check = validateOtlpPayload(request);
    return check.ok
      ? { kind: 'accepted', rejectedSpans: 0, acceptedSpans: check.spans.length }
      : { kind: 'invalid', message: check.message };
  }
}

export interface RunningReceiver {
  url: string;
  port: number;
  /** `127.0.0.1:<port>` of the OTLP/gRPC receiver, when `OTLP_GRPC_ENABLED=true` was given. */
  grpcAddress: string | undefined;
  metrics: MetricsRegistry;
  module: TestingModule;
  close(): Promise<void>;
}

/**
 * The receiver module as a service wires it (with PlatformModule for metrics), on a free port.
 * `intake` is an instance or a provider (a factory gets its lifecycle hooks run, as in a service).
 * The OTLP/gRPC receiver runs too (on a free port) when `env` has `OTLP_GRPC_ENABLED=true`;
 * `TENANT_HEADER` in `env` names the tenant header.
 */
export async function startReceiver(
  intake: OtlpIntake | OtlpIntakeProvider,
  env: Record<string, string> = {},
): Promise<RunningReceiver> {
  const config = receiverEnv.parse({ OTLP_HTTP_HOST: '127.0.0.1', OTLP_HTTP_PORT: '0', ...env });
  const grpc = grpcReceiverEnv.parse({
    OTLP_GRPC_ENABLED: 'false',
    OTLP_GRPC_HOST: '127.0.0.1',
    OTLP_GRPC_PORT: '0',
    ...env,
  });
  const module = await Test.createTestingModule({
    imports: [
      PlatformModule.forRoot('receiver-test'),
      OtlpReceiverModule.forRoot(
        config,
        'submit' in intake ? { useValue: intake } : intake,
        grpc,
        tenantEnv.parse(env),
      ),
    ],
  }).compile();
  await module.init();
  const port = module.get(OtlpReceiverService).address()!.port;
  const grpcPort = grpc.enabled ? module.get(OtlpGrpcReceiverService).address()!.port : undefined;
  return {
    url: `http://127.0.0.1:${port}/v1/traces`,
    port,
    grpcAddress: grpcPort === undefined ? undefined : `127.0.0.1:${grpcPort}`,
    metrics: module.get(MetricsRegistry),
    module,
    close: () => module.close(),
  };
}

/** The value of one Prometheus sample, 0 when absent. */
export async function metric(registry: MetricsRegistry, series: string): Promise<number> {
  const text = await registry.text();
  const line = text.split('\n').find((l) => l.startsWith(series + ' '));
  return line ? Number(line.slice(series.length + 1)) : 0;
}

function plain(v: AnyValue): unknown {
  if (typeof v === 'bigint') return Number(v);
  if (Array.isArray(v)) return v.map(plain);
  return v;
}

/** Decodes a request body with libs/otlp and checks it holds exactly the spans the SDK recorded. */
export function expectSameSpans(request: IntakeRequest, sent: SentSpan[]): void {
  const check = validateOtlpPayload(request);
  if (!check.ok) throw new Error(check.message);
  const got = check.spans.map((s) => ({
    traceId: s.traceId,
    spanId: s.spanId,
    parentSpanId: s.parentSpanId,
    name: s.name,
    kind: s.kind,
    attributes: Object.fromEntries(Object.entries(s.attributes).map(([k, v]) => [k, plain(v)])),
  }));
  // The API numbers span kinds from INTERNAL = 0, OTLP from UNSPECIFIED = 0.
  const want = sent.map((s) => ({ ...s, kind: s.kind + 1 }));
  const bySpanId = (a: { spanId: string }, b: { spanId: string }) =>
    a.spanId.localeCompare(b.spanId);
  expect(got.sort(bySpanId)).toEqual(want.sort(bySpanId));
  for (const s of check.spans) expect(s.resource.attributes['service.name']).toBe('checkout');
}
