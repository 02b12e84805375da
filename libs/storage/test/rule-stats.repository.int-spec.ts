import { freshTestStorage, type TestStorage } from '@t2t/test-support';
import {
  type ClickHouseHandle,
  openStorage,
  RuleStatsRepository,
  SpanRepository,
  type SpanRow,
} from '@t2t/storage';

const ENDPOINT = 'gateway|HTTP POST /orders';
const AT = 'orders|HTTP POST /orders';
const T0 = 1_767_225_600_000_000_000n; // 2026-01-01T00:00:00Z
const S = 1_000_000_000n;

function row(
  traceId: string,
  spanId: string,
  parent: string,
  service: string,
  kind: string,
  at: bigint,
  attributes: Record<string, string>,
): SpanRow {
  return {
    Timestamp: at.toString(),
    TraceId: traceId,
    SpanId: spanId,
    ParentSpanId: parent,
    TraceState: '',
    SpanName: 'POST /orders',
    SpanKind: kind,
    ServiceName: service,
    ResourceAttributes: {},
    ScopeName: '',
    ScopeVersion: '',
    SpanAttributes: attributes,
    Duration: '1000',
    StatusCode: 'Unset',
    StatusMessage: '',
    'Events.Timestamp': [],
    'Events.Name': [],
    'Events.Attributes': [],
    'Links.TraceId': [],
    'Links.SpanId': [],
    'Links.TraceState': [],
    'Links.Attributes': [],
    Flags: 0,
    DroppedAttributesCount: 0,
    DroppedEventsCount: 0,
    DroppedLinksCount: 0,
    ScopeAttributes: {},
    ScopeDroppedAttributesCount: 0,
    ScopeSchemaUrl: '',
    ResourceDroppedAttributesCount: 0,
    ResourceSchemaUrl: '',
    'Events.DroppedAttributesCount': [],
    'Links.Flags': [],
    'Links.DroppedAttributesCount': [],
  };
}

/**
 * A trace: the gateway's root span (entry), the deciding handler's server span and a downstream
 * span of another service, each with the attributes given (undefined = no span of that kind).
 */
interface TraceSpec {
  id: number;
  fingerprint: string;
  start: bigint;
  entry?: Record<string, string>;
  handler?: Record<string, string>;
  downstream?: Record<string, string>;
}

function spansOf(t: TraceSpec): SpanRow[] {
  const traceId = t.id.toString(16).padStart(32, '0');
  const sid = (n: number) => (t.id * 16 + n).toString(16).padStart(16, '0');
  const out = [row(traceId, sid(1), '', 'gateway', 'Server', t.start, t.entry ?? {})];
  if (t.handler)
    out.push(row(traceId, sid(2), sid(1), 'orders', 'Server', t.start + 1000n, t.handler));
  if (t.downstream) {
    out.push(row(traceId, sid(3), sid(2), 'billing', 'Server', t.start + 500n, t.downstream));
  }
  return out;
}

