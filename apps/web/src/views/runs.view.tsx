import { useState } from 'react';
import { ApiError } from '../api/graphql.client';
import { count, ms, when } from '../format';
import { hrefOf } from '../router';
import { failedTraces, involvedSpans, type FailedTrace, type RunSummary } from '../runs/run.model';
import { useApi, usePolled } from '../ui/api.context';
import { Badge, PassFail, Polled } from '../ui/common';
import { TraceWaterfall, WATERFALL_SPAN_FIELDS } from '../waterfall/waterfall';
import type { WaterfallSpan } from '../waterfall/waterfall.geometry';

/** The newest runs; older ones are a `testRuns(after:)` page away in the API. */
const RUNS_SHOWN = 100;
const RUNS_QUERY = `query Runs { testRuns(first: ${RUNS_SHOWN}) {
  edges { node { runId mode target passed failed startedAt } } pageInfo { hasNextPage } } }`;

interface RunsAnswer {
  testRuns: { edges: { node: RunSummary }[]; pageInfo: { hasNextPage: boolean } };
}

/** Test runs (live) and verify runs (stored traces), newest first; one run in full. */
export function RunsView({ run }: { run?: string }) {
  const state = usePolled(async (q) => {
    const { testRuns } = await q<RunsAnswer>(RUNS_QUERY);
    return { runs: testRuns.edges.map((e) => e.node), more: testRuns.pageInfo.hasNextPage };
  }, []);
  return (
    <section aria-labelledby="runs-heading">
      <h1 id="runs-heading">Runs</h1>
      <VerifyButton onDone={state.refresh} />
      <Polled state={state} what="the runs">
        {({ runs, more }) =>
          runs.length === 0 ? (
            <p className="muted">
              No runs yet: <code>t2t test run</code> and <code>t2t test verify</code> record theirs
              here.
            </p>
          ) : (
            <table data-testid="runs">
              <caption>{more ? `The newest ${runs.length} runs` : `Runs (${runs.length})`}</caption>
              <thead>
                <tr>
                  <th scope="col">Started</th>
                  <th scope="col">Kind</th>
                  <th scope="col">Against</th>
                  <th scope="col">Result</th>
                  <th scope="col">Passed</th>
                  <th scope="col">Failed</th>
                </tr>
              </thead>
              <tbody>
                {runs.map((r) => (
                  <tr key={r.runId} className={r.runId === run ? 'selected' : undefined}>
                    <th scope="row">
                      <a
                        href={hrefOf({ view: 'runs', run: r.runId })}
                        aria-current={r.runId === run ? 'true' : undefined}
                      >
                        {when(r.startedAt)}
                      </a>
                    </th>
                    <td>{r.mode === 'LIVE' ? 'test run (live)' : 'verify (stored traces)'}</td>
                    <td>{r.target}</td>
                    <td>
                      <PassFail passed={r.failed === 0} />
                    </td>
                    <td>{r.passed}</td>
                    <td>{r.failed}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )
        }
      </Polled>
      {run ? <RunDetail runId={run} /> : null}
    </section>
  );
}

function VerifyButton({ onDone }: { onDone: () => void }) {
  const { run, signOut } = useApi();
  const [busy, setBusy] = useState(false);
  const [result, setResult] = useState<string | undefined>();
  const verify = async () => {
    setBusy(true);
    setResult(undefined);
    try {
      const d = await run<{
        verifyTests: { runId: string | null; passed: number; failed: number; traceCount: number };
      }>('mutation { verifyTests(since: "1h") { runId passed failed traceCount } }');
      const v = d.verifyTests;
      setResult(
        `Verified ${count(v.traceCount)} stored traces: ${v.passed} tests passed, ${v.failed} failed.`,
      );
      if (v.runId) window.location.hash = hrefOf({ view: 'runs', run: v.runId });
      onDone();
    } catch (e) {
      if (e instanceof ApiError && e.unauthenticated) signOut(e.message);
      else setResult(`Verification failed: ${(e as Error).message}`);
    } finally {
      setBusy(false);
    }
  };
  return (
    <div className="toolbar">
      <button type="button" onClick={() => void verify()} disabled={busy}>
        {busy ? 'Verifying…' : 'Verify the tests on the last hour of stored traces'}
      </button>
      <span role="status">{result}</span>
    </div>
  );
}

interface RunAnswer {
  testRun: {
    runId: string;
    passed: number;
    failed: number;
    startedAt: string;
    executions: {
      testId: string;
      mode: string;
      target: string;
      passed: boolean;
      failures: number;
      durationMs: number;
      startedAt: string;
      report: unknown;
      trace: { traceId: string } | null;
    }[];
  } | null;
}

function RunDetail({ runId }: { runId: string }) {
  const state = usePolled(
    (q) =>
      q<RunAnswer>(
        `query Run($id: String!) { testRun(runId: $id) { runId passed failed startedAt
          executions { testId mode target passed failures durationMs startedAt report trace { traceId } } } }`,
        { id: runId },
      ),
    [runId],
  );
  return (
    <article aria-labelledby="run-heading" data-testid="run-detail">
      <h2 id="run-heading">Run {runId}</h2>
      <Polled state={state} what="the run">
        {({ testRun }) =>
          !testRun ? (
            <p className="error">No run {runId}.</p>
          ) : (
            <>
              <p className="summary">
                Started {when(testRun.startedAt)}: {testRun.passed} passed, {testRun.failed} failed.
              </p>
              <ul className="executions">
                {testRun.executions.map((e, i) => {
                  const report = (e.report ?? {}) as {
                    spec?: string;
                    endpoint?: string;
                    variant?: string;
                    error?: { message?: string };
                  };
                  const failures = e.passed ? [] : failedTraces(e.report, e.trace?.traceId ?? null);
                  return (
                    <li
                      key={`${e.testId} ${i}`}
                      className={e.passed ? 'execution' : 'execution failed'}
                    >
                      <div>
                        <PassFail passed={e.passed} />{' '}
                        <a
                          href={hrefOf({
                            view: 'tests',
                            endpoint: report.endpoint,
                            test: e.testId,
                          })}
                        >
                          {report.spec ?? e.testId}
                        </a>
                        {report.variant ? (
                          <span className="muted"> — variant {report.variant}</span>
                        ) : null}{' '}
                        <span className="muted">
                          {e.mode.toLowerCase()}, {ms(e.durationMs)}
                          {e.failures > 0 ? `, ${e.failures} failure(s)` : ''}
                        </span>
                      </div>
                      {report.error?.message ? (
                        <p className="error">{report.error.message}</p>
                      ) : null}
                      {failures.map((f) => (
                        <FailedTraceView key={f.traceId} failure={f} />
                      ))}
                    </li>
                  );
                })}
              </ul>
            </>
          )
        }
      </Polled>
    </article>
  );
}

function FailedTraceView({ failure }: { failure: FailedTrace }) {
  const state = usePolled(
    (q) =>
      q<{ trace: { spans: WaterfallSpan[] } | null }>(
        `query Trace($id: String!) { trace(id: $id) { spans { ${WATERFALL_SPAN_FIELDS} } } }`,
        { id: failure.traceId },
      ),
    [failure.traceId],
    0,
  );
  return (
    <div className="failed-trace">
      <ul className="failed-assertions" data-testid="failed-assertions">
        {failure.failed.map((f) => (
          <li key={f.id + f.description}>
            <Badge tone="fail">✗</Badge> {f.description}
            <dl className="expected-found">
              <dt>expected</dt>
              <dd>{f.expected}</dd>
              <dt>found</dt>
              <dd>{f.found}</dd>
            </dl>
          </li>
        ))}
      </ul>
      <Polled state={state} what={`trace ${failure.traceId}`}>
        {(d) =>
          d.trace ? (
            <TraceWaterfall
              spans={d.trace.spans}
              highlight={involvedSpans(failure)}
              label={`Trace ${failure.traceId}`}
            />
          ) : (
            <p className="muted">Trace {failure.traceId} is not stored.</p>
          )
        }
      </Polled>
    </div>
  );
}
