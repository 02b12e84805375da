import type { ModelTrace } from '@t2t/model';
import {
  type Capture,
  evaluateAssertions,
  fixtureVariables,
  requestMap,
  resolveTrigger,
  type TestSpec,
  type Trigger,
  triggerFor,
  UnresolvedPlaceholderError,
} from '@t2t/testgen';
import type { GrpcTriggerSender } from '../trigger/grpc-trigger.sender';
import { sendHttpTrigger, type TriggerResponse } from '../trigger/http-trigger.sender';
import type { MessageSender } from '../trigger/kafka-message.sender';
import { newTraceContext, type TestTraceContext } from '../trigger/trace-context';
import { CaptureError, RunSetupError, UnsupportedTriggerError } from '../trigger/trigger.errors';
import type { EndpointTimings, TraceSource } from '../wait/trace-source.port';
import { type Clock, systemClock, TraceWaiter, type WaitReport } from '../wait/trace.waiter';
import { DEFAULT_WAIT_OPTIONS, planWait, type WaitOptions } from '../wait/wait.plan';
import type {
  RunSpecOptions,
  SendTriggerOptions,
  SpecRun,
  StepRun,
  TriggerRun,
} from './spec-run.model';

/** What a runner reads traces from and sends triggers with. */
export interface SpecRunnerDeps {
  traces: TraceSource;
  /** Learned per-endpoint durations; without it every wait uses the floors. */
  timings?: EndpointTimings;
  /** For message triggers; without it they fail with a clear message. */
  messages?: MessageSender;
  /** For gRPC triggers (given the service's .proto files); without it they fail with a clear message. */
  grpc?: GrpcTriggerSender;
  wait?: Partial<WaitOptions>;
  fetch?: typeof fetch;
  clock?: Clock;
  newContext?: () => TestTraceContext;
}

interface Sent {
  trace: ModelTrace;
  traceId: string;
  response?: TriggerResponse;
  wait: WaitReport;
}

/**
 * Runs specs against a live system: for each journey step, then the spec's (or a variant's)
 * trigger, resolve placeholders (fixture values, overridden by `variables`, then by captures),
 * send with a fresh `traceparent`, and wait until the trace is complete in storage. Evaluation is
 * separate (`expectTrace`, `evaluateRun`), so a run can be inspected, stored and evaluated later.
 */
export class SpecRunner {
  readonly waitOptions: WaitOptions;
  private readonly waiter: TraceWaiter;
  private readonly clock: Clock;

  constructor(private readonly deps: SpecRunnerDeps) {
    this.waitOptions = { ...DEFAULT_WAIT_OPTIONS, ...deps.wait };
    this.clock = deps.clock ?? systemClock;
    this.waiter = new TraceWaiter(deps.traces, this.clock);
  }

  async run(spec: TestSpec, options: RunSpecOptions): Promise<SpecRun> {
    const startedAt = this.clock.now();
    const deadline = startedAt + (options.timeoutMs ?? this.waitOptions.timeoutMs);
    let chosen: ReturnType<typeof triggerFor>;
    try {
      chosen = triggerFor(spec, options.variant);
    } catch (e) {
      throw new RunSetupError((e as Error).message);
    }
    const vars: Record<string, string> = {
      ...fixtureVariables(spec.setup),
      ...options.variables,
    };
    const steps: StepRun[] = [];
    for (const [i, step] of (spec.before ?? []).entries()) {
      const what = `journey step ${i + 1} "${step.name}"`;
      const sent = await this.execute(step.trigger, step.endpoint, vars, deadline, options, what);
      const captured = captureValues(step.captures, sent, what);
      Object.assign(vars, captured);
      steps.push({
        name: step.name,
        endpoint: step.endpoint,
        request: requestMap(step.request),
        captured,
        ...sent,
      });
    }
    const what = options.variant === undefined ? 'trigger' : `variant "${options.variant}"`;
    const sent = await this.execute(chosen.trigger, spec.endpoint, vars, deadline, options, what);
    // Conditions read what was sent: an overridden fixture value is what the system saw.
    const request = Object.fromEntries(
      Object.entries(chosen.request).map(([k, v]) => [k, options.variables?.[k] ?? v]),
    );
    return {
      specId: spec.id,
      ...(options.variant === undefined ? {} : { variant: options.variant }),
      trace: sent.trace,
      request,
      steps,
      endpoint: spec.endpoint,
      traceId: sent.traceId,
      ...(sent.response === undefined ? {} : { response: sent.response }),
      wait: sent.wait,
      startedAt: new Date(startedAt).toISOString(),
      durationMs: this.clock.now() - startedAt,
    };
  }

