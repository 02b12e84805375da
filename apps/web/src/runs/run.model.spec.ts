import { failedTraces, involvedSpans, summariseRuns } from './run.model';

describe(summariseRuns.name, () => {
  it('groups the tests’ executions into runs, newest first, counting passes and failures', () => {
    const runs = summariseRuns([
      {
        testId: 't1',
        name: 'one',
        endpoint: 'a|HTTP GET /x',
        executions: [
          {
            runId: 'r2',
            mode: 'LIVE',
            target: 'http://shop',
            passed: false,
            startedAt: '2026-01-02 10:00:01.000',
          },
          {
            runId: 'r1',
            mode: 'STORED',
            target: 'stored 1h',
            passed: true,
            startedAt: '2026-01-01 10:00:00.000',
          },
        ],
      },
      {
        testId: 't2',
        name: 'two',
        endpoint: 'b|HTTP GET /y',
        executions: [
          {
            runId: 'r2',
            mode: 'LIVE',
            target: 'http://shop',
            passed: true,
            startedAt: '2026-01-02 10:00:00.500',
          },
        ],
      },
    ]);
    expect(runs).toEqual([
      {
        runId: 'r2',
        mode: 'LIVE',
        target: 'http://shop',
        startedAt: '2026-01-02 10:00:00.500',
        passed: 1,
        failed: 1,
        endpoints: ['a|HTTP GET /x', 'b|HTTP GET /y'],
      },
      {
        runId: 'r1',
        mode: 'STORED',
        target: 'stored 1h',
        startedAt: '2026-01-01 10:00:00.000',
        passed: 1,
        failed: 0,
        endpoints: ['a|HTTP GET /x'],
      },
    ]);
  });
});

describe(failedTraces.name, () => {
  const assertion = {
    id: 'a3',
    description: 'potato-shop INSERT orders',
    expected: 'a span matching {service=potato-shop}',
    found: 'no such span',
    spans: [{ spanId: 's1', service: 'potato-shop', kind: 'server', name: 'POST /orders' }],
  };

  it('reads a live run’s report: its failed assertions on its trace, and journey steps on theirs', () => {
    const traces = failedTraces(
      {
        version: 1,
        failed: [assertion],
        steps: [{ name: 'read', traceId: 'tt2', failed: [{ ...assertion, id: 'b1' }] }],
      },
      'tt1',
    );
    expect(traces.map((t) => [t.traceId, t.failed.map((f) => f.id)])).toEqual([
      ['tt1', ['a3']],
      ['tt2', ['b1']],
    ]);
    expect(traces[0].failed[0]).toMatchObject({
      expected: assertion.expected,
      found: 'no such span',
    });
    expect([...involvedSpans(traces[0])]).toEqual(['s1']);
  });

  it('reads a verify run’s report: failed assertions per failing trace', () => {
    const traces = failedTraces({ failedTraces: [{ traceId: 'tt3', failed: [assertion] }] }, null);
    expect(traces.map((t) => t.traceId)).toEqual(['tt3']);
  });

  it('finds nothing in a report of another shape', () => {
    expect(failedTraces('not json', 'tt')).toEqual([]);
    expect(failedTraces({ failed: 'x' }, 'tt')).toEqual([]);
    expect(failedTraces(null, 'tt')).toEqual([]);
  });
});
