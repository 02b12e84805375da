import type { ModelTrace } from '@t2t/model';
import type { TriggerResponse } from '../trigger/http-trigger.sender';
import type { WaitReport } from '../wait/trace.waiter';

/** The runner API contract of libs/testgen's README (the emitted Jest files call exactly this). */
export interface RunSpecOptions {
  /** Base URL of the system under test; a clear error when undefined (the env var was not set). */
  baseUrl: string | undefined;
  /** Run a variant by name instead of the spec's own trigger (triggerFor(spec, variant)). */
  variant?: string;
  /** Overrides of fixture values and captures (`user.id` → '13376'); defaults: fixtureVariables(spec.setup). */
  variables?: Record<string, string>;
  /** Overall timeout, ms; the runner's per-endpoint wait for trace completion stays inside it. */
  timeoutMs?: number;
  /**
   * Base URLs of other services by trigger `service` (a journey whose steps enter through
   * different services); `baseUrl` serves every service not listed.
   */
  serviceUrls?: Record<string, string>;
}

/** One journey step as it ran. */
export interface StepRun {
  name: string;
  trace: ModelTrace;
  /** Values the step captured for later steps (`order.id` → '1042'). */
  captured: Record<string, string>;
  endpoint: string;
  /** The step's request attributes (its assertions are evaluated without them, as recorded). */
  request: Record<string, string>;
  traceId: string;
  response?: TriggerResponse;
  wait: WaitReport;
}

export interface SpecRun {
  specId: string;
  variant?: string;
  /** The trace of the spec's trigger, read back complete. */
  trace: ModelTrace;
  /** The request attributes sent (triggerFor(spec, variant).request): conditions read these. */
  request: Record<string, string>;
  /** Journey steps, in order: their traces and the values they captured. */
  steps: StepRun[];
  // Beyond the contract: what reports and stored executions need.
  endpoint: string;
  traceId: string;
  response?: TriggerResponse;
  wait: WaitReport;
  /** ISO time the run started, and how long it took (steps, trigger, waits). */
  startedAt: string;
  durationMs: number;
}
