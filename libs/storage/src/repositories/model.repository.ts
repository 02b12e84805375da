import type { ClickHouseClient } from '@clickhouse/client';
import { currentTenant, DEFAULT_TENANT, isTenant } from '@t2t/wire';
import type { ClickHouseHandle } from '../clickhouse.factory';

/** A behaviour's totals with its duration sketch merged over every window and partition. */
export interface BehaviourStatsRow {
  endpoint: string;
  fingerprint: string;
  traces: number;
  errors: number;
  sketch: { gamma: number; zeroCount: number; indexes: number[]; counts: number[] };
  /**
   * Durations (µs) of traces counted as late corrections (a bounded sample): they are in no
   * window's sketch, and for a behaviour seen only late they are all there is.
   */
  lateDurationsUs: number[];
}

export interface StoredModelVersion {
  modelHash: string;
  version: number;
  createdAt: string;
  /** The SystemModel as JSON. */
  model: string;
  counts: {
    services: number;
    endpoints: number;
    entities: number;
    edges: number;
    behaviours: number;
    rules: number;
  };
}

/** A version without its model document: what listings need. */
export type ModelVersionSummary = Omit<StoredModelVersion, 'model'>;

function summaryOf(r: Record<string, string>): ModelVersionSummary {
  return {
    modelHash: r.model_hash,
    version: Number(r.version),
    createdAt: r.created_at,
    counts: {
      services: Number(r.services),
      endpoints: Number(r.endpoints),
      entities: Number(r.entities),
      edges: Number(r.edges),
      behaviours: Number(r.behaviours),
      rules: Number(r.rules),
    },
  };
}

export interface StoredModelDiff {
  fromHash: string;
  toHash: string;
  version: number;
  createdAt: string;
  /** ModelChange[] as JSON. */
  changes: string;
}

/**
 * Rows of the windows that start within {horizonMs} before the newest window of any behaviour of
 * the tenant, written on time or as a late correction (traffic that arrived only late still
 * counts): another tenant's newer traffic does not move this tenant's horizon.
 */
const HORIZON = `window_start >= (SELECT max(w) FROM (
    SELECT max(window_start) AS w FROM {db:Identifier}.cluster_windows WHERE tenant = {tenant:String}
    UNION ALL SELECT max(window_start) AS w FROM {db:Identifier}.cluster_late_traces WHERE tenant = {tenant:String}))
    - toIntervalMillisecond({horizonMs:UInt64})`;

/** Late-trace durations kept per behaviour for its latency figures. */
const LATE_DURATION_SAMPLE = 1000;

/**
 * All SQL behind modeling: what it reads from the clustering tables and the model_* tables it
 * writes. Reads see the current tenant's rows only; writes go to the current tenant.
 */
export class ModelRepository {
  private readonly client: ClickHouseClient;
  private readonly db: string;

  constructor(handle: ClickHouseHandle) {
    this.client = handle.client;
    this.db = handle.database;
  }

  /**
   * Totals and merged duration sketch per behaviour (every window row once, FINAL), over the
   * windows that start within `horizonMs` before the newest window: the model describes the
   * system as it behaves now, so a behaviour that stopped happening drops out (drift).
   */
  async behaviourStats(horizonMs: number): Promise<BehaviourStatsRow[]> {
    const rs = await this.client.query({
      query: `
        SELECT endpoint, fingerprint,
               toString(sum(trace_count)) AS traces, toString(sum(error_count)) AS errors,
               any(duration_gamma) AS gamma, toString(sum(duration_zero_count)) AS zero,
               sumMap(duration_indexes, duration_counts) AS buckets
        FROM {db:Identifier}.cluster_windows FINAL
        WHERE tenant = {tenant:String} AND ${HORIZON}
        GROUP BY endpoint, fingerprint
        ORDER BY endpoint, fingerprint`,
      query_params: { db: this.db, horizonMs, tenant: currentTenant() },
      format: 'JSONEachRow',
    });
    const rows = await rs.json<{
      endpoint: string;
      fingerprint: string;
      traces: string;
      errors: string;
      gamma: number;
      zero: string;
      buckets: [number[], string[]];
    }>();
    const late = await this.client.query({
      query: `SELECT endpoint, fingerprint, toString(count()) AS n, toString(sum(error)) AS e,
                     groupArraySample({lateSample:UInt32}, 1)(duration_us) AS durations
              FROM {db:Identifier}.cluster_late_traces FINAL
              WHERE tenant = {tenant:String} AND ${HORIZON}
              GROUP BY endpoint, fingerprint`,
      query_params: {
        db: this.db,
        horizonMs,
        lateSample: LATE_DURATION_SAMPLE,
        tenant: currentTenant(),
      },
      format: 'JSONEachRow',
    });
    const lateRows = new Map(
      (
        await late.json<{
          endpoint: string;
          fingerprint: string;
          n: string;
          e: string;
          durations: (string | number)[];
        }>()
      ).map((r) => [`${r.endpoint}\u0000${r.fingerprint}`, r]),
    );
    const out: BehaviourStatsRow[] = rows.map((r) => {
      const key = `${r.endpoint}\u0000${r.fingerprint}`;
      const l = lateRows.get(key);
      lateRows.delete(key);
      return {
        endpoint: r.endpoint,
        fingerprint: r.fingerprint,
        traces: Number(r.traces) + Number(l?.n ?? 0),
        errors: Number(r.errors) + Number(l?.e ?? 0),
        sketch: {
          gamma: Number(r.gamma),
          zeroCount: Number(r.zero),
          indexes: r.buckets[0].map(Number),
          counts: r.buckets[1].map(Number),
        },
        lateDurationsUs: (l?.durations ?? []).map(Number),
      };
    });
    // Behaviours that only ever arrived late.
    for (const l of lateRows.values()) {
      out.push({
        endpoint: l.endpoint,
        fingerprint: l.fingerprint,
        traces: Number(l.n),
        errors: Number(l.e),
        sketch: { gamma: 0, zeroCount: 0, indexes: [], counts: [] },
        lateDurationsUs: l.durations.map(Number),
      });
    }
    return out.sort((a, b) =>
      a.endpoint !== b.endpoint
        ? a.endpoint < b.endpoint
          ? -1
          : 1
        : a.fingerprint < b.fingerprint
          ? -1
          : a.fingerprint > b.fingerprint
            ? 1
            : 0,
    );
  }

