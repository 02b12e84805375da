import { checkoutSystem, potatoSystem, type SystemDefinition } from '@t2t/examples';
import { MetricsRegistry } from '@t2t/platform';
import { ClusterRepository, ModelRepository, SpanRepository, TestRepository } from '@t2t/storage';
import {
  eventually,
  freshStorageConfig,
  type RunningService,
  startTestService,
} from '@t2t/test-support';
import { withTenant } from '@t2t/wire';
import { type StoredTraffic, storeTraffic } from '../../../test/support/tenant-traffic';
import { TestGenerationService } from '../src/generation/test-generation.service';
import { generatorEnv } from '../src/generator.env';
import { GeneratorModule } from '../src/generator.module';

/**
 * Test generation with several tenants on the embedded engine: each tenant holds another
 * system's model and traffic (stored through the repositories in its scope, as modeling and
 * clustering store them). Scheduled runs must generate for every tenant from its own model and
 * traces only, and record each run as that tenant's; a tenant whose run fails must not keep the
 * others from theirs; a run asked for in a tenant's scope stays that tenant's through the queue.
 */
describe('test generation per tenant (embedded ClickHouse)', () => {
  let storage: ReturnType<typeof freshStorageConfig> | undefined;
  let service: RunningService | undefined;

  afterEach(async () => {
    await service?.close();
    service = undefined;
    storage?.cleanup();
    storage = undefined;
  });

  async function start(env: Record<string, string>) {
    storage = freshStorageConfig();
    service = await startTestService(
      GeneratorModule.forRoot(
        generatorEnv.parse({
          CLICKHOUSE_DATA_PATH: storage.config.dataPath,
          HTTP_PORT: '0',
          GRAPHQL_AUTH: 'off',
          GENERATOR_ON_MODEL_VERSION: 'false',
          GENERATOR_SYNTHESIS_THREAD: 'true',
          GENERATOR_SAMPLES_PER_BEHAVIOUR: '20',
          ...env,
        }),
      ),
    );
    const app = service.app;
    const repositories = {
      clusters: app.get(ClusterRepository),
      spans: app.get(SpanRepository),
      models: app.get(ModelRepository),
    };
    const tests = app.get(TestRepository);
    return {
      app,
      store: (tenant: string, system: SystemDefinition, seed: number) =>
        withTenant(tenant, () =>
          storeTraffic(repositories, system, {
            seed,
            traces: 200,
            samplesPerBehaviour: 20,
            saveModel: true,
          }),
        ),
      corrupt: (tenant: string) =>
        withTenant(tenant, () =>
          repositories.models.saveVersion(
            {
              modelHash: 'corrupt',
              version: 1,
              createdAt: '2026-06-01 12:00:00.000',
              model: '{"endpoints": [',
              counts: { services: 0, endpoints: 0, entities: 0, edges: 0, behaviours: 0, rules: 0 },
            },
            undefined,
          ),
        ),
      runs: (tenant: string) => withTenant(tenant, () => tests.runs(100)),
      testEndpoints: async (tenant: string) =>
        [
          ...new Set(
            (await withTenant(tenant, () => tests.currentTests({ limit: 10_000 }))).map(
              (t) => t.endpoint,
            ),
          ),
        ].sort(),
    };
  }

  it('the schedule generates for every tenant from its own model; a failing tenant does not stop the others', async () => {
    const g = await start({ GENERATOR_SCHEDULE: '* * * * * *', GENERATOR_RUN_ON_START: 'false' });
    // Its model cannot be read, so its runs fail; its name sorts before the others'. Stored first:
    // a tick between the others' traffic and this would let them succeed before it ever ran.
    await g.corrupt('a-broken');
    const acme: StoredTraffic = await g.store('acme', potatoSystem, 31);
    const beta: StoredTraffic = await g.store('beta', checkoutSystem, 32);

    const succeeded = async (tenant: string) =>
      (await g.runs(tenant)).some((r) => r.trigger === 'schedule' && r.status === 'succeeded');
    await eventually(
      async () => (await succeeded('acme')) && (await succeeded('beta')),
      'scheduled runs of acme and beta',
      120_000,
    );

    const acmeTests = await g.testEndpoints('acme');
    const betaTests = await g.testEndpoints('beta');
    expect(acmeTests.length).toBeGreaterThan(0);
    expect(betaTests.length).toBeGreaterThan(0);
    expect(acmeTests.every((e) => acme.entryEndpoints.includes(e))).toBe(true);
    expect(betaTests.every((e) => beta.entryEndpoints.includes(e))).toBe(true);
    expect(acmeTests.filter((e) => betaTests.includes(e))).toEqual([]);

    const acmeRun = (await g.runs('acme')).find((r) => r.status === 'succeeded')!;
    expect(acmeRun.endpoints).toEqual(acme.entryEndpoints);
    const broken = await g.runs('a-broken');
    expect(broken.length).toBeGreaterThan(0);
    expect(broken.every((r) => r.status === 'failed')).toBe(true);
    // The implicit tenant has no model: its runs are skipped, and it has no tests.
    expect((await g.runs('default')).map((r) => r.error)).toContain('no model version yet');
    expect(await g.testEndpoints('default')).toEqual([]);

    const metrics = await g.app.get(MetricsRegistry).text();
    for (const [tenant, status] of [
      ['acme', 'succeeded'],
      ['beta', 'succeeded'],
      ['a-broken', 'failed'],
    ]) {
      expect(metrics).toMatch(
        new RegExp(
          `^t2t_generator_runs_total\\{trigger="schedule",status="${status}",tenant="${tenant}"[^}]*\\} [1-9]`,
          'm',
        ),
      );
    }
  });

  it("a run asked for in a tenant's scope is that tenant's, also when it waits behind another's", async () => {
    const g = await start({ GENERATOR_SCHEDULE: 'off' });
    const acme = await g.store('acme', potatoSystem, 41);
    const beta = await g.store('beta', checkoutSystem, 42);
    const generation = g.app.get(TestGenerationService);
    // Both asked at once: acme's waits in the queue behind beta's.
    const [betaRun, acmeRun] = await Promise.all([
      withTenant('beta', () => generation.generate({ trigger: 'manual' })),
      withTenant('acme', () => generation.generate({ trigger: 'manual' })),
    ]);
    expect(betaRun).toMatchObject({ status: 'succeeded', endpoints: beta.entryEndpoints });
    expect(acmeRun).toMatchObject({ status: 'succeeded', endpoints: acme.entryEndpoints });
    expect((await g.runs('acme')).map((r) => r.runId)).toEqual([acmeRun.runId]);
    expect((await g.runs('beta')).map((r) => r.runId)).toEqual([betaRun.runId]);
    expect(await g.runs('default')).toEqual([]);
    expect((await g.testEndpoints('acme')).every((e) => acme.entryEndpoints.includes(e))).toBe(
      true,
    );
    expect((await g.testEndpoints('beta')).every((e) => beta.entryEndpoints.includes(e))).toBe(
      true,
    );
  });
});
