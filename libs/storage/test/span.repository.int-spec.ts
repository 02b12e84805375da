import { freshTestStorage, type TestStorage } from '@t2t/test-support';
import {
  type ClickHouseHandle,
  insertCompactViaClient,
  openStorage,
  SpanRepository,
  type SpanRow,
} from '@t2t/storage';

function span(overrides: Partial<SpanRow> = {}): SpanRow {
  return {
    Timestamp: '1767225600123456789',
    TraceId: '0af7651916cd43dd8448eb211c80319c',
    SpanId: 'b7ad6b7169203331',
    ParentSpanId: '',
    TraceState: 'vendor=abc',
    SpanName: 'GET /users/{id}',
    SpanKind: 'Server',
    ServiceName: 'user-api',
    ResourceAttributes: { 'service.name': 'user-api', 'host.name': 'node-7' },
    ScopeName: '@opentelemetry/instrumentation-http',
    ScopeVersion: '0.57.0',
    SpanAttributes: {
      'http.request.method': 'GET',
      'http.route': '/users/{id}',
      'user.likes_potatoes': 'true',
    },
    Duration: '18446744073709551615',
    StatusCode: 'Ok',
    StatusMessage: '',
    'Events.Timestamp': ['1767225600123456790', '1767225600999999999'],
    'Events.Name': ['cache.miss', 'db.done'],
    'Events.Attributes': [{ key: 'user:42' }, {}],
    'Links.TraceId': ['4bf92f3577b34da6a3ce929d0e0e4736'],
    'Links.SpanId': ['00f067aa0ba902b7'],
    'Links.TraceState': [''],
    'Links.Attributes': [{ 'link.kind': 'follows_from' }],
    Flags: 0x301,
    DroppedAttributesCount: 2,
    DroppedEventsCount: 0,
    DroppedLinksCount: 1,
    ScopeAttributes: { 'scope.kind': 'http' },
    ScopeDroppedAttributesCount: 0,
    ScopeSchemaUrl: 'https://opentelemetry.io/schemas/1.26.0',
    ResourceDroppedAttributesCount: 3,
    ResourceSchemaUrl: '',
    'Events.DroppedAttributesCount': [0, 4],
    'Links.Flags': [1],
    'Links.DroppedAttributesCount': [0],
    ...overrides,
  };
}

