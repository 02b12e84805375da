import type { INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import type { MessagingClient, OutgoingMessage } from '@t2t/messaging';
import { CLICKHOUSE, ClusterRepository, type ClickHouseHandle } from '@t2t/storage';
import {
  type Behaviour,
  behaviourStream,
  consumeUntil,
  createTopics,
  eventually,
  freshStorageConfig,
  testBrokers,
  testKafka,
  uniqueTopic,
} from '@t2t/test-support';
import { encodeTraceRecord, TENANT_RECORD_HEADER, type TraceRecord, withTenant } from '@t2t/wire';
import { clusteringEnv } from '../src/clustering.env';
import { ClusteringModule } from '../src/clustering.module';
import { FAST_CLUSTERING_ENV } from './clustering.fixture';

/** Trace records as ingest writes them: keyed by trace id, the tenant in a header (none: default). */
async function produceTenantRecords(
  kafka: MessagingClient,
  topic: string,
  records: { tenant?: string; record: TraceRecord }[],
): Promise<void> {
  const producer = kafka.producer();
  await producer.connect();
  for (let i = 0; i < records.length; i += 200) {
    const messages: OutgoingMessage[] = records.slice(i, i + 200).map(({ tenant, record }) => ({
      key: record.traceId,
      value: encodeTraceRecord(record),
      headers: tenant === undefined ? {} : { [TENANT_RECORD_HEADER]: tenant },
    }));
    await producer.send({ topic, messages, acks: -1 });
  }
  await producer.disconnect();
}

/** Rows of a clustering table per tenant, deduplicated as reads see them. */
async function perTenant(
  ch: ClickHouseHandle,
  table: string,
  measure: string,
): Promise<Record<string, number>> {
  const rs = await ch.client.query({
    query: `SELECT tenant, toString(${measure}) AS n FROM {db:Identifier}.${table} FINAL GROUP BY tenant`,
    query_params: { db: ch.database },
    format: 'JSONEachRow',
  });
  const rows = await rs.json<{ tenant: string; n: string }>();
  // Sorted by tenant, so two results compare equal as JSON too.
  rows.sort((a, b) => a.tenant.localeCompare(b.tenant));
  return Object.fromEntries(rows.map((r) => [r.tenant, Number(r.n)]));
}

const sorted = (ns: Iterable<number>) => [...ns].sort((a, b) => a - b);

describe('clustering: tenants (real broker, embedded ClickHouse)', () => {
  const kafka = testKafka('clustering-tenant-test');
  let app: INestApplication | undefined;
  let storage: ReturnType<typeof freshStorageConfig> | undefined;

  afterEach(async () => {
    await app?.close();
    app = undefined;
    storage?.cleanup();
  });

  function configFor(input: string, groups: { worker: string; sink: string }) {
    return clusteringEnv.parse({
      CLICKHOUSE_DATA_PATH: storage!.config.dataPath,
      KAFKA_BROKERS: testBrokers().join(','),
      CLUSTERING_INPUT_TOPIC: input,
      CLUSTERING_EVENTS_TOPIC: `${input}.events`,
      CLUSTERING_SINK_DLQ_TOPIC: `${input}.events.dlq`,
      CLUSTERING_GROUP_ID: groups.worker,
      CLUSTERING_SINK_GROUP_ID: groups.sink,
      ...FAST_CLUSTERING_ENV,
    });
  }

  async function startApp(config: ReturnType<typeof configFor>): Promise<INestApplication> {
    const ref = await Test.createTestingModule({
      imports: [ClusteringModule.forRoot(config)],
    }).compile();
    const started = ref.createNestApplication({ logger: ['error', 'warn'] });
    await started.init();
    return started;
  }

  it('keeps two tenants sending the same trace ids and endpoints apart: own traces, own clusters with their own counts, rows stamped with their tenant', async () => {
    storage = freshStorageConfig();
    const input = uniqueTopic('spans_by_trace');
    await createTopics(kafka, { [input]: 2 });
    // acme sends 400 traces; globex sends the first 200 of them again: the same trace ids, span
    // ids, services and endpoints. Merged by trace id, globex's would vanish as duplicate spans.
    const acme = behaviourStream(400);
    const globex = behaviourStream(200);
    const records: { tenant?: string; record: TraceRecord }[] = [];
    acme.records.forEach((r, i) => {
      records.push({ tenant: 'acme', record: r.record });
      if (i < 200) records.push({ tenant: 'globex', record: globex.records[i].record });
    });
    // And a few of the implicit tenant (records without the header), also with the same ids.
    const implicit = behaviourStream(40);
    for (const r of implicit.records) records.push({ record: r.record });
    await produceTenantRecords(kafka, input, records);

    app = await startApp(
      configFor(input, { worker: uniqueTopic('clustering'), sink: uniqueTopic('sink') }),
    );
    const clusters = app.get(ClusterRepository);
    const ch = app.get<ClickHouseHandle>(CLICKHOUSE);
    const want = { acme: 400, globex: 200, default: 40 };
    await eventually(
      async () => {
        const counted = await perTenant(ch, 'cluster_windows', 'sum(trace_count)');
        return Object.entries(want).every(([t, n]) => (counted[t] ?? 0) >= n);
      },
      'every tenant’s traces counted',
      90_000,
    );
    expect(await perTenant(ch, 'cluster_windows', 'sum(trace_count)')).toEqual(want);

    // Each tenant sees its own behaviours, counted as its own traffic alone; the endpoints are the
    // same names for both, yet separate clusters.
    const truthOf = (s: { truth: Map<Behaviour, number> }) => sorted(s.truth.values());
    const acmeStats = await withTenant('acme', () => clusters.stats());
    const globexStats = await withTenant('globex', () => clusters.stats());
    const defaultStats = await clusters.stats();
    expect(sorted(acmeStats.map((s) => s.traces))).toEqual(truthOf(acme));
    expect(sorted(globexStats.map((s) => s.traces))).toEqual(truthOf(globex));
    expect(sorted(defaultStats.map((s) => s.traces))).toEqual(truthOf(implicit));
    const endpoints = (stats: typeof acmeStats) => new Set(stats.map((s) => s.endpoint));
    expect(endpoints(globexStats)).toEqual(endpoints(acmeStats));
    expect(new Set(globexStats.map((s) => s.fingerprint))).toEqual(
      new Set(acmeStats.map((s) => s.fingerprint)),
    );

    // Every trace's behaviour is stored under its tenant; so are clusters and representatives,
    // each representative a trace its tenant sent.
    expect(await perTenant(ch, 'trace_behaviours', 'count()')).toEqual(want);
    expect(await perTenant(ch, 'clusters', 'uniqExact(fingerprint)')).toEqual({
      acme: 4,
      globex: 4,
      default: 4,
    });
    const acmeIds = new Set(acme.records.map((r) => r.record.traceId));
    const globexIds = new Set(globex.records.map((r) => r.record.traceId));
    const acmeReps = await withTenant('acme', () => clusters.representatives());
    const globexReps = await withTenant('globex', () => clusters.representatives());
    expect(acmeReps).toHaveLength(4);
    expect(globexReps).toHaveLength(4);
    expect(acmeReps.every((r) => acmeIds.has(r.traceId))).toBe(true);
    expect(globexReps.every((r) => globexIds.has(r.traceId))).toBe(true);
    expect(await perTenant(ch, 'representatives', 'uniqExact(endpoint, fingerprint)')).toEqual({
      acme: 4,
      globex: 4,
      default: 4,
    });

    // The events on cluster_events name their tenant in the record and in a header.
    const events = await consumeUntil(kafka, `${input}.events`, (rs) => rs.length >= 12);
    for (const e of events) {
      const parsed = JSON.parse(e.value.toString()) as { tenant?: string };
      expect(['acme', 'globex', 'default']).toContain(parsed.tenant);
      expect(e.headers[TENANT_RECORD_HEADER]).toBe(parsed.tenant);
    }
  });

  it('rebuilds open traces with their tenant when a new worker replays from the committed offset', async () => {
    storage = freshStorageConfig();
    const input = uniqueTopic('spans_by_trace');
    await createTopics(kafka, { [input]: 1 });
    const groups = { worker: uniqueTopic('clustering'), sink: uniqueTopic('sink') };
    const both = (part: ReturnType<typeof behaviourStream>) =>
      part.records.flatMap((r) => [
        { tenant: 'acme', record: r.record },
        { tenant: 'globex', record: r.record },
      ]);
    // Part one: 2 s of event time, inside one open window: nothing can be committed past it.
    const first = behaviourStream(200);
    await produceTenantRecords(kafka, input, both(first));
    app = await startApp(configFor(input, groups));
    const ch = () => app!.get<ClickHouseHandle>(CLICKHOUSE);
    const counted = () => perTenant(ch(), 'cluster_windows', 'sum(trace_count)');
    // The quiet partition publishes its open window as it stands.
    await eventually(
      async () => JSON.stringify(await counted()) === JSON.stringify({ acme: 200, globex: 200 }),
      'part one counted per tenant',
      60_000,
    );
    // The worker goes away; its open window is released unpublished past what was flushed.
    await app.close();
    app = undefined;

    // Part two continues the timestamps; the next worker replays part one from the committed
    // offset (the window's first record), rebuilding each trace under the tenant of its record.
    const second = behaviourStream(200, 10_000_000n, 200);
    await produceTenantRecords(kafka, input, both(second));
    app = await startApp(configFor(input, groups));
    await eventually(
      async () => JSON.stringify(await counted()) === JSON.stringify({ acme: 400, globex: 400 }),
      'both parts counted per tenant',
      60_000,
    );
    const clusters = app.get(ClusterRepository);
    const truth = new Map<Behaviour, number>();
    for (const part of [first, second])
      for (const [b, n] of part.truth) truth.set(b, (truth.get(b) ?? 0) + n);
    for (const tenant of ['acme', 'globex']) {
      const stats = await withTenant(tenant, () => clusters.stats());
      expect(sorted(stats.map((s) => s.traces))).toEqual(sorted(truth.values()));
    }
    expect(await clusters.stats()).toEqual([]);
    expect(await perTenant(ch(), 'trace_behaviours', 'count()')).toEqual({
      acme: 400,
      globex: 400,
    });
  });
});
