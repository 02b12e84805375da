import { spanEndpoint } from '@t2t/fingerprint';
import type { ModelTrace } from '@t2t/model';
import { type SpanRepository, type TestRepository, toModelSpan } from '@t2t/storage';
import { type TestSpec, validateTestSpec } from '@t2t/testgen';
import type { RunEvaluation } from '../run/run.evaluation';
import type { EntrySpanRepository } from './entry-span.repository';
import { type ApplyReason, groupOf, judgeTrace, type TraceJudgement } from './spec.applicability';
import { fingerprintOf } from './trace.fingerprint';

export interface VerifyOptions {
  /** Traces that started in [fromNs, toNs), Unix ns. */
  fromNs: bigint;
  toNs: bigint;
  /** Only these endpoints' tests (default: every endpoint with a test). */
  endpoints?: readonly string[];
  /** Newest traces per endpoint that are evaluated. */
  maxTracesPerEndpoint: number;
  /**
   * The model's behaviours (fingerprints) per endpoint, to tell a trace of a new structure from one
   * of a known behaviour; default: the behaviours the specs cover.
   */
  knownBehaviours?: ReadonlyMap<string, ReadonlySet<string>>;
  /** Keep every trace's judgement in the result (for JSON Lines output). Default false. */
  keepJudgements?: boolean;
}

export interface TraceFailure {
  traceId: string;
  reason: ApplyReason;
  evaluation: RunEvaluation;
}

export interface VerifiedTest {
  spec: TestSpec;
  /** `skipped`: no stored trace of the period applied to it. */
  status: 'passed' | 'failed' | 'skipped';
  /** Traces it was evaluated on. */
  traces: number;
  failed: TraceFailure[];
  /** How the traces were matched to it, counted. */
  reasons: Partial<Record<ApplyReason, number>>;
}

export interface VerifyResult {
  fromNs: bigint;
  toNs: bigint;
  tests: VerifiedTest[];
  /** Traces read and evaluated. */
  traces: number;
  /** Per endpoint, traces no behaviour or journey spec applied to (their request fits none). */
  uncovered: { endpoint: string; traces: number; exampleTraceId: string }[];
  /**
   * Per endpoint and kind, traces whose structure no selected test accepts: a structure the model
   * does not know (`unknown-behaviour`), or a known behaviour on the wrong arm of its rules.
   */
  findings: {
    endpoint: string;
    finding: 'unknown-behaviour' | 'other-behaviour';
    traces: number;
    exampleTraceId: string;
  }[];
  /** Every trace's judgement, when asked for (VerifyOptions.keepJudgements). */
  judgements?: TraceJudgement[];
  durationMs: number;
}

/** Trace ids per span query: one query reads a chunk of traces with all their spans. */
const TRACES_PER_QUERY = 500;

/**
 * Continuous verification: evaluates tests against the production traces stored for their
 * endpoints in a period, with the same evaluator as live runs (without a request: conditions read
 * the trace). Which tests judge which trace: `judgeTrace`. Reads are bounded: roots of the
 * endpoints' services in the period (newest first, capped per endpoint), then the spans of the
 * chosen traces in chunks.
 */
export class StoredTraceVerifier {
  constructor(
    private readonly deps: {
      spans: SpanRepository;
      roots: EntrySpanRepository;
      tests?: TestRepository;
    },
  ) {}

  /** The current verified tests in storage (their latest versions), for `verify`. */
  async storedSpecs(
    endpoints?: readonly string[],
  ): Promise<{ specs: TestSpec[]; problems: string[] }> {
    const repo = this.deps.tests;
    if (repo === undefined) throw new Error('StoredTraceVerifier: no TestRepository given');
    const specs: TestSpec[] = [];
    const problems: string[] = [];
    const pageSize = 500;
    let after: { endpoint: string; testId: string } | undefined;
    for (;;) {
      const page = await repo.currentTests({
        limit: pageSize,
        verdict: 'verified',
        ...(after === undefined ? {} : { after }),
        ...(endpoints === undefined || endpoints.length === 0 ? {} : { endpoints: [...endpoints] }),
      });
      for (const t of page) {
        let json: unknown;
        try {
          json = JSON.parse(t.spec);
        } catch (e) {
          problems.push(`test ${t.testId}: stored spec is not JSON (${(e as Error).message})`);
          continue;
        }
        const check = validateTestSpec(json);
        if (check.ok) specs.push(check.spec);
        else problems.push(`test ${t.testId}: stored spec is not valid: ${check.errors[0]}`);
      }
      if (page.length < pageSize) break;
      const last = page[page.length - 1];
      after = { endpoint: last.endpoint, testId: last.testId };
    }
    return { specs, problems };
  }

