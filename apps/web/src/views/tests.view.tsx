import { useEffect, useMemo, useState } from 'react';
import { allPages, ApiError } from '../api/graphql.client';
import { count, operationOf, shortHash, when } from '../format';
import { hrefOf } from '../router';
import { assertionLines } from '../tests/assertion.text';
import { useApi, usePolled } from '../ui/api.context';
import { Badge, PassFail, Polled } from '../ui/common';

interface TestRow {
  testId: string;
  name: string;
  endpoint: string;
  kind: string;
  generator: string;
  verdict: string;
  modelVersion: number;
  assertionCount: number;
  executions: { runId: string; mode: string; passed: boolean; startedAt: string }[];
}

const TESTS_QUERY = `query Tests($after: String) { tests(first: 100, after: $after) {
  edges { node { testId name endpoint kind generator verdict modelVersion assertionCount
    executions(first: 1) { runId mode passed startedAt } } }
  pageInfo { hasNextPage endCursor } } }`;

interface TestsAnswer {
  tests: {
    edges: { node: TestRow }[];
    pageInfo: { hasNextPage: boolean; endCursor: string | null };
  };
}

/** Every current test, grouped by endpoint; one endpoint's tests; one test in full. */
export function TestsView({ endpoint, test }: { endpoint?: string; test?: string }) {
  const state = usePolled(async (run) => {
    const [tests, endpoints] = await Promise.all([
      allPages<TestsAnswer, TestRow>(run, TESTS_QUERY, {}, (d) => d.tests),
      run<{ modelVersion: { endpoints: { edges: { node: { key: string } }[] } } }>(
        '{ modelVersion { endpoints(entry: true, first: 100) { edges { node { key } } } } }',
      ).catch(() => ({ modelVersion: { endpoints: { edges: [] } } })),
    ]);
    return { tests, entry: endpoints.modelVersion.endpoints.edges.map((e) => e.node.key) };
  }, []);
  return (
    <section aria-labelledby="tests-heading">
      <h1 id="tests-heading">Tests</h1>
      <Polled state={state} what="the tests">
        {({ tests, entry }) => {
          const keys = [...new Set([...entry, ...tests.map((t) => t.endpoint)])].sort();
          const selected = endpoint ?? keys[0];
          const mine = tests.filter((t) => t.endpoint === selected);
          return (
            <div className="two-columns">
              <nav aria-label="Endpoints" className="side">
                <ul>
                  {keys.map((k) => {
                    const of = tests.filter((t) => t.endpoint === k);
                    return (
                      <li key={k}>
                        <a
                          href={hrefOf({ view: 'tests', endpoint: k })}
                          aria-current={k === selected ? 'page' : undefined}
                        >
                          {k}
                        </a>{' '}
                        <span className="muted">
                          {of.filter((t) => t.verdict === 'VERIFIED').length}/{of.length}
                        </span>
                      </li>
                    );
                  })}
                </ul>
              </nav>
              <div className="main-column">
                {selected ? (
                  <EndpointTests
                    endpoint={selected}
                    tests={mine}
                    isEntry={entry.includes(selected)}
                    selectedTest={test}
                    onGenerated={state.refresh}
                  />
                ) : (
                  <p className="muted">No tests yet: they are generated once there is a model.</p>
                )}
              </div>
            </div>
          );
        }}
      </Polled>
    </section>
  );
}