describe(RuleStatsRepository.name, () => {
  let storage: TestStorage;
  let handle: ClickHouseHandle;
  let sut: RuleStatsRepository;

  const traces: TraceSpec[] = [
    // Behaviour A (the effect happens): amounts at and above 250.
    { id: 1, fingerprint: 'A', start: T0 + 10n * S, entry: { 'order.amount': '250.5' } },
    { id: 2, fingerprint: 'A', start: T0 + 11n * S, entry: { 'order.amount': '300' } },
    { id: 3, fingerprint: 'A', start: T0 + 12n * S, entry: { 'order.amount': '999.25' } },
    // Behaviour B: below 250, one without the attribute, one with a non-number, one where only
    // the deciding handler's span has it, and one where only a downstream span has it (and the
    // handler's value wins over it when both have one).
    { id: 4, fingerprint: 'B', start: T0 + 13n * S, entry: { 'order.amount': '10' } },
    { id: 5, fingerprint: 'B', start: T0 + 14n * S, entry: { 'order.amount': '249.75' } },
    { id: 6, fingerprint: 'B', start: T0 + 15n * S, entry: { 'customer.tier': 'gold' } },
    { id: 7, fingerprint: 'B', start: T0 + 16n * S, entry: { 'order.amount': 'n/a' } },
    {
      id: 8,
      fingerprint: 'B',
      start: T0 + 17n * S,
      handler: { 'order.amount': '120' },
      downstream: { 'order.amount': '5000' },
    },
    { id: 9, fingerprint: 'B', start: T0 + 18n * S, downstream: { 'order.amount': '20' } },
    // Before the period: left out.
    { id: 10, fingerprint: 'B', start: T0 - 3600n * S, entry: { 'order.amount': '100000' } },
  ];

  beforeAll(async () => {
    storage = freshTestStorage();
    handle = await openStorage(storage.config);
    sut = new RuleStatsRepository(handle);
    await new SpanRepository(handle).insert(traces.flatMap(spansOf));
    await handle.client.insert({
      table: `${handle.database}.trace_behaviours`,
      format: 'JSONEachRow',
      values: traces.map((t) => ({
        trace_id: t.id.toString(16).padStart(32, '0'),
        endpoint: ENDPOINT,
        fingerprint: t.fingerprint,
        start_time: t.start.toString(),
        error: 0,
        source_partition: 0,
      })),
    });
    // The newest window starts at T0 + 60 s: a horizon of 10 min reaches back to T0 - 9 min.
    await handle.client.insert({
      table: `${handle.database}.cluster_windows`,
      format: 'JSONEachRow',
      values: [{ endpoint: ENDPOINT, fingerprint: 'A', window_start: '1767225660.000' }],
    });
  });

  afterAll(async () => {
    await handle.close();
    await storage.cleanup();
  });

  it('dates the period from the newest window', async () => {
    expect(await sut.horizonStartNs(600_000)).toBe(T0 + 60n * S - 600n * S);
  });

  it('gives each behaviour the range of numeric values over all its traces, read as conditions read them', async () => {
    const ranges = await sut.numericRanges({
      endpoint: ENDPOINT,
      at: AT,
      attribute: 'order.amount',
      fingerprints: ['A', 'B'],
      fromNs: T0,
    });
    expect(ranges).toEqual([
      { fingerprint: 'A', count: 3, min: 250.5, max: 999.25 },
      // 10, 249.75, 120 (the handler's, not the downstream 5000) and 20 (downstream only).
      { fingerprint: 'B', count: 4, min: 10, max: 249.75 },
    ]);
  });

  it('counts the traces in which a condition holds, with absent attributes satisfying only !=', async () => {
    const counts = (atoms: { attribute: string; op: '=' | '!=' | '>=' | '<'; value: string }[]) =>
      sut.conditionCounts({
        endpoint: ENDPOINT,
        at: AT,
        atoms,
        fingerprints: ['A', 'B'],
        fromNs: T0,
      });
    expect(await counts([{ attribute: 'order.amount', op: '>=', value: '250' }])).toEqual([
      { fingerprint: 'A', traces: 3, holds: 3 },
      { fingerprint: 'B', traces: 6, holds: 0 },
    ]);
    expect(await counts([{ attribute: 'order.amount', op: '<', value: '250' }])).toEqual([
      { fingerprint: 'A', traces: 3, holds: 0 },
      // Absent (trace 6) and "n/a" (trace 7) satisfy no numeric comparison.
      { fingerprint: 'B', traces: 6, holds: 4 },
    ]);
    expect(await counts([{ attribute: 'customer.tier', op: '!=', value: 'gold' }])).toEqual([
      { fingerprint: 'A', traces: 3, holds: 3 },
      { fingerprint: 'B', traces: 6, holds: 5 },
    ]);
    expect(
      await counts([
        { attribute: 'customer.tier', op: '=', value: 'gold' },
        { attribute: 'order.amount', op: '!=', value: '10' },
      ]),
    ).toEqual([
      { fingerprint: 'A', traces: 3, holds: 0 },
      { fingerprint: 'B', traces: 6, holds: 1 },
    ]);
  });

  it('reads only the listed behaviours of the endpoint in the period', async () => {
    const counts = await sut.conditionCounts({
      endpoint: ENDPOINT,
      at: AT,
      atoms: [],
      fingerprints: ['B'],
      fromNs: T0 - 7200n * S,
    });
    expect(counts).toEqual([{ fingerprint: 'B', traces: 7, holds: 7 }]);
    expect(
      await sut.conditionCounts({
        endpoint: 'other|HTTP GET /',
        at: AT,
        atoms: [],
        fingerprints: ['A'],
        fromNs: T0,
      }),
    ).toEqual([]);
  });
});