  async verify(specs: readonly TestSpec[], options: VerifyOptions): Promise<VerifyResult> {
    const started = Date.now();
    const wanted =
      options.endpoints === undefined || options.endpoints.length === 0
        ? undefined
        : new Set(options.endpoints);
    const byEndpoint = new Map<string, TestSpec[]>();
    for (const spec of specs) {
      if (wanted !== undefined && !wanted.has(spec.endpoint)) continue;
      byEndpoint.set(spec.endpoint, [...(byEndpoint.get(spec.endpoint) ?? []), spec]);
    }
    const tests = new Map<string, VerifiedTest>();
    for (const list of byEndpoint.values()) {
      for (const spec of list) {
        tests.set(spec.id, { spec, status: 'skipped', traces: 0, failed: [], reasons: {} });
      }
    }

    const known = new Map<string, ReadonlySet<string>>();
    for (const [endpoint, list] of byEndpoint) {
      known.set(
        endpoint,
        options.knownBehaviours?.get(endpoint) ??
          new Set(
            list
              .filter((s) => groupOf(s) !== 'rule')
              .map((s) => s.covers.behaviour)
              .filter((f): f is string => f !== undefined),
          ),
      );
    }
    const picked = await this.tracesOf([...byEndpoint.keys()], options);
    const traceIds = [...picked.keys()];
    const uncovered = new Map<string, { traces: number; exampleTraceId: string }>();
    const findings = new Map<string, VerifyResult['findings'][number]>();
    const judgements: TraceJudgement[] = [];
    let evaluated = 0;
    for (let i = 0; i < traceIds.length; i += TRACES_PER_QUERY) {
      for (const trace of await this.read(traceIds.slice(i, i + TRACES_PER_QUERY))) {
        // Clustering's own endpoint and fingerprint when it recorded them (its endpoint rules
        // decided them); else computed here as clustering computes them by default.
        const { endpoint, hash } = picked.get(trace.traceId) ?? fingerprintOf(trace);
        const candidates = byEndpoint.get(endpoint);
        if (candidates === undefined) continue;
        evaluated++;
        const judgement = judgeTrace(
          candidates,
          trace,
          { endpoint, fingerprint: hash },
          known.get(endpoint)!,
        );
        if (options.keepJudgements === true) judgements.push(judgement);
        for (const finding of judgement.findings) {
          if (finding === 'uncovered') {
            const u = uncovered.get(endpoint) ?? { traces: 0, exampleTraceId: trace.traceId };
            u.traces++;
            uncovered.set(endpoint, u);
            continue;
          }
          const key = `${endpoint}\u0000${finding}`;
          const f = findings.get(key) ?? {
            endpoint,
            finding,
            traces: 0,
            exampleTraceId: trace.traceId,
          };
          f.traces++;
          findings.set(key, f);
        }
        for (const { spec, reason, evaluation } of judgement.verdicts) {
          const t = tests.get(spec.id)!;
          t.traces++;
          t.reasons[reason] = (t.reasons[reason] ?? 0) + 1;
          if (!evaluation.passed) t.failed.push({ traceId: trace.traceId, reason, evaluation });
        }
      }
    }
    for (const t of tests.values()) {
      t.status = t.traces === 0 ? 'skipped' : t.failed.length > 0 ? 'failed' : 'passed';
    }
    return {
      fromNs: options.fromNs,
      toNs: options.toNs,
      tests: [...tests.values()],
      traces: evaluated,
      uncovered: [...uncovered.entries()]
        .map(([endpoint, u]) => ({ endpoint, ...u }))
        .sort((a, b) => (a.endpoint < b.endpoint ? -1 : 1)),
      findings: [...findings.values()].sort(
        (a, b) =>
          (a.endpoint < b.endpoint ? -1 : a.endpoint > b.endpoint ? 1 : 0) ||
          (a.finding < b.finding ? -1 : 1),
      ),
      ...(options.keepJudgements === true ? { judgements } : {}),
      durationMs: Date.now() - started,
    };
  }