  /**
   * Sends one trigger and waits for its trace, as `run` does for each step of a spec: placeholders
   * filled from `variables`, a fresh `traceparent`, the endpoint's learned wait, then the captures
   * taken. The step-by-step form emitted Jest files use, so each request and what its trace must
   * show read one after the other.
   */
  async trigger(trigger: Trigger, options: SendTriggerOptions): Promise<TriggerRun> {
    const startedAt = this.clock.now();
    const deadline = startedAt + (options.timeoutMs ?? this.waitOptions.timeoutMs);
    const what = `trigger of ${options.endpoint}`;
    const sent = await this.execute(
      trigger,
      options.endpoint,
      options.variables ?? {},
      deadline,
      {
        baseUrl: options.baseUrl,
        ...(options.serviceUrls === undefined ? {} : { serviceUrls: options.serviceUrls }),
      },
      what,
    );
    return {
      trace: sent.trace,
      traceId: sent.traceId,
      endpoint: options.endpoint,
      request: { ...options.request },
      captured: captureValues(options.captures ?? [], sent, what),
      ...(sent.response === undefined ? {} : { response: sent.response }),
      wait: sent.wait,
      startedAt: new Date(startedAt).toISOString(),
      durationMs: this.clock.now() - startedAt,
    };
  }

  /**
   * Waits for a trace the caller started itself (a gRPC call, a message on a system the runner
   * has no client for): send `traceparent` from `newTraceContext()`, then wait with its ids.
   */
  async waitForTrace(
    traceId: string,
    options: {
      endpoint: string;
      rootParentSpanId?: string;
      timeoutMs?: number;
      startedAt?: number;
    },
  ): Promise<{ trace: ModelTrace; wait: WaitReport }> {
    const startedAt = options.startedAt ?? this.clock.now();
    const remaining =
      (options.timeoutMs ?? this.waitOptions.timeoutMs) - (this.clock.now() - startedAt);
    const plan = planWait(
      options.endpoint,
      await this.p95(options.endpoint),
      this.waitOptions,
      remaining,
    );
    const { trace, report } = await this.waiter.waitFor(traceId, plan, {
      startedAt,
      ...(options.rootParentSpanId === undefined
        ? {}
        : { rootParentSpanId: options.rootParentSpanId }),
    });
    return { trace, wait: report };
  }

  async close(): Promise<void> {
    await this.deps.messages?.close();
  }

  private async execute(
    trigger: Trigger,
    endpoint: string,
    vars: Readonly<Record<string, string>>,
    deadline: number,
    options: RunSpecOptions,
    what: string,
  ): Promise<Sent> {
    let resolved: Trigger;
    try {
      resolved = resolveTrigger(trigger, vars);
    } catch (e) {
      if (e instanceof UnresolvedPlaceholderError) {
        throw new RunSetupError(`${what}: ${e.message} (pass them as variables)`);
      }
      throw e;
    }
    const ctx = (this.deps.newContext ?? newTraceContext)();
    const sentAt = this.clock.now();
    const response = await this.send(resolved, ctx, deadline - sentAt, options, what);
    const plan = planWait(endpoint, await this.p95(endpoint), this.waitOptions, deadline - sentAt);
    const { trace, report } = await this.waiter.waitFor(ctx.traceId, plan, {
      rootParentSpanId: ctx.parentSpanId,
      startedAt: sentAt,
    });
    return {
      trace,
      traceId: ctx.traceId,
      ...(response === undefined ? {} : { response }),
      wait: report,
    };
  }

