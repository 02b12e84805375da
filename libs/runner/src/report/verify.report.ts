import type { TestExecution } from '@t2t/storage';
import { groupOf } from '../verify/spec.applicability';
import type { VerifiedTest, VerifyResult } from '../verify/stored-trace.verifier';
import { formatMs } from '../wait/wait.plan';
import type { JUnitSuite } from './junit.report';
import { clickhouseTime } from './run.report';

/** `2026-11-25T09:00:00.000Z` from Unix ns. */
export function isoOfNs(ns: bigint): string {
  return new Date(Number(ns / 1_000_000n)).toISOString();
}

export function verifyPeriod(r: VerifyResult): string {
  return `${isoOfNs(r.fromNs)} .. ${isoOfNs(r.toNs)}`;
}

function indent(text: string, by: string): string {
  return text
    .split('\n')
    .map((l) => (l === '' ? l : by + l))
    .join('\n');
}

/**
 * The console report: per test its verdict over the stored traces, and for a failing test the
 * first `show` failing traces with their formatted assertion results; then traces no test asked
 * for, and a summary line.
 */
export function formatVerifyResult(r: VerifyResult, show = 3): string {
  const lines: string[] = [];
  for (const t of r.tests) {
    const head = `[${t.spec.id}] ${t.spec.name}`;
    if (t.status === 'skipped') {
      lines.push(`- ${head}: no stored trace of the period applies`);
      continue;
    }
    if (t.status === 'passed') {
      lines.push(`✓ ${head}: ${t.traces} trace(s) pass`);
      continue;
    }
    lines.push(`✗ ${head}: ${t.failed.length} of ${t.traces} trace(s) fail`);
    for (const f of t.failed.slice(0, show)) {
      lines.push(`    trace ${f.traceId} (applies by ${f.reason})`);
      lines.push(indent(f.evaluation.report, '      '));
    }
    if (t.failed.length > show)
      lines.push(`    … and ${t.failed.length - show} more failing trace(s)`);
  }
  for (const f of r.findings) {
    lines.push(
      f.finding === 'unknown-behaviour'
        ? `! ${f.traces} trace(s) of ${f.endpoint} have a structure no known behaviour has (e.g. trace ${f.exampleTraceId})`
        : `! ${f.traces} trace(s) of ${f.endpoint} took a behaviour their request's rule arms exclude (e.g. trace ${f.exampleTraceId})`,
    );
  }
  for (const u of r.uncovered) {
    lines.push(
      `? ${u.traces} trace(s) of ${u.endpoint} are selected by no behaviour test (e.g. trace ${u.exampleTraceId})`,
    );
  }
  lines.push(formatVerifySummary(r));
  return lines.join('\n');
}

export function formatVerifySummary(r: VerifyResult): string {
  const n = (s: VerifiedTest['status']) => r.tests.filter((t) => t.status === s).length;
  return `verified ${r.tests.length} test(s) on ${r.traces} stored trace(s) of ${verifyPeriod(r)}: ${n('passed')} passed, ${n('failed')} failed, ${n('skipped')} without traces (${formatMs(r.durationMs)})`;
}

/** JUnit: one suite, one case per test; a failing case lists its failing traces. */
export function verifyToJUnit(r: VerifyResult, show = 10): JUnitSuite[] {
  return [
    {
      name: `stored traces ${verifyPeriod(r)}`,
      timestamp: new Date().toISOString(),
      properties: { from: isoOfNs(r.fromNs), to: isoOfNs(r.toNs), traces: String(r.traces) },
      cases: r.tests.map((t) => ({
        name: t.spec.name,
        classname: t.spec.endpoint,
        timeMs: 0,
        ...(t.status === 'skipped' ? { skipped: 'no stored trace of the period applies' } : {}),
        ...(t.status === 'failed'
          ? {
              failure: {
                message: `${t.failed.length} of ${t.traces} stored traces fail`,
                type: 'TraceAssertionError',
                body: t.failed
                  .slice(0, show)
                  .map((f) => f.evaluation.report)
                  .join('\n\n'),
              },
            }
          : {}),
        systemOut: `test ${t.spec.id}: ${t.traces} trace(s) evaluated; matched by ${
          Object.entries(t.reasons)
            .map(([k, v]) => `${k} ${v}`)
            .join(', ') || 'nothing'
        }`,
      })),
    },
  ];
}

/**
 * Rows for `test_runs` (mode `stored`): one per test. `trace_id` is the first failing trace ('' if
 * none), `failures` the number of failing traces; `report` is JSON with the period, the counts and
 * up to 20 failing traces with their failed results.
 */
export function verifyExecutions(
  r: VerifyResult,
  runId: string,
  startedAt: string,
): TestExecution[] {
  return r.tests.map((t) => ({
    runId,
    testId: t.spec.id,
    mode: 'stored',
    target: `stored ${verifyPeriod(r)}`,
    traceId: t.failed[0]?.traceId ?? '',
    passed: t.status !== 'failed',
    failures: t.failed.length,
    report: JSON.stringify({
      version: 1,
      spec: t.spec.name,
      endpoint: t.spec.endpoint,
      status: t.status,
      from: isoOfNs(r.fromNs),
      to: isoOfNs(r.toNs),
      traces: t.traces,
      reasons: t.reasons,
      findings: r.findings.filter((f) => f.endpoint === t.spec.endpoint),
      failedTraces: t.failed.slice(0, 20).map((f) => ({
        traceId: f.traceId,
        reason: f.reason,
        failed: [...f.evaluation.results, ...f.evaluation.steps.flatMap((s) => s.results)].filter(
          (x) => !x.passed,
        ),
      })),
    }),
    durationMs: r.durationMs,
    startedAt: clickhouseTime(startedAt),
  }));
}

/**
 * One JSON object per evaluated trace (JSON Lines), for machines: the trace, its endpoint and
 * fingerprint, whether that is a known behaviour, the findings about it, and every test that judged
 * it with why, whether it passed and the assertions that failed. Needs the verify run's
 * judgements (VerifyOptions.keepJudgements).
 */
export function verifyJsonLines(r: VerifyResult): string {
  const lines: string[] = [];
  for (const j of r.judgements ?? []) {
    lines.push(
      JSON.stringify({
        traceId: j.traceId,
        endpoint: j.endpoint,
        fingerprint: j.fingerprint,
        knownBehaviour: j.knownBehaviour,
        findings: j.findings,
        passed: j.verdicts.every((v) => v.evaluation.passed),
        tests: j.verdicts.map((v) => ({
          testId: v.spec.id,
          name: v.spec.name,
          kind: groupOf(v.spec),
          reason: v.reason,
          passed: v.evaluation.passed,
          failed: [...v.evaluation.results, ...v.evaluation.steps.flatMap((st) => st.results)]
            .filter((x) => !x.passed)
            .map((x) => ({
              id: x.id,
              path: x.path,
              description: x.description,
              expected: x.expected,
              found: x.found,
            })),
        })),
      }),
    );
  }
  return lines.length === 0 ? '' : `${lines.join('\n')}\n`;
}
