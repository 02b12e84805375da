import type { SystemModel } from '@t2t/model';
import {
  type BehaviourStatsRow,
  type ClusterRepository,
  type EvidenceShape,
  type ModelRepository,
  readEvidence,
  type SpanRepository,
  type StoredModelVersion,
} from '@t2t/storage';
import { currentTenant, withTenant } from '@t2t/wire';
import { type ModelEvent, ModelBuilder, QUIET_GAP_RATIO } from './model.builder';

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
  const spanReads = jest.fn(async () => new Uint8Array(0));
  // Reads the evidence as the service's builds do (inline or for a thread), then builds MODEL.
  const built = jest.fn(async (plan: EvidenceShape, from: SpanRepository) => {
    await readEvidence(plan, from);
    return MODEL;
  });
  const models = {
    behaviourStats: async () => [stats(state.traces)],
    sampleTraceIds: async () => new Map([[`${ENDPOINT}\u0000fp-1`, state.samples]]),
    latestVersion: async () => versions[versions.length - 1],
    saveVersion: async (v: StoredModelVersion) => {
      versions.push(v);
    },
  } as unknown as ModelRepository;
  const clusters = { representatives: async () => [] } as unknown as ClusterRepository;
  const spans = { findModelSpansBytesByTraceIds: spanReads } as unknown as SpanRepository;
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

describe(`${ModelBuilder.name} after builds that change nothing`, () => {
  afterEach(() => jest.useRealTimers());

  it('waits twice as long as the last unchanged build took before the next event-triggered one', async () => {
    jest.useFakeTimers();
    const { builder, state, built } = setUp();
    const BUILD_MS = 1000;
    let model = MODEL;
    built.mockImplementation(async () => {
      await new Promise((r) => setTimeout(r, BUILD_MS));
      return model;
    });
    const settle = async <T>(p: Promise<T>): Promise<T> => {
      await jest.advanceTimersByTimeAsync(BUILD_MS);
      return p;
    };

    expect(await settle(builder.requestRebuild())).toMatchObject({ changed: true, version: 1 });
    // A new sample, the same model: read and built for nothing.
    state.samples = ['t1', 't3'];
    expect(await settle(builder.requestRebuild())).toMatchObject({ changed: false, version: 1 });
    expect(built).toHaveBeenCalledTimes(2);

    // The next one waits QUIET_GAP_RATIO × 1 s (the debounce is 0).
    state.samples = ['t1', 't4'];
    const next = builder.requestRebuild();
    await jest.advanceTimersByTimeAsync(QUIET_GAP_RATIO * BUILD_MS - 1);
    expect(built).toHaveBeenCalledTimes(2);
    await jest.advanceTimersByTimeAsync(1);
    expect(built).toHaveBeenCalledTimes(3);
    // This one changes the model: the gap goes, and the following build starts at once.
    model = { ...MODEL, services: [...MODEL.services, { name: 'stock' } as never] };
    expect(await settle(next)).toMatchObject({ changed: true, version: 2 });
    state.samples = ['t1', 't5'];
    const after = builder.requestRebuild();
    await jest.advanceTimersByTimeAsync(0);
    expect(built).toHaveBeenCalledTimes(4);
    expect(await settle(after)).toMatchObject({ changed: false, version: 2 });

    // Unchanged again, so a gap; but a full request (periodic, re-measuring rules) never waits.
    const full = builder.requestRebuild({ full: true });
    await jest.advanceTimersByTimeAsync(0);
    expect(built).toHaveBeenCalledTimes(5);
    expect(await settle(full)).toMatchObject({ changed: false, version: 2 });
  });
});

describe(`${ModelBuilder.name} rules measured on all traffic`, () => {
  const RULE = {
    endpoint: ENDPOINT,
    at: ENDPOINT,
    condition: 'user.vip = true',
    atoms: [{ attribute: 'user.vip', op: '=', value: 'true' }],
    effect: 'calls review POST /reviews',
    edge: {
      type: 'CALLS',
      from: ENDPOINT,
      to: 'review|HTTP POST /reviews',
      protocol: 'http',
      method: 'POST',
      route: '/reviews',
      seenIn: [ENDPOINT],
    },
    support: 20,
    confidence: 1,
    falseRate: 0,
    measured: {
      basis: 'samples',
      behaviours: [
        { fingerprint: 'fp-review', effect: true, traces: 20, holds: 20 },
        { fingerprint: 'fp-plain', effect: false, traces: 20, holds: 0 },
      ],
    },
  } as unknown as SystemModel['rules'][number];

  it('reports a rule dropped on all traffic, and keeps it once a full build finds the memberships that decide it', async () => {
    const versions: StoredModelVersion[] = [];
    const built = jest.fn(async () => ({ ...MODEL, rules: [RULE] }));
    // What trace_behaviours holds: at first only memberships that contradict the rule (the sink
    // has not written the rest yet); later all of them.
    let complete = false;
    const ruleStats = {
      horizonStartNs: async () => 1n,
      source: () => ({
        numericRanges: async () => [],
        conditionCounts: async () =>
          complete
            ? [
                { fingerprint: 'fp-plain', traces: 40, holds: 0 },
                { fingerprint: 'fp-review', traces: 40, holds: 40 },
              ]
            : [
                { fingerprint: 'fp-plain', traces: 10, holds: 6 },
                { fingerprint: 'fp-review', traces: 4, holds: 4 },
              ],
      }),
    };
    const builder = new ModelBuilder(
      { representatives: async () => [] } as unknown as ClusterRepository,
      {
        behaviourStats: async () => [stats(10)],
        sampleTraceIds: async () => new Map([[`${ENDPOINT}\u0000fp-1`, ['t1']]]),
        latestVersion: async () => versions[versions.length - 1],
        saveVersion: async (v: StoredModelVersion) => {
          versions.push(v);
        },
      } as unknown as ModelRepository,
      { findModelSpansBytesByTraceIds: async () => new Uint8Array(0) } as unknown as SpanRepository,
      { samplesPerBehaviour: 20, debounceMs: 0, horizonMs: 86_400_000 },
      async () => undefined,
      undefined,
      ruleStats as unknown as ConstructorParameters<typeof ModelBuilder>[6],
      built,
    );
    const rulesOf = (v: StoredModelVersion) => (JSON.parse(v.model) as SystemModel).rules;

    // The service builds again (in full) while a build reports dropped rules.
    expect(await builder.requestRebuild()).toMatchObject({ droppedRules: 1 });
    expect(rulesOf(versions[0])).toEqual([]);
    // An event-triggered build on the same samples is still skipped (no rebuild per window event
    // for a rule that does not hold).
    expect(await builder.requestRebuild()).toMatchObject({ skipped: true });
    // The rest of the memberships written: the full build measures the rule again and keeps it.
    complete = true;
    expect(await builder.requestRebuild({ full: true })).toMatchObject({ droppedRules: 0 });
    expect(built).toHaveBeenCalledTimes(2);
    expect(rulesOf(versions[versions.length - 1]).map((r) => r.condition)).toEqual([
      'user.vip = true',
    ]);
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
    const spans = {
      findModelSpansBytesByTraceIds: async () => note(new Uint8Array(0)),
    } as unknown as SpanRepository;
    const builder = new ModelBuilder(
      clusters,
      models,
      spans,
      { samplesPerBehaviour: 20, debounceMs: 0, horizonMs: 86_400_000, tenant: 'acme' },
      async (event) => void events.push(event),
      undefined,
      undefined,
      async (plan, from, tenant) => {
        await readEvidence(plan, from);
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
