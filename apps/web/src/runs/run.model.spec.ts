import { failedTraces, involvedSpans } from './run.model';

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