describe(SpanRepository.name, () => {
  let storage: TestStorage;
  let handle: ClickHouseHandle;
  let sut: SpanRepository;

  beforeAll(async () => {
    storage = freshTestStorage();
    handle = await openStorage(storage.config);
    sut = new SpanRepository(handle);
  });

  afterAll(async () => {
    await handle.close();
    await storage.cleanup();
  });

  it('writes and reads back every column, with Map attributes and nanosecond timestamps', async () => {
    const root = span();
    const child = span({
      SpanId: '1111111111111111',
      ParentSpanId: root.SpanId,
      SpanName: 'INSERT orders',
      SpanKind: 'Client',
      Timestamp: '1767225600123456999',
      Duration: '1',
      SpanAttributes: {
        'db.system': 'postgresql',
        'db.statement': "INSERT INTO orders VALUES ($1, 'ü')",
      },
      'Events.Timestamp': [],
      'Events.Name': [],
      'Events.Attributes': [],
      'Links.TraceId': [],
      'Links.SpanId': [],
      'Links.TraceState': [],
      'Links.Attributes': [],
      'Events.DroppedAttributesCount': [],
      'Links.Flags': [],
      'Links.DroppedAttributesCount': [],
    });
    const other = span({ TraceId: 'ffffffffffffffffffffffffffffffff', SpanId: '2222222222222222' });
    await sut.insert([root, child, other]);

    const read = await sut.findByTraceId(root.TraceId);
    expect(read).toEqual([root, child]);
    expect(await sut.countByTraceId(root.TraceId)).toBe(2);
  });

  it('reads only the columns a model is built from, for many traces at once', async () => {
    const traceId = 'abababababababababababababababab';
    const root = span({ TraceId: traceId, SpanId: '3333333333333333' });
    const child = span({
      TraceId: traceId,
      SpanId: '4444444444444444',
      ParentSpanId: root.SpanId,
      Timestamp: '1767225600123456999',
      'Links.TraceId': [],
      'Links.SpanId': [],
      'Links.TraceState': [],
      'Links.Attributes': [],
      'Links.Flags': [],
      'Links.DroppedAttributesCount': [],
    });
    await sut.insert([child, root]);

    const read = await sut.findModelSpansByTraceIds([traceId, 'not-stored']);
    const columns = [
      'Timestamp',
      'TraceId',
      'SpanId',
      'ParentSpanId',
      'SpanName',
      'SpanKind',
      'ServiceName',
      'SpanAttributes',
      'Duration',
      'StatusCode',
      'Links.TraceId',
      'Links.SpanId',
    ] as const;
    const pick = (r: SpanRow) => Object.fromEntries(columns.map((c) => [c, r[c]]));
    expect(read).toEqual([pick(root), pick(child)]);
    expect(await sut.findModelSpansByTraceIds([])).toEqual([]);
    // The same rows as the bytes a worker thread parses: one JSON object a line, in a buffer of
    // its own (transferable: not a view of a larger one).
    const bytes = await sut.findModelSpansBytesByTraceIds([traceId, 'not-stored']);
    expect(bytes.byteOffset).toBe(0);
    expect(bytes.buffer.byteLength).toBe(bytes.length);
    const text = new TextDecoder().decode(bytes);
    expect(text.endsWith('\n')).toBe(true);
    expect(
      text
        .trimEnd()
        .split('\n')
        .map((line) => JSON.parse(line) as unknown),
    ).toEqual(read);
    expect((await sut.findModelSpansBytesByTraceIds([])).length).toBe(0);
  });

  it('keeps the trace-id lookup table up to date', async () => {
    const traceId = 'abcdefabcdefabcdefabcdefabcdef01';
    await sut.insert([
      span({ TraceId: traceId, SpanId: 'a000000000000001', Timestamp: '1767225600000000000' }),
      span({ TraceId: traceId, SpanId: 'a000000000000002', Timestamp: '1767225665500000000' }),
    ]);
    expect(await sut.traceBounds(traceId)).toEqual({
      start: '2026-01-01 00:00:00',
      end: '2026-01-01 00:01:05',
    });
    expect(await sut.traceBounds('00000000000000000000000000000000')).toBeUndefined();
  });

  it('skips a re-inserted batch that carries the same deduplication token', async () => {
    const traceId = 'dddddddddddddddddddddddddddddddd';
    const batch = [
      span({ TraceId: traceId, SpanId: 'd000000000000001' }),
      span({ TraceId: traceId, SpanId: 'd000000000000002' }),
    ];
    await sut.insert(batch, { dedupToken: 'otlp_spans/0/100-199' });
    await sut.insert(batch, { dedupToken: 'otlp_spans/0/100-199' });
    expect(await sut.countByTraceId(traceId)).toBe(2);
    // A different token is a different batch, even with equal content.
    await sut.insert(batch, { dedupToken: 'otlp_spans/0/200-299' });
    expect(await sut.countByTraceId(traceId)).toBe(4);
  });

  it('inserts the same rows through the server transport (INSERT ... FORMAT JSONCompactEachRow as a request body)', async () => {
    // The embedded handle inserts through the engine's raw insert; run the server code path too.
    const viaClient = new SpanRepository({
      ...handle,
      insertCompact: (table, columns, body, settings) =>
        insertCompactViaClient(handle.client, table, columns, body, settings),
    });
    const traceId = 'cccccccccccccccccccccccccccccccc';
    const rows = [
      span({ TraceId: traceId, SpanId: 'c000000000000001' }),
      span({ TraceId: traceId, SpanId: 'c000000000000002', ParentSpanId: 'c000000000000001' }),
    ];
    await viaClient.insert(rows, { dedupToken: 'server-path-1' });
    await viaClient.insert(rows, { dedupToken: 'server-path-1' });
    expect(await sut.findByTraceId(traceId)).toEqual(rows);
  });

  it('binds values as parameters (an id with quotes is just a value)', async () => {
    await expect(sut.findByTraceId("x' OR 1=1 --")).resolves.toEqual([]);
  });
});
