import type { BehaviourEvidence, SystemModel } from '@t2t/model';
import type {
  BehaviourStatsRow,
  ClusterRepository,
  ModelRepository,
  SpanRepository,
  StoredModelVersion,
} from '@t2t/storage';
import { currentTenant, withTenant } from '@t2t/wire';
import { type ModelEvent, ModelBuilder } from './model.builder';

const ENDPOINT = 'orders|HTTP POST /orders';

function stats(traces: number): BehaviourStatsRow {
  return {
    endpoint: ENDPOINT,
    fingerprint: 'fp-1',
    traces,
    errors: 0,
    sketch: { gamma: 0, zeroCount: 0, indexes: [], counts: [] },
    lateDurationsUs: [],
  };
}

const MODEL: SystemModel = {
  services: [{ name: 'orders' } as SystemModel['services'][number]],
  endpoints: [{ key: ENDPOINT } as SystemModel['endpoints'][number]],
  entities: [],
  edges: [],
  behaviours: [],
  rules: [],
};

/** A builder over in-memory repositories; what the tests change between rebuilds. */
function setUp() {
  const state = { traces: 10, samples: ['t1', 't2'] };
  const versions: StoredModelVersion[] = [];
  const spanReads = jest.fn(async () => []);
  const built = jest.fn(async (_evidence: BehaviourEvidence[]) => MODEL);
  const models = {
    behaviourStats: async () => [stats(state.traces)],
    sampleTraceIds: async () => new Map([[`${ENDPOINT}\u0000fp-1`, state.samples]]),
    latestVersion: async () => versions[versions.length - 1],
    saveVersion: async (v: StoredModelVersion) => {
      versions.push(v);
    },
  } as unknown as ModelRepository;
  const clusters = { representatives: async () => [] } as unknown as ClusterRepository;
  const spans = { findModelSpansByTraceIds: spanReads } as unknown as SpanRepository;
  const builder = new ModelBuilder(
    clusters,
    models,
    spans,
    { samplesPerBehaviour: 20, debounceMs: 0, horizonMs: 86_400_000 },
    async () => undefined,
    undefined,
    undefined,
    built,
  );
  return { builder, state, versions, spanReads, built };
}

describe(ModelBuilder.name, () => {
  it('skips a requested rebuild whose sampled traces are those of the last build, reading no span', async () => {
    const { builder, state, versions, spanReads, built } = setUp();
    expect(await builder.requestRebuild()).toMatchObject({ changed: true, version: 1 });
    expect(built).toHaveBeenCalledTimes(1);
    const reads = spanReads.mock.calls.length;

    // More traffic of the same behaviour, the same sample: only counts changed.
    state.traces = 500;
    expect(await builder.requestRebuild()).toMatchObject({
      changed: false,
      skipped: true,
      version: 1,
    });
    expect(built).toHaveBeenCalledTimes(1);
    expect(spanReads.mock.calls.length).toBe(reads);

    // A new trace in the sample: the inputs changed, so it builds (the same model: no new version).
    state.samples = ['t0', 't1'];
    const rebuilt = await builder.requestRebuild();
    expect(rebuilt.skipped).toBeUndefined();
    expect(rebuilt).toMatchObject({ changed: false, version: 1 });
    expect(built).toHaveBeenCalledTimes(2);
    expect(versions).toHaveLength(1);
  });

  it('builds anyway when asked for a full rebuild (the periodic one) or directly', async () => {
    const { builder, built } = setUp();
    await builder.requestRebuild();
    await builder.requestRebuild({ full: true });
    expect(built).toHaveBeenCalledTimes(2);
    await builder.rebuildNow();
    expect(built).toHaveBeenCalledTimes(3);
  });
});

describe(`${ModelBuilder.name} tenants`, () => {
  it("reads, builds, stores and announces in its own tenant's scope, whoever asks", async () => {
    const seen = new Set<string>();
    const note = <T>(value: T) => {
      seen.add(currentTenant());
      return value;
    };
    const saved: string[] = [];
    const events: ModelEvent[] = [];
    const builtFor: string[] = [];
    const models = {
      behaviourStats: async () => note([stats(10)]),
      sampleTraceIds: async () => note(new Map([[`${ENDPOINT}\u0000fp-1`, ['t1']]])),
      latestVersion: async () => note(undefined),
      saveVersion: async () => void saved.push(currentTenant()),
    } as unknown as ModelRepository;
    const clusters = { representatives: async () => note([]) } as unknown as ClusterRepository;
    const spans = { findModelSpansByTraceIds: async () => note([]) } as unknown as SpanRepository;
    const builder = new ModelBuilder(
      clusters,
      models,
      spans,
      { samplesPerBehaviour: 20, debounceMs: 0, horizonMs: 86_400_000, tenant: 'acme' },
      async (event) => void events.push(event),
      undefined,
      undefined,
      async (_evidence, tenant) => {
        builtFor.push(tenant);
        return MODEL;
      },
    );
    // Asked from another tenant's scope (and from none): the build is still acme's.
    await withTenant('beta', () => builder.requestRebuild());
    expect([...seen]).toEqual(['acme']);
    expect(saved).toEqual(['acme']);
    expect(builtFor).toEqual(['acme']);
    expect(events).toEqual([expect.objectContaining({ tenant: 'acme', version: 1 })]);
  });
});
