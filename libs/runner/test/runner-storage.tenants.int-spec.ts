import { openStorage, SpanRepository } from '@t2t/storage';
import { freshStorageConfig } from '@t2t/test-support';
import { withTenant } from '@t2t/wire';
import { openRunnerStorage } from '../src/run/runner-storage.backend';
import { defaultRunnerEnv } from '../src/runner.env';
import { toSpanRow } from './fake-shop.target';

/**
 * The runner's ClickHouse backend (what an emitted Jest file reads without T2T_SERVER_URL) reads
 * one tenant's traces: the one it was opened for, whatever scope its caller runs in.
 */
describe('the runner reading ClickHouse, per tenant', () => {
  const storage = freshStorageConfig();
  afterAll(() => storage.cleanup());

  it("counts and reads only its tenant's spans", async () => {
    const handle = await openStorage(storage.config);
    const spans = new SpanRepository(handle);
    const span = (traceId: string) =>
      toSpanRow({
        traceId,
        spanId: traceId.slice(0, 16),
        parentSpanId: '',
        service: 'shop',
        name: 'POST /orders',
        kind: 2,
        startNs: 1_767_225_600_000_000_000n,
        durationNs: 1_000_000,
        statusCode: 0,
        attributes: {},
        links: [],
      });
    const acmeTrace = 'a'.repeat(32);
    const otherTrace = 'b'.repeat(32);
    await withTenant('acme', () => spans.insert([span(acmeTrace)]));
    await spans.insert([span(otherTrace)]);
    await handle.close();

    const tenant = defaultRunnerEnv.parse({ T2T_TENANT: 'acme' }).tenant.tenant;
    const acme = await openRunnerStorage(storage.config, tenant);
    const implicit = await openRunnerStorage(storage.config, 'default');
    try {
      // Called from another tenant's scope: the backend's own tenant decides.
      await withTenant('other', async () => {
        expect(await acme.traces.countSpans(acmeTrace)).toBe(1);
        expect(await acme.traces.countSpans(otherTrace)).toBe(0);
        expect((await acme.traces.readTrace(acmeTrace)).spans).toHaveLength(1);
        expect(await implicit.traces.countSpans(acmeTrace)).toBe(0);
        expect(await implicit.traces.countSpans(otherTrace)).toBe(1);
      });
    } finally {
      await acme.handle.close();
      await implicit.handle.close();
    }
  });

  it('takes its tenant from T2T_TENANT, the implicit one by default', () => {
    expect(defaultRunnerEnv.parse({}).tenant.tenant).toBe('default');
    expect(() => defaultRunnerEnv.parse({ T2T_TENANT: '../etc' })).toThrow(/T2T_TENANT/);
  });
});