  /**
   * Up to `perBehaviour` sampled trace ids per behaviour: the ones with the smallest sample hash
   * over all windows, so the choice is uniform and the same for every reader.
   */
  async sampleTraceIds(perBehaviour: number, horizonMs: number): Promise<Map<string, string[]>> {
    // Window samples first (their hash order is clustering's uniform choice), then late traces
    // (every one is a row; ordered by a hash of the id), so a behaviour seen only late has samples.
    const rs = await this.client.query({
      query: `
        SELECT endpoint, fingerprint,
               arrayMap(x -> x.2, arraySlice(arraySort(x -> (x.1, x.3, x.2), groupUniqArray((src, id, h))), 1, {n:UInt32})) AS ids
        FROM (
          SELECT endpoint, fingerprint, 0 AS src, arrayJoin(arrayZip(sample_trace_ids, sample_hashes)) AS p, p.1 AS id, p.2 AS h
          FROM {db:Identifier}.cluster_windows FINAL
          WHERE tenant = {tenant:String} AND ${HORIZON}
          UNION ALL
          SELECT endpoint, fingerprint, 1 AS src, (trace_id, '') AS p, trace_id AS id, hex(cityHash64(trace_id)) AS h
          FROM {db:Identifier}.cluster_late_traces FINAL
          WHERE tenant = {tenant:String} AND ${HORIZON}
        )
        GROUP BY endpoint, fingerprint`,
      query_params: { db: this.db, n: perBehaviour, horizonMs, tenant: currentTenant() },
      format: 'JSONEachRow',
    });
    const rows = await rs.json<{ endpoint: string; fingerprint: string; ids: string[] }>();
    return new Map(rows.map((r) => [`${r.endpoint}\u0000${r.fingerprint}`, r.ids]));
  }

  async latestVersion(): Promise<StoredModelVersion | undefined> {
    const [v] = await this.versions(1);
    return v;
  }

  /** Newest first; `beforeVersion` pages backwards. */
  async versions(limit: number, beforeVersion?: number): Promise<StoredModelVersion[]> {
    const rs = await this.client.query({
      query: `
        SELECT model_hash, version, toString(created_at) AS created_at, model,
               services, endpoints, entities, edges, behaviours, rules
        FROM {db:Identifier}.model_versions FINAL
        WHERE tenant = {tenant:String} AND version < {before:UInt64}
        ORDER BY version DESC LIMIT {limit:UInt32}`,
      query_params: {
        db: this.db,
        limit,
        before: beforeVersion ?? Number.MAX_SAFE_INTEGER,
        tenant: currentTenant(),
      },
      format: 'JSONEachRow',
    });
    const rows = await rs.json<Record<string, string>>();
    return rows.map((r) => ({ ...summaryOf(r), model: r.model }));
  }

