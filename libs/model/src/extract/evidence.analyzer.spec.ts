import { ENDPOINT, evidenceOf, request } from '../../test/synthetic-trace.fixture';
import type { BehaviourEvidence } from '../model.types';
import { analyseEvidence } from './evidence.analyzer';

const traces = Array.from({ length: 6 }, (_, i) =>
  request(i, { attributes: {}, effect: i % 2 === 0 }),
);
const [withCall, withoutCall] = evidenceOf(traces);

describe(analyseEvidence.name, () => {
  it('gathers edges with the entry endpoints that use them', () => {
    const analysed = analyseEvidence([withCall, withoutCall]);
    expect([...analysed.edges.values()]).toEqual([
      {
        type: 'CALLS',
        from: ENDPOINT,
        to: 'worker|HTTP POST /jobs',
        protocol: 'http',
        method: 'POST',
        route: '/jobs',
        seenIn: [ENDPOINT],
      },
    ]);
    expect(analysed.behaviours.map((b) => [b.evidence.fingerprint, [...b.edgeIds]])).toEqual([
      ['with-call', ['CALLS api|HTTP POST /orders -> worker|HTTP POST /jobs']],
      ['without-call', []],
    ]);
  });

  it('merges repeated rows of one behaviour and ignores placeholder endpoints', () => {
    const half = (e: BehaviourEvidence, from: number, p50Us: number): BehaviourEvidence => ({
      ...e,
      traces: 10,
      errors: 1,
      p50Us,
      samples: e.samples.slice(from, from + 2),
    });
    const analysed = analyseEvidence([
      half(withCall, 0, 100),
      half(withCall, 1, 300),
      { ...withoutCall, endpoint: '(unknown)' },
    ]);
    expect(analysed.behaviours).toHaveLength(1);
    const [b] = analysed.behaviours;
    expect([b.evidence.traces, b.evidence.errors, b.evidence.p50Us]).toEqual([20, 2, 200]);
    // Samples are pooled, each trace once.
    expect(b.samples.map((t) => t.traceId)).toEqual(['t000000', 't000002', 't000004']);
  });

  it('falls back to the representative when no sample could be read', () => {
    const analysed = analyseEvidence([{ ...withCall, samples: [] }]);
    expect(analysed.behaviours[0].samples.map((t) => t.traceId)).toEqual([
      withCall.representative!.traceId,
    ]);
  });
});