  /**
   * The endpoints' stored traces in the period, newest first, capped per endpoint: those clustering
   * recorded (with their endpoint and fingerprint: a trace behind a gateway is keyed by its API),
   * then, for endpoints it recorded fewer of, traces found by their root span (not yet clustered,
   * or membership off), whose identity is computed here.
   */
  private async tracesOf(
    endpoints: readonly string[],
    options: VerifyOptions,
  ): Promise<Map<string, { endpoint: string; hash: string } | undefined>> {
    const out = new Map<string, { endpoint: string; hash: string } | undefined>();
    if (endpoints.length === 0) return out;
    const taken = new Map<string, number>();
    for (const m of await this.deps.roots.findMembers({
      endpoints,
      fromNs: options.fromNs,
      toNs: options.toNs,
      perEndpoint: options.maxTracesPerEndpoint,
    })) {
      out.set(m.traceId, { endpoint: m.endpoint, hash: m.fingerprint });
      taken.set(m.endpoint, (taken.get(m.endpoint) ?? 0) + 1);
    }
    for (const id of await this.unclusteredTracesOf(endpoints, options, taken)) {
      if (!out.has(id)) out.set(id, undefined);
    }
    return out;
  }

  /** Trace ids by their root span, after the `taken` ones per endpoint. */
  private async unclusteredTracesOf(
    endpoints: readonly string[],
    options: VerifyOptions,
    taken: Map<string, number>,
  ): Promise<string[]> {
    const wanted = new Set(
      endpoints.filter((e) => (taken.get(e) ?? 0) < options.maxTracesPerEndpoint),
    );
    if (wanted.size === 0) return [];
    const services = [...new Set([...wanted].map((e) => e.slice(0, e.indexOf('|'))))];
    const rows = await this.deps.roots.findRoots({
      services,
      // Gateways and proxies: their roots name no API; the trace read in full does.
      throughGateways: true,
      fromNs: options.fromNs,
      toNs: options.toNs,
      // Span names may not separate endpoints (`POST` for every route): read more, cap below.
      perName: options.maxTracesPerEndpoint * 4,
    });
    const ids: string[] = [];
    let gatewayTraces = 0;
    for (const r of rows) {
      const own = spanEndpoint({
        name: r.name,
        kind: r.kind,
        serviceName: r.service,
        parentSpanId: '',
        attributes: r.attributes,
      });
      if (own?.lookThrough !== undefined) {
        // Its API is known once the trace is read; bounded like one endpoint's share.
        if (gatewayTraces++ < options.maxTracesPerEndpoint * wanted.size) ids.push(r.traceId);
        continue;
      }
      const endpoint = own?.key;
      if (endpoint === undefined || !wanted.has(endpoint)) continue;
      const n = taken.get(endpoint) ?? 0;
      if (n >= options.maxTracesPerEndpoint) continue;
      taken.set(endpoint, n + 1);
      ids.push(r.traceId);
    }
    return ids;
  }

  private async read(ids: readonly string[]): Promise<ModelTrace[]> {
    const traces = new Map<string, ModelTrace>();
    for (const row of await this.deps.spans.findByTraceIds(ids)) {
      let t = traces.get(row.TraceId);
      if (t === undefined) {
        t = { traceId: row.TraceId, spans: [] };
        traces.set(row.TraceId, t);
      }
      t.spans.push(toModelSpan(row));
    }
    return ids.map((id) => traces.get(id)).filter((t): t is ModelTrace => t !== undefined);
  }
}
