import type { ModelTrace } from '@t2t/model';
import type { Capture } from '@t2t/testgen';
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

/**
 * One trigger sent on its own (`sendTrigger`): what emitted Jest files call step by step, where
 * `runSpec` runs a whole spec at once.
 */
export interface SendTriggerOptions {
  /**
   * Endpoint key of the entry span the trigger reaches (`potato-shop|HTTP POST /orders`): the
   * runner waits as long as that endpoint's stored traces take.
   */
  endpoint: string;
  /** Base URL of the system under test; a clear error when undefined (the env var was not set). */
  baseUrl: string | undefined;
  /** Base URLs of other services by trigger `service`; `baseUrl` serves every service not listed. */
  serviceUrls?: Record<string, string>;
  /**
   * The request attributes the trigger carries, as the entry span records them: what a
   * conditional check reads first (`conditionHolds`).
   */
  request?: Record<string, string>;
  /** Values for `{{name}}` placeholders in the trigger (captured by an earlier trigger). */
  variables?: Record<string, string>;
  /** Values to take from this trigger's response or trace for later triggers. */
  captures?: Capture[];
  /** Longest the trigger and the wait for its trace may take, ms. Default T2T_RUNNER_TIMEOUT. */
  timeoutMs?: number;
}

/** A trigger as it ran: its complete trace, what it sent and answered, what it captured. */
export interface TriggerRun {
  trace: ModelTrace;
  traceId: string;
  endpoint: string;
  /** The request attributes given (`SendTriggerOptions.request`), for conditions. */
  request: Record<string, string>;
  /** Values captured for later triggers (`order.id` → '1042'). */
  captured: Record<string, string>;
  response?: TriggerResponse;
  wait: WaitReport;
  startedAt: string;
  durationMs: number;
}
