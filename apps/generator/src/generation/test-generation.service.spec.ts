import { Logger } from '@nestjs/common';
import type {
  ClusterRepository,
  GenerationRun,
  ModelRepository,
  SpanRepository,
  StoredTest,
  TestRepository,
} from '@t2t/storage';
import { currentTenant, withTenant } from '@t2t/wire';
import { TestGenerationService } from './test-generation.service';

/** Repositories with one model version and no traffic; records what the run writes. */
function fakes() {
  const runs: GenerationRun[] = [];
  const saved: StoredTest[][] = [];
  const retired: string[][] = [];
  const models = {
    latestVersion: async () => ({ version: 3, modelHash: 'h3', model: '{"endpoints":[]}' }),
    versionByHash: async () => undefined,
    behaviourStats: async () => [],
    sampleTraceIds: async () => new Map<string, string[]>(),
  } as unknown as ModelRepository;
  const clusters = { representatives: async () => [] } as unknown as ClusterRepository;
  const spans = {
    findModelSpansBytesByTraceIds: async () => new Uint8Array(0),
  } as unknown as SpanRepository;
  const tests = {
    saveRun: async (run: GenerationRun) => void runs.push({ ...run }),
    saveTests: async (stored: StoredTest[]) => void saved.push(stored),
    retireTests: async (endpoints: string[]) => (retired.push(endpoints), 0),
    lastGeneratedModelHash: async () => undefined,
  } as unknown as TestRepository;
  return { models, clusters, spans, tests, runs, saved, retired };
}

describe(TestGenerationService.name, () => {
  beforeAll(() => Logger.overrideLogger(['error']));

  function service(f: ReturnType<typeof fakes>, synthesize: () => Promise<[]> = async () => []) {
    return new TestGenerationService(
      f.models,
      f.clusters,
      f.spans,
      f.tests,
      { samplesPerBehaviour: 5, horizonMs: 60_000 },
      undefined,
      () => undefined,
      synthesize,
    );
  }

  it('stores and retires nothing when leadership moved on while the run was synthesizing', async () => {
    const f = fakes();
    let leading = true;
    const sut = service(f, async () => {
      // Another replica took over while this one was busy.
      leading = false;
      return [];
    });
    const run = await sut.generate({
      trigger: 'schedule',
      endpoints: ['GET /orders'],
      stillLeading: () => leading,
    });
    expect(f.saved).toEqual([]);
    expect(f.retired).toEqual([]);
    expect(run.status).toBe('skipped');
    expect(run.error).toMatch(/leadership moved/);
    // The run's own record says so.
    expect(f.runs.map((r) => r.status)).toEqual(['running', 'skipped']);
  });

  it('records nothing for a run that starts after leadership moved on', async () => {
    const f = fakes();
    const run = await service(f).generate({
      trigger: 'model',
      endpoints: ['GET /orders'],
      stillLeading: () => false,
    });
    expect(run.status).toBe('skipped');
    expect(f.runs).toEqual([]);
    expect(f.saved).toEqual([]);
  });

  it('stores the results while it still leads, and without a fence', async () => {
    for (const stillLeading of [() => true, undefined]) {
      const f = fakes();
      const run = await service(f).generate({
        trigger: 'schedule',
        endpoints: ['GET /orders'],
        stillLeading,
      });
      expect(run.status).toBe('succeeded');
      expect(f.saved).toEqual([[]]);
      expect(f.retired).toEqual([['GET /orders']]);
    }
  });

  it("runs each request in its caller's tenant, also when it waited behind another tenant's run", async () => {
    const f = fakes();
    const savedBy: string[] = [];
    const saveRun = f.tests.saveRun.bind(f.tests);
    f.tests.saveRun = async (run: GenerationRun) => {
      savedBy.push(`${currentTenant()}:${run.status}`);
      return saveRun(run);
    };
    const synthesizedFor: string[] = [];
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    const sut = new TestGenerationService(
      f.models,
      f.clusters,
      f.spans,
      f.tests,
      { samplesPerBehaviour: 5, horizonMs: 60_000 },
      undefined,
      () => undefined,
      async (_model, _evidence, tenant) => {
        synthesizedFor.push(`${tenant}/${currentTenant()}`);
        // The first run holds the queue until the second one was asked for.
        if (synthesizedFor.length === 1) await held;
        return [];
      },
    );
    const beta = withTenant('beta', () =>
      sut.generate({ trigger: 'manual', endpoints: ['GET /b'] }),
    );
    const acme = withTenant('acme', () =>
      sut.generate({ trigger: 'manual', endpoints: ['GET /a'] }),
    );
    release();
    await Promise.all([beta, acme]);
    expect(synthesizedFor).toEqual(['beta/beta', 'acme/acme']);
    expect(savedBy).toEqual(['beta:running', 'beta:succeeded', 'acme:running', 'acme:succeeded']);
  });
});