  /**
   * `versions` without the model documents, which can be megabytes each: for listings, which
   * then read only the documents they need with `modelsByHash`.
   */
  async versionSummaries(limit: number, beforeVersion?: number): Promise<ModelVersionSummary[]> {
    const rs = await this.client.query({
      query: `
        SELECT model_hash, version, toString(created_at) AS created_at,
               services, endpoints, entities, edges, behaviours, rules
        FROM {db:Identifier}.model_versions FINAL
        WHERE tenant = {tenant:String} AND version < {before:UInt64}
        ORDER BY version DESC LIMIT {limit:UInt32}`,
      query_params: {
        db: this.db,
        limit,
        before: beforeVersion ?? Number.MAX_SAFE_INTEGER,
        tenant: currentTenant(),
      },
      format: 'JSONEachRow',
    });
    return (await rs.json<Record<string, string>>()).map(summaryOf);
  }

  /** Model documents (SystemModel JSON) by model hash, one query for all of them. */
  async modelsByHash(hashes: readonly string[]): Promise<Map<string, string>> {
    if (hashes.length === 0) return new Map();
    const rs = await this.client.query({
      query: `SELECT model_hash, model FROM {db:Identifier}.model_versions FINAL
              WHERE tenant = {tenant:String} AND model_hash IN {hashes:Array(String)}`,
      query_params: { db: this.db, hashes, tenant: currentTenant() },
      format: 'JSONEachRow',
    });
    const rows = await rs.json<{ model_hash: string; model: string }>();
    return new Map(rows.map((r) => [r.model_hash, r.model]));
  }

  async versionByHash(modelHash: string): Promise<StoredModelVersion | undefined> {
    const rs = await this.client.query({
      query: `
        SELECT model_hash, version, toString(created_at) AS created_at, model,
               services, endpoints, entities, edges, behaviours, rules
        FROM {db:Identifier}.model_versions FINAL
        WHERE tenant = {tenant:String} AND model_hash = {hash:String}
        LIMIT 1`,
      query_params: { db: this.db, hash: modelHash, tenant: currentTenant() },
      format: 'JSONEachRow',
    });
    const [r] = await rs.json<Record<string, string>>();
    if (!r) return undefined;
    return {
      modelHash: r.model_hash,
      version: Number(r.version),
      createdAt: r.created_at,
      model: r.model,
      counts: {
        services: Number(r.services),
        endpoints: Number(r.endpoints),
        entities: Number(r.entities),
        edges: Number(r.edges),
        behaviours: Number(r.behaviours),
        rules: Number(r.rules),
      },
    };
  }

  async saveVersion(v: StoredModelVersion, diff: StoredModelDiff | undefined): Promise<void> {
    const tenant = currentTenant();
    await this.client.insert({
      table: `${this.db}.model_versions`,
      format: 'JSONEachRow',
      values: [
        {
          model_hash: v.modelHash,
          version: v.version,
          created_at: v.createdAt,
          model: v.model,
          ...v.counts,
          tenant,
        },
      ],
    });
    if (diff) {
      await this.client.insert({
        table: `${this.db}.model_diffs`,
        format: 'JSONEachRow',
        values: [
          {
            from_hash: diff.fromHash,
            to_hash: diff.toHash,
            version: diff.version,
            created_at: diff.createdAt,
            change_count: (JSON.parse(diff.changes) as unknown[]).length,
            changes: diff.changes,
            tenant,
          },
        ],
      });
    }
  }

  /** Diffs of the given target versions (one query for all of them). */
  async diffsFor(versions: readonly number[]): Promise<StoredModelDiff[]> {
    if (versions.length === 0) return [];
    const rs = await this.client.query({
      query: `SELECT from_hash, to_hash, version, toString(created_at) AS created_at, changes
              FROM {db:Identifier}.model_diffs FINAL
              WHERE tenant = {tenant:String} AND version IN {versions:Array(UInt64)}
              ORDER BY version DESC`,
      query_params: { db: this.db, versions, tenant: currentTenant() },
      format: 'JSONEachRow',
    });
    const rows = await rs.json<Record<string, string>>();
    return rows.map((r) => ({
      fromHash: r.from_hash,
      toHash: r.to_hash,
      version: Number(r.version),
      createdAt: r.created_at,
      changes: r.changes,
    }));
  }

  /**
   * The tenants that have clusters or model versions, sorted; always includes 'default'. Across
   * tenants (not confined to the current one): for the services that serve every tenant in turn,
   * such as modeling's rebuild loop and the generation scheduler.
   */
  async knownTenants(): Promise<string[]> {
    const rs = await this.client.query({
      query: `SELECT DISTINCT tenant FROM {db:Identifier}.clusters
              UNION DISTINCT
              SELECT DISTINCT tenant FROM {db:Identifier}.model_versions`,
      query_params: { db: this.db },
      format: 'JSONEachRow',
    });
    const rows = await rs.json<{ tenant: string }>();
    // '' (a row stored while migration 007 ran, see there) names no tenant.
    const named = rows.map((r) => r.tenant).filter(isTenant);
    return [...new Set([DEFAULT_TENANT, ...named])].sort();
  }
}
