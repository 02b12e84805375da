import type { INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import type { SystemModel } from '@t2t/model';
import { modelHash } from '@t2t/model';
import { ModelRepository, TestRepository } from '@t2t/storage';
import { MetricsRegistry } from '@t2t/platform';
import {
  eventually,
  freshStorageConfig,
  testBrokers,
  testKafka,
  uniqueTopic,
} from '@t2t/test-support';
import { GenerationScheduler } from '../src/generation/generation.scheduler';
import { TestGenerationService } from '../src/generation/test-generation.service';
import { generatorEnv } from '../src/generator.env';
import { GeneratorModule } from '../src/generator.module';

function model(routes: string[], extraRuleFor?: string): SystemModel {
  return {
    services: [{ name: 'api', endpoints: routes.map((r) => `api|HTTP GET ${r}`) }],
    endpoints: routes.map((r) => ({
      key: `api|HTTP GET ${r}`,
      service: 'api',
      kind: 'http',
      entry: true,
      traces: 10,
      behaviours: [`fp-${r}`],
    })),
    entities: [],
    edges: [],
    behaviours: routes.map((r) => ({
      endpoint: `api|HTTP GET ${r}`,
      fingerprint: `fp-${r}`,
      share: 1,
      traces: 10,
      errorRate: 0,
      p50Us: 1000,
      p95Us: 2000,
      representativeTraceId: undefined,
      edges: extraRuleFor === r ? ['CALLS x -> y'] : [],
    })),
    rules: [],
  };
}

async function saveModel(models: ModelRepository, version: number, m: SystemModel): Promise<void> {
  await models.saveVersion(
    {
      modelHash: modelHash(m),
      version,
      createdAt: `2026-01-01 00:00:0${version}.000`,
      model: JSON.stringify(m),
      counts: {
        services: 1,
        endpoints: m.endpoints.length,
        entities: 0,
        edges: 0,
        behaviours: m.behaviours.length,
        rules: 0,
      },
    },
    undefined,
  );
}

describe('test generation runs and their schedule', () => {
  const apps: INestApplication[] = [];
  let storage: ReturnType<typeof freshStorageConfig>;

  afterEach(async () => {
    for (const app of apps.splice(0).reverse()) await app.close();
    storage?.cleanup();
  });

  async function startGenerator(env: Record<string, string>): Promise<INestApplication> {
    const config = generatorEnv.parse({
      CLICKHOUSE_DATA_PATH: storage.config.dataPath,
      HTTP_PORT: '0',
      GRAPHQL_API_KEYS: 'k-generation-test-0123456789',
      ...env,
    });
    const ref = await Test.createTestingModule({
      imports: [GeneratorModule.forRoot(config)],
    }).compile();
    const app = ref.createNestApplication({ logger: ['error', 'warn'] });
    await app.init();
    apps.push(app);
    return app;
  }

  it('regenerates only the endpoints whose part of the model changed, and records every run', async () => {
    storage = freshStorageConfig();
    const app = await startGenerator({ GENERATOR_SCHEDULE: 'off' });
    const models = app.get(ModelRepository);
    const runs = app.get(TestGenerationService);

    const skippedFirst = await runs.generate({ trigger: 'manual' });
    expect(skippedFirst).toMatchObject({ status: 'skipped', error: 'no model version yet' });

    await saveModel(models, 1, model(['/a', '/b']));
    const first = await runs.generate({ trigger: 'manual' });
    expect(first).toMatchObject({
      status: 'succeeded',
      modelVersion: 1,
      endpoints: ['api|HTTP GET /a', 'api|HTTP GET /b'],
    });

    const again = await runs.generate({ trigger: 'schedule' });
    expect(again).toMatchObject({
      status: 'skipped',
      error: 'no endpoint changed since the last run',
    });

    await saveModel(models, 2, model(['/a', '/b', '/c'], '/b'));
    const second = await runs.generate({ trigger: 'schedule' });
    expect(second.endpoints).toEqual(['api|HTTP GET /b', 'api|HTTP GET /c']);

    const forced = await runs.generate({ trigger: 'manual', endpoints: ['api|HTTP GET /a'] });
    expect(forced.endpoints).toEqual(['api|HTTP GET /a']);

    const recorded = await app.get(TestRepository).runs(20);
    expect(recorded.map((r) => [r.trigger, r.status])).toEqual([
      ['manual', 'succeeded'],
      ['schedule', 'succeeded'],
      ['schedule', 'skipped'],
      ['manual', 'succeeded'],
      ['manual', 'skipped'],
    ]);
  });

  it('generates when modeling announces a new model version, once per burst of versions', async () => {
    storage = freshStorageConfig();
    const topic = uniqueTopic('model_events');
    const app = await startGenerator({
      KAFKA_BROKERS: testBrokers().join(','),
      GENERATOR_SCHEDULE: 'off',
      GENERATOR_LEADER_GROUP: uniqueTopic('generator-leader'),
      GENERATOR_SESSION_TIMEOUT: '6s',
      GENERATOR_MODEL_EVENTS_TOPIC: topic,
      GENERATOR_MODEL_DEBOUNCE: '1s',
    });
    const models = app.get(ModelRepository);
    const scheduler = app.get(GenerationScheduler);
    await eventually(() => scheduler.isLeader, 'the generator leads');
    const kafka = testKafka('model-events-test');
    const producer = kafka.producer();
    await producer.connect();
    try {
      // Three versions in quick succession, as a burst of traffic makes them.
      for (const version of [1, 2, 3]) {
        const routes = ['/a', '/b', '/c'].slice(0, version);
        await saveModel(models, version, model(routes));
        await producer.send({
          topic,
          messages: [
            { key: 'model', value: JSON.stringify({ v: 1, type: 'model_version', version }) },
          ],
        });
      }
      const tests = app.get(TestRepository);
      await eventually(
        async () =>
          (await tests.runs(10)).some((r) => r.trigger === 'model' && r.status === 'succeeded'),
        'a generation run started by the model versions',
        60_000,
      );
      // Debounced: one run for the burst, for the latest version.
      await new Promise((r) => setTimeout(r, 2_000));
      const runs = (await tests.runs(10)).filter((r) => r.trigger === 'model');
      expect(runs.map((r) => [r.status, r.modelVersion])).toEqual([['succeeded', 3]]);
      const metrics = await app.get(MetricsRegistry).text();
      expect(metrics).toMatch(
        /^t2t_generator_runs_total\{trigger="model",status="succeeded"[^}]*\} 1$/m,
      );
      expect(metrics).toMatch(/^t2t_generator_model_version\{[^}]*\} 3$/m);
    } finally {
      await producer.disconnect();
    }
  });

  it('refuses a schedule that is not a cron expression', () => {
    expect(() =>
      generatorEnv.parse({ GRAPHQL_AUTH: 'off', GENERATOR_SCHEDULE: 'every hour' }),
    ).toThrow('GENERATOR_SCHEDULE: "every hour" is not a cron expression');
  });

  it('two replicas: only the elected one runs the schedule, and the other takes over when it leaves', async () => {
    storage = freshStorageConfig();
    const env = {
      KAFKA_BROKERS: testBrokers().join(','),
      GENERATOR_LEADER_GROUP: uniqueTopic('generator-leader'),
      GENERATOR_SESSION_TIMEOUT: '6s',
      // Every second (six-field cron), so the test sees several ticks.
      GENERATOR_SCHEDULE: '* * * * * *',
      GENERATOR_RUN_ON_START: 'false',
    };
    const a = await startGenerator(env);
    const b = await startGenerator(env);
    await saveModel(a.get(ModelRepository), 1, model(['/a']));
    const schedulers = [a, b].map((app) => app.get(GenerationScheduler));
    await eventually(() => schedulers.filter((s) => s.isLeader).length === 1, 'one leader', 30_000);
    // Leadership may move once while the second replica joins; look at the runs after that settles.
    await new Promise((r) => setTimeout(r, 2000));
    expect(schedulers.filter((s) => s.isLeader)).toHaveLength(1);
    const since = new Date().toISOString().replace('T', ' ').replace('Z', '');
    const tests = a.get(TestRepository);
    const runsSince = async () => (await tests.runs(100)).filter((r) => r.startedAt > since);
    await eventually(async () => (await runsSince()).length >= 3, 'several scheduled runs', 30_000);
    expect(new Set((await runsSince()).map((r) => r.instance)).size).toBe(1);
    expect((await runsSince()).every((r) => r.trigger === 'schedule')).toBe(true);

    // The leader leaves; the other replica takes the schedule over.
    const leaderIndex = schedulers.findIndex((s) => s.isLeader);
    const leaderApp = [a, b][leaderIndex];
    await leaderApp.close();
    apps.splice(apps.indexOf(leaderApp), 1);
    const other = schedulers[1 - leaderIndex];
    await eventually(() => other.isLeader, 'the other replica elected', 30_000);
  });
});