function EndpointTests({
  endpoint,
  tests,
  isEntry,
  selectedTest,
  onGenerated,
}: {
  endpoint: string;
  tests: TestRow[];
  isEntry: boolean;
  selectedTest?: string;
  onGenerated: () => void;
}) {
  return (
    <>
      <h2>
        {endpoint} <span className="muted">({tests.length} tests)</span>
      </h2>
      <p>
        <a href={hrefOf({ view: 'endpoint', key: endpoint })}>
          behaviours and rules of {operationOf(endpoint)}
        </a>
      </p>
      {isEntry ? <GenerateButton endpoint={endpoint} onDone={onGenerated} /> : null}
      {tests.length === 0 ? (
        <p className="muted">No current tests for this endpoint.</p>
      ) : (
        <table data-testid="tests">
          <thead>
            <tr>
              <th scope="col">Test</th>
              <th scope="col">Kind</th>
              <th scope="col">Generator</th>
              <th scope="col">Verification</th>
              <th scope="col">Assertions</th>
              <th scope="col">Model</th>
              <th scope="col">Last execution</th>
            </tr>
          </thead>
          <tbody>
            {tests.map((t) => (
              <tr key={t.testId} className={t.testId === selectedTest ? 'selected' : undefined}>
                <th scope="row">
                  <a
                    href={hrefOf({ view: 'tests', endpoint, test: t.testId })}
                    aria-current={t.testId === selectedTest ? 'true' : undefined}
                  >
                    {t.name}
                  </a>
                </th>
                <td>{t.kind.toLowerCase()}</td>
                <td>{t.generator.toLowerCase()}</td>
                <td>
                  <Badge tone={t.verdict === 'VERIFIED' ? 'pass' : 'fail'}>
                    {t.verdict.toLowerCase()}
                  </Badge>
                </td>
                <td>{t.assertionCount}</td>
                <td>v{t.modelVersion}</td>
                <td>
                  {t.executions[0] ? (
                    <a href={hrefOf({ view: 'runs', run: t.executions[0].runId })}>
                      <PassFail passed={t.executions[0].passed} />{' '}
                      {t.executions[0].mode.toLowerCase()} {when(t.executions[0].startedAt)}
                    </a>
                  ) : (
                    <span className="muted">never run</span>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {selectedTest ? <TestDetail testId={selectedTest} /> : null}
    </>
  );
}

function GenerateButton({ endpoint, onDone }: { endpoint: string; onDone: () => void }) {
  const { run, signOut } = useApi();
  const [busy, setBusy] = useState(false);
  const [result, setResult] = useState<string | undefined>();
  const generate = async () => {
    setBusy(true);
    setResult(undefined);
    try {
      const d = await run<{
        generateTests: {
          status: string;
          testsKept: number;
          testsRejected: number;
          error: string | null;
          modelVersion: number | null;
        };
      }>(
        `mutation Generate($endpoint: String) { generateTests(endpoint: $endpoint) {
          status testsKept testsRejected error modelVersion } }`,
        { endpoint },
      );
      const g = d.generateTests;
      setResult(
        g.status === 'FAILED'
          ? `Generation failed: ${g.error ?? 'no reason given'}`
          : `Generation ${g.status.toLowerCase()}: ${g.testsKept} kept, ${g.testsRejected} rejected${g.modelVersion === null ? '' : ` (model v${g.modelVersion})`}.`,
      );
      onDone();
    } catch (e) {
      if (e instanceof ApiError && e.unauthenticated) signOut(e.message);
      else setResult(`Generation failed: ${(e as Error).message}`);
    } finally {
      setBusy(false);
    }
  };
  return (
    <div className="toolbar">
      <button type="button" onClick={() => void generate()} disabled={busy}>
        {busy ? 'Generating…' : `Generate tests for ${operationOf(endpoint)}`}
      </button>
      <span role="status" data-testid="generate-result">
        {result}
      </span>
    </div>
  );
}

interface TestDetailAnswer {
  test: {
    testId: string;
    name: string;
    description: string;
    endpoint: string;
    kind: string;
    generator: string;
    verdict: string;
    modelVersion: number;
    modelHash: string;
    createdAt: string;
    spec: unknown;
    trigger: { summary: string };
    variants: { name: string; trigger: { summary: string } }[];
    verification: {
      status: string;
      reason: string | null;
      recordedTraces: number;
      mutationsTried: number;
      kept: number;
      dropped: { path: string; assertionId: string; reason: string; detail: string }[];
    } | null;
    provenance: {
      generator: string;
      model: string;
      promptVersion: string | null;
      modelVersion: string;
      evidenceTraceIds: string[];
    };
    jestFile: { fileName: string; content: string };
    tracetestFiles: { fileName: string; content: string }[];
    generationRun: { runId: string; trigger: string; startedAt: string } | null;
  } | null;
}

const TEST_QUERY = `query Test($id: String!) { test(id: $id) {
  testId name description endpoint kind generator verdict modelVersion modelHash createdAt spec
  trigger { summary } variants { name trigger { summary } }
  verification { status reason recordedTraces mutationsTried kept dropped { path assertionId reason detail } }
  provenance { generator model promptVersion modelVersion evidenceTraceIds }
  jestFile { fileName content } tracetestFiles { fileName content }
  generationRun { runId trigger startedAt } } }`;

function TestDetail({ testId }: { testId: string }) {
  const state = usePolled((run) => run<TestDetailAnswer>(TEST_QUERY, { id: testId }), [testId]);
  return (
    <article className="test-detail" aria-labelledby="test-heading" data-testid="test-detail">
      <Polled state={state} what="the test">
        {({ test: t }) =>
          !t ? (
            <p className="error">No current test {testId}.</p>
          ) : (
            <>
              <h3 id="test-heading">{t.name}</h3>
              <p>{t.description}</p>
              <dl className="facts">
                <dt>Sends</dt>
                <dd>
                  {t.trigger.summary}
                  {t.variants.map((v) => (
                    <div key={v.name} className="muted">
                      variant {v.name}: {v.trigger.summary}
                    </div>
                  ))}
                </dd>
                <dt>Provenance</dt>
                <dd>
                  {t.provenance.generator.toLowerCase()} ({t.provenance.model}
                  {t.provenance.promptVersion ? `, prompt ${t.provenance.promptVersion}` : ''}),
                  from model v{t.modelVersion} ({shortHash(t.provenance.modelVersion)}),{' '}
                  {count(t.provenance.evidenceTraceIds.length)} evidence traces
                  {t.generationRun
                    ? `, generation run of ${when(t.generationRun.startedAt)} (${t.generationRun.trigger.toLowerCase()})`
                    : ''}
                </dd>
                <dt>Verification</dt>
                <dd>
                  {t.verification ? (
                    <>
                      <Badge tone={t.verification.status === 'VERIFIED' ? 'pass' : 'fail'}>
                        {t.verification.status.toLowerCase()}
                      </Badge>{' '}
                      {t.verification.kept} checks kept: each holds on{' '}
                      {count(t.verification.recordedTraces)} recorded traces and fails on a mutated
                      copy ({t.verification.mutationsTried} mutations tried)
                      {t.verification.reason ? ` — ${t.verification.reason}` : ''}
                      {t.verification.dropped.length > 0 ? (
                        <details>
                          <summary>{t.verification.dropped.length} checks dropped</summary>
                          <ul>
                            {t.verification.dropped.map((d) => (
                              <li key={`${d.path} ${d.assertionId}`}>
                                <code>{d.path}</code> {d.reason.toLowerCase().replace(/_/g, ' ')}:{' '}
                                {d.detail}
                              </li>
                            ))}
                          </ul>
                        </details>
                      ) : null}
                    </>
                  ) : (
                    'not verified'
                  )}
                </dd>
                <dt>Files</dt>
                <dd className="downloads">
                  <Download file={t.jestFile} kind="Jest" />
                  {t.tracetestFiles.map((f) => (
                    <Download key={f.fileName} file={f} kind="Tracetest" />
                  ))}
                </dd>
              </dl>
              <h4>Assertions</h4>
              <ul className="assertions" data-testid="assertions">
                {assertionLines(t.spec).map((l, i) => (
                  <li key={i} style={{ marginLeft: `${l.depth * 1.5}em` }}>
                    {l.text}
                    {l.profile ? <span className="muted"> ({l.profile} profile only)</span> : null}
                  </li>
                ))}
              </ul>
            </>
          )
        }
      </Polled>
    </article>
  );
}

/** A link that saves an emitted file (made in the page: nothing is fetched again). */
function Download({ file, kind }: { file: { fileName: string; content: string }; kind: string }) {
  const url = useMemo(
    () => URL.createObjectURL(new Blob([file.content], { type: 'text/plain' })),
    [file.content],
  );
  useEffect(() => () => URL.revokeObjectURL(url), [url]);
  return (
    <a className="download" href={url} download={file.fileName} data-kind={kind}>
      Download {kind} file {file.fileName}
    </a>
  );
}
