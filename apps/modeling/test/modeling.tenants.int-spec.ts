import { checkoutSystem, potatoSystem } from '@t2t/examples';
import { HEADERS } from '@t2t/messaging';
import type { SystemModel } from '@t2t/model';
import { MetricsRegistry } from '@t2t/platform';
import { ClusterRepository, ModelRepository, SpanRepository } from '@t2t/storage';
import {
  eventually,
  freshStorageConfig,
  readTopic,
  type RunningService,
  startTestService,
  testBrokers,
  testKafka,
  uniqueTopic,
} from '@t2t/test-support';
import { TENANT_RECORD_HEADER, withTenant } from '@t2t/wire';
import type { ModelEvent } from '../src/model.builder';
import { modelingEnv } from '../src/modeling.env';
import { ModelingModule } from '../src/modeling.module';
import { ModelingService } from '../src/modeling.service';
import { type StoredTraffic, storeTraffic } from '../../../test/support/tenant-traffic';

/**
 * Modeling with several tenants on the real broker and the embedded engine: each tenant's traffic
 * (another system's each) is stored through the repositories in that tenant's scope, as
 * clustering's sink stores it; modeling must build one model per tenant from that tenant's rows
 * only, on that tenant's cluster events and on the periodic rebuild, on its build thread.
 */
describe('modeling per tenant (real broker, embedded ClickHouse)', () => {
  const kafka = testKafka('modeling-tenants');
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
    const topic = uniqueTopic('cluster_events');
    const config = modelingEnv.parse({
      CLICKHOUSE_DATA_PATH: storage.config.dataPath,
      HTTP_PORT: '0',
      KAFKA_BROKERS: testBrokers().join(','),
      MODELING_EVENTS_TOPIC: topic,
      MODELING_OUTPUT_TOPIC: `${topic}.models`,
      MODELING_GROUP_ID: uniqueTopic('modeling'),
      MODELING_LEADER_GROUP: uniqueTopic('modeling-leader'),
      MODELING_DEBOUNCE: '200ms',
      ...env,
    });
    service = await startTestService(ModelingModule.forRoot(config));
    const app = service.app;
    const modeling = app.get(ModelingService);
    await eventually(() => modeling.isLeader, 'modeling leads', 60_000);
    const repositories = {
      clusters: app.get(ClusterRepository),
      spans: app.get(SpanRepository),
      models: app.get(ModelRepository),
    };
    const store = (tenant: string, system: typeof potatoSystem, seed: number) =>
      withTenant(tenant, () =>
        storeTraffic(repositories, system, {
          seed,
          traces: 200,
          samplesPerBehaviour: 20,
          saveModel: false,
        }),
      );
    const latest = (tenant: string) =>
      withTenant(tenant, () => repositories.models.latestVersion());
    const endpointsOf = async (tenant: string) => {
      const v = await latest(tenant);
      return v === undefined
        ? undefined
        : (JSON.parse(v.model) as SystemModel).endpoints.map((e) => e.key).sort();
    };
    const metrics = () => app.get(MetricsRegistry).text();
    return { config, app, repositories, store, latest, endpointsOf, metrics, topic };
  }

  it("builds a tenant's model on its own cluster events, from its own traffic only", async () => {
    const m = await start({ MODELING_REBUILD_INTERVAL: '1h' });
    // The rebuild on election (the implicit tenant, nothing stored yet) is over before data lands.
    await eventually(
      async () =>
        /^t2t_modeling_builds_total\{outcome="unchanged",tenant="default"[^}]*\} 1$/m.test(
          await m.metrics(),
        ),
      'the initial rebuild',
      60_000,
    );
    const acme: StoredTraffic = await m.store('acme', potatoSystem, 11);
    const beta: StoredTraffic = await m.store('beta', checkoutSystem, 12);
    expect(acme.endpoints.filter((e) => beta.endpoints.includes(e))).toEqual([]);

    const producer = kafka.producer();
    await producer.connect();
    const clusterEvent = (tenant: string) =>
      producer.send({
        topic: m.topic,
        messages: [
          {
            key: 'e',
            value: JSON.stringify({ v: 1, type: 'window' }),
            headers: { [HEADERS.eventType]: 'window', [TENANT_RECORD_HEADER]: tenant },
          },
        ],
        acks: -1,
      });
    try {
      await clusterEvent('beta');
      await eventually(async () => (await m.latest('beta')) !== undefined, "beta's model", 60_000);
      expect(await m.endpointsOf('beta')).toEqual(beta.endpoints);
      // Beta's events rebuilt beta's model only.
      expect(await m.latest('acme')).toBeUndefined();
      expect(await m.latest('default')).toBeUndefined();

      await clusterEvent('acme');
      await eventually(async () => (await m.latest('acme')) !== undefined, "acme's model", 60_000);
      expect(await m.endpointsOf('acme')).toEqual(acme.endpoints);
      expect(await m.endpointsOf('beta')).toEqual(beta.endpoints);
      expect((await m.latest('acme'))!.version).toBe(1);
      expect((await m.latest('beta'))!.version).toBe(1);
      expect(await m.latest('default')).toBeUndefined();
    } finally {
      await producer.disconnect();
    }

    // Each announcement names its tenant, in its header and in the event.
    const announced = (await readTopic(kafka, `${m.topic}.models`)).map((r) => {
      const event = JSON.parse(r.value!.toString()) as ModelEvent;
      return [String(r.headers?.[TENANT_RECORD_HEADER]), event.tenant, event.version];
    });
    expect(announced).toEqual([
      ['beta', 'beta', 1],
      ['acme', 'acme', 1],
    ]);
    const metrics = await m.metrics();
    expect(metrics).toMatch(/^t2t_modeling_model_version\{tenant="acme"[^}]*\} 1$/m);
    expect(metrics).toMatch(/^t2t_modeling_model_version\{tenant="beta"[^}]*\} 1$/m);
  });

  it('rebuilds every tenant periodically; a tenant whose build fails does not stop the others', async () => {
    const m = await start({ MODELING_REBUILD_INTERVAL: '1s' });
    const acme = await m.store('acme', potatoSystem, 21);
    const beta = await m.store('beta', checkoutSystem, 22);
    // A tenant whose stored model cannot be read: each of its builds fails. Its name sorts
    // first, so a rebuild that gave up at the first failure would never reach the others.
    await m.store('a-broken', potatoSystem, 23);
    await withTenant('a-broken', () =>
      m.repositories.models.saveVersion(
        {
          modelHash: 'corrupt',
          version: 1,
          createdAt: '2026-06-01 12:00:00.000',
          model: '{"services": [',
          counts: { services: 0, endpoints: 0, entities: 0, edges: 0, behaviours: 0, rules: 0 },
        },
        undefined,
      ),
    );

    await eventually(
      async () => (await m.latest('acme')) !== undefined && (await m.latest('beta')) !== undefined,
      'the models of acme and beta',
      60_000,
    );
    expect(await m.endpointsOf('acme')).toEqual(acme.endpoints);
    expect(await m.endpointsOf('beta')).toEqual(beta.endpoints);
    expect((await m.latest('a-broken'))!.modelHash).toBe('corrupt');
    await eventually(
      async () =>
        /^t2t_modeling_builds_total\{outcome="failed",tenant="a-broken"[^}]*\} [1-9]/m.test(
          await m.metrics(),
        ),
      "a-broken's failed builds counted",
      30_000,
    );
    // Build failures are the builds' own business: the service stays ready.
    const ready = await fetch(`${service!.baseUrl}/health/ready`);
    expect(ready.status).toBe(200);
  });
});
