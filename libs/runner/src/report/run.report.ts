import type { TestExecution } from '@t2t/storage';
import type { AssertionResult } from '@t2t/testgen';
import type { ExecutionOutcome, SuiteResult } from '../suite/suite.runner';
import { formatMs } from '../wait/wait.plan';
import type { JUnitSuite } from './junit.report';

const MARK = { passed: '✓', failed: '✗', error: '!' } as const;

function title(o: ExecutionOutcome): string {
  return `${o.spec.name}${o.variant === undefined ? '' : ` — variant ${o.variant}`}`;
}

function indent(text: string, by = '    '): string {
  return text
    .split('\n')
    .map((l) => (l === '' ? l : by + l))
    .join('\n');
}

/**
 * One run for the console: a line with the verdict, the spec, how long and the trace; for a
 * failure the formatted assertion results (expected, found, spans involved), for an error its
 * reason.
 */
export function formatOutcome(o: ExecutionOutcome): string {
  const trace = o.traceId === '' ? '' : `, trace ${o.traceId}`;
  const head = `${MARK[o.status]} ${title(o)} [${o.spec.id}] (${formatMs(o.durationMs)}${trace})`;
  const performance =
    o.performance === undefined
      ? ''
      : o.performance.passed
        ? '\n  performance: within its bounds'
        : `\n  performance: over a bound (reported apart; the functional result stands)\n${indent(o.performance.report, '    ')}`;
  if (o.status === 'passed') return head + performance;
  if (o.status === 'error') return `${head}\n${indent(`${o.error!.name}: ${o.error!.message}`)}`;
  return `${head}\n${indent(o.evaluation!.report)}${performance}`;
}

export function formatSuiteSummary(r: SuiteResult): string {
  const specs = new Set(r.outcomes.map((o) => o.spec.id)).size;
  const performance =
    r.performance.checked === 0
      ? ''
      : `; performance profile: ${r.performance.checked - r.performance.over} of ${r.performance.checked} within bounds`;
  return `${r.outcomes.length} run(s) of ${specs} spec(s): ${r.passed} passed, ${r.failed} failed, ${r.errors} error(s) in ${formatMs(r.durationMs)}${performance}`;
}

function failed(results: readonly AssertionResult[]): AssertionResult[] {
  return results.filter((x) => !x.passed);
}

/** JUnit: one suite per spec, one case per trigger (the spec's own, then each variant). */
export function suiteToJUnit(r: SuiteResult): JUnitSuite[] {
  const bySpec = new Map<string, ExecutionOutcome[]>();
  for (const o of r.outcomes) bySpec.set(o.spec.id, [...(bySpec.get(o.spec.id) ?? []), o]);
  return [...bySpec.values()].map((outcomes) => {
    const spec = outcomes[0].spec;
    return {
      name: spec.name,
      id: spec.id,
      timestamp: outcomes[0].startedAt,
      properties: {
        endpoint: spec.endpoint,
        generator: `${spec.provenance.generator}: ${spec.provenance.model}`,
        modelVersion: spec.provenance.modelVersion,
      },
      cases: outcomes.map((o) => {
        const all = o.evaluation
          ? [...o.evaluation.results, ...o.evaluation.steps.flatMap((s) => s.results)]
          : [];
        const bad = failed(all);
        const out = [
          o.traceId === '' ? undefined : `trace ${o.traceId}`,
          o.run
            ? `wait: ${o.run.wait.spans} spans in ${formatMs(o.run.wait.waitedMs)} (${o.run.wait.plan.basis})`
            : undefined,
          o.run?.response?.status === undefined
            ? undefined
            : `response: HTTP ${o.run.response.status}`,
        ].filter((x): x is string => x !== undefined);
        return {
          name: o.variant === undefined ? 'satisfies every assertion' : `variant: ${o.variant}`,
          classname: spec.endpoint,
          timeMs: o.durationMs,
          ...(o.status === 'failed'
            ? {
                failure: {
                  message: `${bad.length} of ${all.length} assertions failed: ${bad[0]?.description ?? ''}`,
                  type: 'TraceAssertionError',
                  body: o.evaluation!.report,
                },
              }
            : {}),
          ...(o.status === 'error'
            ? {
                error: {
                  message: o.error!.message.split('\n')[0],
                  type: o.error!.reason ? `${o.error!.name}:${o.error!.reason}` : o.error!.name,
                  body: o.error!.message,
                },
              }
            : {}),
          ...(out.length > 0 ? { systemOut: out.join('\n') } : {}),
        };
      }),
    };
  });
}

/** ClickHouse DateTime64(3) text of an ISO time. */
export function clickhouseTime(iso: string): string {
  return iso.replace('T', ' ').replace('Z', '');
}

/**
 * Rows for `test_runs` (mode `live`): one per trigger run. `failures` counts failed assertions
 * (an error counts 1); `report` is JSON with the outcome, the failed results (expected, found,
 * spans), journey steps and how the wait went.
 */
export function suiteExecutions(r: SuiteResult, runId: string, target: string): TestExecution[] {
  return r.outcomes.map((o) => ({
    runId,
    testId: o.spec.id,
    mode: 'live',
    target,
    traceId: o.traceId,
    passed: o.status === 'passed',
    failures: o.status === 'error' ? 1 : (o.evaluation?.failures ?? 0),
    report: JSON.stringify({
      version: 1,
      spec: o.spec.name,
      endpoint: o.spec.endpoint,
      ...(o.variant === undefined ? {} : { variant: o.variant }),
      status: o.status,
      ...(o.error === undefined ? {} : { error: o.error }),
      ...(o.evaluation === undefined
        ? {}
        : {
            assertions: o.evaluation.results.length,
            failed: failed(o.evaluation.results),
            steps: o.evaluation.steps.map((s) => ({
              name: s.name,
              traceId: s.traceId,
              assertions: s.results.length,
              failed: failed(s.results),
            })),
          }),
      ...(o.run === undefined
        ? {}
        : {
            response: o.run.response?.status,
            wait: {
              spans: o.run.wait.spans,
              waitedMs: o.run.wait.waitedMs,
              lastSpanAfterMs: o.run.wait.lastSpanAfterMs,
              basis: o.run.wait.plan.basis,
              missingParents: o.run.wait.missingParents,
            },
          }),
    }),
    durationMs: o.durationMs,
    startedAt: clickhouseTime(o.startedAt),
  }));
}