  private async send(
    trigger: Trigger,
    ctx: TestTraceContext,
    remainingMs: number,
    options: RunSpecOptions,
    what: string,
  ): Promise<TriggerResponse | undefined> {
    switch (trigger.type) {
      case 'http': {
        const baseUrl = options.serviceUrls?.[trigger.service] ?? options.baseUrl;
        if (baseUrl === undefined || baseUrl === '') {
          throw new RunSetupError(
            `${what}: no base URL for service ${trigger.service}: pass baseUrl (emitted Jest files read it from T2T_TARGET_URL; the CLI from --target)`,
          );
        }
        if (!/^https?:\/\/[^/]/i.test(baseUrl)) {
          throw new RunSetupError(
            `${what}: base URL ${JSON.stringify(baseUrl)} is not an http(s) URL`,
          );
        }
        return sendHttpTrigger(trigger, baseUrl, ctx.traceparent, {
          timeoutMs: remainingMs,
          ...(this.deps.fetch === undefined ? {} : { fetch: this.deps.fetch }),
        });
      }
      case 'message': {
        if (this.deps.messages === undefined) {
          throw new UnsupportedTriggerError(
            `${what}: a message trigger (${trigger.system} topic ${trigger.topic}) needs a Kafka client: set KAFKA_BROKERS (or configureRunner({ messages }))`,
          );
        }
        await this.deps.messages.send(trigger, {
          ...trigger.headers,
          traceparent: ctx.traceparent,
        });
        return undefined;
      }
      case 'grpc': {
        if (this.deps.grpc === undefined) {
          throw new UnsupportedTriggerError(
            `${what}: a gRPC trigger (${trigger.grpcService}/${trigger.method}) needs the service's .proto files to encode its message: set T2T_RUNNER_PROTO (the CLI: --proto), or call it with your own client, passing \`traceparent\` from newTraceContext() as metadata, then waitForTrace(traceId, { endpoint }) and expectTrace(trace).toSatisfy(spec).`,
          );
        }
        const target = options.serviceUrls?.[trigger.service] ?? options.baseUrl;
        if (target === undefined || target === '') {
          throw new RunSetupError(
            `${what}: no address for service ${trigger.service}: pass baseUrl or serviceUrls (grpc://host:port, grpcs://host:port)`,
          );
        }
        return this.deps.grpc.send(trigger, target, ctx.traceparent, { timeoutMs: remainingMs });
      }
    }
  }

  private async p95(endpoint: string): Promise<number | undefined> {
    // Timings only shape the wait: without them (no table yet, storage hiccup) the floors apply.
    return this.deps.timings?.p95Ms(endpoint).catch(() => undefined);
  }
}

/** The values a journey step yields for later steps, or a CaptureError naming what is missing. */
function captureValues(
  captures: readonly Capture[],
  sent: Sent,
  what: string,
): Record<string, string> {
  const out: Record<string, string> = {};
  for (const c of captures) {
    const value = c.from === 'response' ? fromResponse(c, sent.response) : fromSpan(c, sent.trace);
    if (value === undefined) {
      const assumed = c.observed
        ? ''
        : ' This binding was assumed, not observed (traces do not record bodies): check what the endpoint answers.';
      const where =
        c.from === 'response'
          ? `the response (status ${sent.response?.status ?? 'none'}) has no scalar field ${JSON.stringify(c.path ?? '')}; body: ${(sent.response?.text ?? '').slice(0, 200)}`
          : `no span matching the capture's selector carries ${JSON.stringify(c.attribute ?? '')} in trace ${sent.traceId}`;
      throw new CaptureError(`${what} did not yield ${c.name}: ${where}.${assumed}`);
    }
    out[c.name] = value;
  }
  return out;
}

function fromResponse(c: Capture, response: TriggerResponse | undefined): string | undefined {
  let node: unknown = response?.json;
  for (const part of (c.path ?? '').split('.').filter((p) => p !== '')) {
    if (typeof node !== 'object' || node === null) return undefined;
    node = (node as Record<string, unknown>)[part];
  }
  if (typeof node === 'string') return node;
  if (typeof node === 'number' || typeof node === 'boolean') return String(node);
  return undefined;
}

function fromSpan(c: Capture, trace: ModelTrace): string | undefined {
  if (c.attribute === undefined) return undefined;
  // The evaluator's own selector semantics pick the span (first in start order).
  const [found] = evaluateAssertions(
    [{ id: 'capture', kind: 'exists', description: c.name, select: c.select ?? {} }],
    trace,
    undefined,
    '$.capture',
  );
  for (const ref of found?.passed ? found.spans : []) {
    const value = trace.spans.find((s) => s.spanId === ref.spanId)?.attributes[c.attribute];
    if (value !== undefined) return value;
  }
  return undefined;
}
