import type { BehaviourStatsRow } from '../repositories/model.repository';
import type { ModelSpanRow, SpanRepository } from '../repositories/span.repository';
import {
  EvidenceAssembler,
  type EvidencePlan,
  readEvidence,
  readEvidencePages,
  restrictPlan,
} from './evidence.reader';

const KEY = 'shop|GET /cart\u0000fp-1';

function row(traceId: string, spanId: string, parent: string, ts: string): ModelSpanRow {
  return {
    Timestamp: ts,
    TraceId: traceId,
    SpanId: spanId,
    ParentSpanId: parent,
    SpanName: parent === '' ? 'GET /cart' : 'SELECT shop.carts',
    SpanKind: parent === '' ? 'Server' : 'Client',
    ServiceName: 'shop',
    SpanAttributes: { 'http.route': '/cart' },
    Duration: '1500000',
    StatusCode: 'Unset',
    'Links.TraceId': [],
    'Links.SpanId': [],
  };
}

const ROWS: Record<string, ModelSpanRow[]> = {
  t1: [row('t1', 'a', '', '1000'), row('t1', 'b', 'a', '1100')],
  t2: [row('t2', 'c', '', '2000')],
};

const STATS: BehaviourStatsRow = {
  endpoint: 'shop|GET /cart',
  fingerprint: 'fp-1',
  traces: 40,
  errors: 1,
  sketch: { gamma: 0, zeroCount: 0, indexes: [], counts: [] },
  lateDurationsUs: [1500],
};

function plan(): EvidencePlan {
  return {
    stats: [STATS],
    // t9 was sampled but its spans are gone (retention): it is left out, not an empty trace.
    samples: new Map([[KEY, ['t1', 't9']]]),
    representatives: new Map([[KEY, 't2']]),
    signature: 'sig',
  };
}

/** A span repository answering from ROWS as the JSONEachRow bytes ClickHouse sends. */
const spans = {
  findModelSpansBytesByTraceIds: async (ids: readonly string[]) =>
    new TextEncoder().encode(
      ids
        .flatMap((id) => ROWS[id] ?? [])
        .map((r) => `${JSON.stringify(r)}\n`)
        .join(''),
    ),
} as unknown as SpanRepository;

describe('evidence read a page at a time', () => {
  it('parses into the evidence: totals, sampled traces with every span, representative', async () => {
    const pages: Uint8Array[] = [];
    await readEvidencePages(plan(), spans, (page) => void pages.push(page));
    expect(pages).toHaveLength(1);
    // What crosses to a worker thread is plain data.
    const assembler = new EvidenceAssembler();
    for (const page of structuredClone(pages)) assembler.add(page);
    const evidence = assembler.evidence(structuredClone(plan()));

    expect(evidence).toHaveLength(1);
    const [cart] = evidence;
    expect(cart).toMatchObject({
      endpoint: 'shop|GET /cart',
      fingerprint: 'fp-1',
      traces: 40,
      errors: 1,
    });
    expect(cart.samples[0]).toEqual({
      traceId: 't1',
      spans: [
        expect.objectContaining({
          traceId: 't1',
          spanId: 'a',
          service: 'shop',
          name: 'GET /cart',
          durationNs: 1_500_000,
          statusCode: 0,
          attributes: { 'http.route': '/cart' },
          links: [],
        }),
        expect.objectContaining({ spanId: 'b', name: 'SELECT shop.carts' }),
      ],
    });
    expect(cart.samples.map((t) => t.traceId)).toEqual(['t1']);
    expect(cart.samples[0].spans.map((s) => [s.spanId, s.parentSpanId, s.kind, s.startNs])).toEqual(
      [
        ['a', '', 2, 1000n],
        ['b', 'a', 3, 1100n],
      ],
    );
    expect(cart.representative?.spans.map((s) => s.spanId)).toEqual(['c']);
    // The late duration (1,500 µs) is all the sketch holds.
    for (const us of [cart.p50Us, cart.p95Us, cart.p99Us ?? 0])
      expect(Math.abs(us - 1500)).toBeLessThan(100);
  });

  it('reads nothing for a plan without traces, and a page without a final newline parses whole', async () => {
    const pages: Uint8Array[] = [];
    await readEvidencePages(
      { ...plan(), samples: new Map(), representatives: new Map() },
      spans,
      (page) => void pages.push(page),
    );
    expect(pages).toEqual([]);
    const assembler = new EvidenceAssembler();
    assembler.add(ROWS.t1.map((r) => JSON.stringify(r)).join('\n'));
    const [cart] = assembler.evidence(plan());
    expect(cart.samples[0].spans).toHaveLength(2);
  });

  it('reads a large plan a page of traces at a time, and every trace whole within its page', async () => {
    const ids = Array.from({ length: 2500 }, (_, i) => `t${i}`);
    const reads: string[][] = [];
    const many = {
      findModelSpansBytesByTraceIds: async (asked: readonly string[]) => {
        reads.push([...asked]);
        return new TextEncoder().encode(
          asked
            .flatMap((id) => [
              row(id, `${id}-a`, '', '1000'),
              row(id, `${id}-b`, `${id}-a`, '1100'),
            ])
            .map((r) => `${JSON.stringify(r)}\n`)
            .join(''),
        );
      },
    } as unknown as SpanRepository;
    const [cart] = await readEvidence(
      { ...plan(), samples: new Map([[KEY, ids]]), representatives: new Map() },
      many,
    );
    expect(reads.map((r) => r.length)).toEqual([1000, 1000, 500]);
    expect(cart.samples).toHaveLength(2500);
    expect(cart.samples.every((t) => t.spans.length === 2)).toBe(true);
  });

  it('reads only the behaviours of the endpoints asked for', async () => {
    const other: BehaviourStatsRow = { ...STATS, endpoint: 'shop|POST /pay', fingerprint: 'fp-2' };
    const both: EvidencePlan = {
      ...plan(),
      stats: [STATS, other],
      samples: new Map([
        [KEY, ['t1']],
        ['shop|POST /pay\u0000fp-2', ['t2']],
      ]),
      representatives: new Map([['shop|POST /pay\u0000fp-2', 't2']]),
    };
    const read: string[][] = [];
    const recording = {
      findModelSpansBytesByTraceIds: async (ids: readonly string[]) => {
        read.push([...ids]);
        return spans.findModelSpansBytesByTraceIds(ids);
      },
    } as unknown as SpanRepository;
    const cart = restrictPlan(both, new Set(['shop|GET /cart']));
    expect(cart.stats).toEqual([STATS]);
    expect([...cart.samples.keys()]).toEqual([KEY]);
    expect(cart.representatives.size).toBe(0);
    const evidence = await readEvidence(cart, recording);
    expect(read).toEqual([['t1']]);
    expect(evidence.map((e) => e.endpoint)).toEqual(['shop|GET /cart']);
  });
});
