import { EntrySpanRepository } from '@t2t/runner';
import {
  type ClickHouseHandle,
  ClusterRepository,
  openStorage,
  SpanRepository,
  type SpanRow,
} from '@t2t/storage';
import { freshTestStorage, type TestStorage } from '@t2t/test-support';
import { withTenant } from '@t2t/wire';

const T0 = 1_767_225_600_000_000_000n; // 2026-01-01T00:00:00Z
const TRACE = '0af7651916cd43dd8448eb211c80319c';
const ENDPOINT = 'shop|HTTP POST /orders';

function root(tenant: string): SpanRow {
  return {
    Timestamp: (T0 + 1000n).toString(),
    TraceId: TRACE,
    SpanId: '0000000000000001',
    ParentSpanId: '',
    TraceState: '',
    SpanName: 'POST /orders',
    SpanKind: 'Server',
    ServiceName: 'shop',
    ResourceAttributes: {},
    ScopeName: '',
    ScopeVersion: '',
    SpanAttributes: { 'owner.tenant': tenant },
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
    Tenant: tenant,
  };
}

/** `test verify` reads the stored roots and behaviours of the caller's tenant only. */
describe(`${EntrySpanRepository.name} with tenants`, () => {
  let storage: TestStorage;
  let handle: ClickHouseHandle;
  let sut: EntrySpanRepository;
  const range = { fromNs: T0, toNs: T0 + 60_000_000_000n };

  beforeAll(async () => {
    storage = freshTestStorage();
    handle = await openStorage(storage.config);
    sut = new EntrySpanRepository(handle);
    // The same trace id, service and endpoint in two tenants' spans; the trace clustered in acme
    // and in initech, which has no span of it.
    await new SpanRepository(handle).insert([root('acme'), root('globex')]);
    await new ClusterRepository(handle).write(
      ['acme', 'initech'].map((tenant) => ({
        v: 1,
        type: 'members',
        tenant,
        partition: 0,
        endpoint: ENDPOINT,
        fingerprint: 'f1',
        traceIds: [TRACE],
        startNs: [(T0 + 1000n).toString()],
        errors: [0],
      })),
    );
  });

  afterAll(async () => {
    await handle.close();
    await storage.cleanup();
  });

  it('finds the root spans of its own tenant only', async () => {
    for (const tenant of ['acme', 'globex']) {
      const roots = await withTenant(tenant, () =>
        sut.findRoots({ services: ['shop'], ...range, perName: 10 }),
      );
      expect(roots.map((r) => r.attributes['owner.tenant'])).toEqual([tenant]);
    }
    expect(await sut.findRoots({ services: ['shop'], ...range, perName: 10 })).toEqual([]);
  });

  it("finds the clustered traces of its own tenant only, with roots of that tenant's", async () => {
    const members = (tenant: string) =>
      withTenant(tenant, () =>
        sut.findMembers({ endpoints: [ENDPOINT], ...range, perEndpoint: 10 }),
      );
    expect(await members('acme')).toEqual([
      { traceId: TRACE, endpoint: ENDPOINT, fingerprint: 'f1' },
    ]);
    // globex has a root span of the trace but no behaviour; initech a behaviour but no root span
    // of its own (acme's and globex's do not count).
    expect(await members('globex')).toEqual([]);
    expect(await members('initech')).toEqual([]);
  });
});
