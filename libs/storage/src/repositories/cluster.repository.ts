import type { ClickHouseClient } from '@clickhouse/client';
import {
  type ClusterEvent,
  type ClusterMembersEvent,
  type ClusterWindowEvent,
  groupFamilies,
} from '@t2t/fingerprint';
import { currentTenant } from '@t2t/wire';
import type { ClickHouseHandle } from '../clickhouse.factory';
import { assertTenants } from './tenant.sql';

/**
 * A cluster event as the sink writes it: with the tenant it belongs to (the sink consumes every
 * tenant's events at once); unset: the current tenant (`withTenant`, else 'default').
 */
export type TenantClusterEvent = ClusterEvent & { tenant?: string };
type WindowEvent = ClusterWindowEvent & { tenant?: string };
type MembersEvent = ClusterMembersEvent & { tenant?: string };

/** Totals of one behaviour (endpoint + fingerprint) over every window written so far. */
export interface ClusterStatsRow {
  endpoint: string;
  fingerprint: string;
  traces: number;
  errors: number;
  incomplete: number;
  spans: number;
  firstSeen: string;
  lastSeen: string;
}

/** A `statsPage` row: ClusterStatsRow with first/last seen as exact Unix nanoseconds. */
export interface ClusterStatsPageRow extends Omit<ClusterStatsRow, 'firstSeen' | 'lastSeen'> {
  /** Decimal string (exceeds 2^53). */
  firstSeenNs: string;
  lastSeenNs: string;
}

export interface ClusterStatsPageQuery {
  limit: number;
  /** Keyset position: rows strictly after this behaviour in (endpoint, fingerprint) order. */
  after?: { endpoint: string; fingerprint: string };
  /** Only this endpoint's behaviours. */
  endpoint?: string;
}

export interface FamilyRow {
  endpoint: string;
  fingerprint: string;
  /** Smallest fingerprint of the group of near-duplicate variants this one belongs to. */
  family: string;
}

export interface RepresentativeRow {
  endpoint: string;
  fingerprint: string;
  traceId: string;
  durationUs: number;
  windowStart: string;
}

const toSeconds = (ms: number) => (ms / 1000).toFixed(3);

/** All SQL on the clustering tables (migration 003); reads see the current tenant's rows only. */
export class ClusterRepository {
  private readonly client: ClickHouseClient;
  private readonly db: string;

  constructor(handle: ClickHouseHandle) {
    this.client = handle.client;
    this.db = handle.database;
  }

  /**
   * Writes cluster events. Idempotent: every row is keyed so that writing the same event again
   * replaces the earlier row (window rows by window/endpoint/fingerprint/partition, late traces and
   * members by trace id), and `clusters` only keeps min/max/any per fingerprint. Each row goes
   * to its event's tenant, else to the current one; the tenant is part of every key, so the same
   * ids from two tenants are two rows.
   */
  async write(events: readonly TenantClusterEvent[]): Promise<void> {
    const current = currentTenant();
    const tenantOf = (e: TenantClusterEvent) => e.tenant ?? current;
    assertTenants(new Set(events.map(tenantOf)), 'a cluster event');
    const windows = events.filter((e): e is WindowEvent => e.type === 'window');
    const late = events.filter((e): e is WindowEvent => e.type === 'late_trace');
    const members = events.filter((e): e is MembersEvent => e.type === 'members');
    const inserts: Promise<unknown>[] = [];
    if (members.length > 0) {
      inserts.push(
        this.client.insert({
          table: `${this.db}.trace_behaviours`,
          format: 'JSONEachRow',
          values: members.flatMap((m) =>
            m.traceIds.map((traceId, i) => ({
              trace_id: traceId,
              endpoint: m.endpoint,
              fingerprint: m.fingerprint,
              start_time: m.startNs[i],
              error: m.errors[i] ? 1 : 0,
              source_partition: m.partition,
              tenant: tenantOf(m),
            })),
          ),
        }),
      );
    }
    if (windows.length > 0) {
      inserts.push(
        this.client.insert({
          table: `${this.db}.cluster_windows`,
          format: 'JSONEachRow',
          values: windows.map((e) => {
            const a = e.aggregate;
            return {
              endpoint: a.endpoint,
              fingerprint: a.fingerprint,
              fingerprint_version: e.fingerprint?.version ?? 0,
              window_start: toSeconds(a.windowStartMs),
              window_end: toSeconds(a.windowEndMs),
              source_partition: e.partition,
              trace_count: a.count,
              error_count: a.errorCount,
              incomplete_count: a.incompleteCount,
              span_count: a.spanCount,
              first_seen: a.firstSeenNs,
              last_seen: a.lastSeenNs,
              duration_gamma: a.duration.gamma,
              duration_zero_count: a.duration.zeroCount,
              duration_indexes: a.duration.indexes,
              duration_counts: a.duration.counts,
              sample_k: a.sample.k,
              sample_trace_ids: a.sample.traceIds,
              sample_hashes: a.sample.hashes,
              sample_durations_us: a.sample.durationsUs,
              sample_errors: a.sample.errorFlags.map(Number),
              sample_complete: a.sample.completeFlags.map(Number),
              representative_trace_id: a.representative.traceId,
              representative_duration_us: a.representative.durationUs,
              tenant: tenantOf(e),
            };
          }),
        }),
        this.client.insert({
          table: `${this.db}.representatives`,
          format: 'JSONEachRow',
          values: windows.map((e) => ({
            endpoint: e.aggregate.endpoint,
            fingerprint: e.aggregate.fingerprint,
            source_partition: e.partition,
            window_start: toSeconds(e.aggregate.windowStartMs),
            trace_id: e.aggregate.representative.traceId,
            duration_us: e.aggregate.representative.durationUs,
            tenant: tenantOf(e),
          })),
        }),
      );
    }
    if (late.length > 0) {
      inserts.push(
        this.client.insert({
          table: `${this.db}.cluster_late_traces`,
          format: 'JSONEachRow',
          values: late.map((e) => ({
            trace_id: e.traceId,
            endpoint: e.aggregate.endpoint,
            fingerprint: e.aggregate.fingerprint,
            window_start: toSeconds(e.aggregate.windowStartMs),
            error: e.aggregate.errorCount > 0 ? 1 : 0,
            incomplete: e.aggregate.incompleteCount > 0 ? 1 : 0,
            span_count: e.aggregate.spanCount,
            duration_us: e.aggregate.representative.durationUs,
            start_time: e.aggregate.firstSeenNs,
            tenant: tenantOf(e),
          })),
        }),
      );
    }
    const described = [...windows, ...late];
    if (described.length > 0) {
      inserts.push(
        this.client.insert({
          table: `${this.db}.clusters`,
          format: 'JSONEachRow',
          values: described.map((e) => ({
            endpoint: e.aggregate.endpoint,
            fingerprint: e.aggregate.fingerprint,
            fingerprint_version: e.fingerprint?.version ?? 0,
            canonical: e.fingerprint?.canonical ?? '',
            shingles: e.fingerprint?.shingles ?? [],
            first_seen: e.aggregate.firstSeenNs,
            last_seen: e.aggregate.lastSeenNs,
            tenant: tenantOf(e),
          })),
        }),
      );
    }
    await Promise.all(inserts);
  }

  /** Totals per behaviour, busiest first. */
  async stats(): Promise<ClusterStatsRow[]> {
    const rs = await this.client.query({
      query: `SELECT endpoint, fingerprint, traces, errors, incomplete, spans,
                     toString(first_seen) AS firstSeen, toString(last_seen) AS lastSeen
              FROM {db:Identifier}.cluster_stats WHERE tenant = {tenant:String}
              ORDER BY traces DESC, endpoint, fingerprint`,
      query_params: { db: this.db, tenant: currentTenant() },
      format: 'JSONEachRow',
    });
    const rows = await rs.json<Record<string, string>>();
    return rows.map((r) => ({
      endpoint: r.endpoint,
      fingerprint: r.fingerprint,
      traces: Number(r.traces),
      errors: Number(r.errors),
      incomplete: Number(r.incomplete),
      spans: Number(r.spans),
      firstSeen: r.firstSeen,
      lastSeen: r.lastSeen,
    }));
  }

  /**
   * Totals per behaviour, one page at a time in (endpoint, fingerprint) order. Keyset paging
   * rather than `stats()`' busiest-first order: trace counts change between two pages, the
   * behaviour's identity does not, so a client paging through sees every behaviour exactly once.
   */
  async statsPage(q: ClusterStatsPageQuery): Promise<ClusterStatsPageRow[]> {
    const rs = await this.client.query({
      query: `SELECT endpoint, fingerprint, toString(traces) AS traces, toString(errors) AS errors,
                     toString(incomplete) AS incomplete, toString(spans) AS spans,
                     toString(toUnixTimestamp64Nano(first_seen)) AS firstSeenNs,
                     toString(toUnixTimestamp64Nano(last_seen)) AS lastSeenNs
              FROM {db:Identifier}.cluster_stats
              WHERE tenant = {tenant:String}
                AND ({hasAfter:UInt8} = 0 OR (endpoint, fingerprint) > ({afterEndpoint:String}, {afterFingerprint:String}))
                AND ({endpoint:String} = '' OR endpoint = {endpoint:String})
              ORDER BY endpoint, fingerprint
              LIMIT {limit:UInt32}`,
      query_params: {
        db: this.db,
        hasAfter: q.after ? 1 : 0,
        afterEndpoint: q.after?.endpoint ?? '',
        afterFingerprint: q.after?.fingerprint ?? '',
        endpoint: q.endpoint ?? '',
        limit: q.limit,
        tenant: currentTenant(),
      },
      format: 'JSONEachRow',
    });
    const rows = await rs.json<Record<string, string>>();
    return rows.map((r) => ({
      endpoint: r.endpoint,
      fingerprint: r.fingerprint,
      traces: Number(r.traces),
      errors: Number(r.errors),
      incomplete: Number(r.incomplete),
      spans: Number(r.spans),
      firstSeenNs: r.firstSeenNs,
      lastSeenNs: r.lastSeenNs,
    }));
  }

  /**
   * Near-duplicate variants of each endpoint grouped into families (MinHash/LSH over the stored
   * structural shingles, exact Jaccard ≥ `threshold`). Exact fingerprints stay as they are; the
   * family is an extra grouping, computed when asked so the threshold can change without rewrites.
   */
  async families(threshold = 0.7): Promise<FamilyRow[]> {
    const rs = await this.client.query({
      query: `SELECT endpoint, fingerprint, any(shingles) AS shingles
              FROM {db:Identifier}.clusters WHERE tenant = {tenant:String}
              GROUP BY endpoint, fingerprint ORDER BY endpoint, fingerprint`,
      query_params: { db: this.db, tenant: currentTenant() },
      format: 'JSONEachRow',
    });
    const rows = await rs.json<{ endpoint: string; fingerprint: string; shingles: string[] }>();
    const byEndpoint = new Map<string, { hash: string; shingles: string[] }[]>();
    for (const r of rows) {
      const list = byEndpoint.get(r.endpoint) ?? [];
      list.push({ hash: r.fingerprint, shingles: r.shingles });
      byEndpoint.set(r.endpoint, list);
    }
    const out: FamilyRow[] = [];
    for (const [endpoint, fps] of byEndpoint) {
      const families = groupFamilies(fps, threshold);
      for (const f of fps)
        out.push({ endpoint, fingerprint: f.hash, family: families.get(f.hash) ?? f.hash });
    }
    return out;
  }

  /**
   * One representative per behaviour: from its latest window; across partitions of that window the
   * one with the smallest trace id, so every reader gets the same answer.
   */
  async representatives(): Promise<RepresentativeRow[]> {
    const rs = await this.client.query({
      query: `SELECT endpoint, fingerprint,
                     argMin(trace_id, (-toUnixTimestamp64Milli(window_start), trace_id)) AS traceId,
                     argMin(duration_us, (-toUnixTimestamp64Milli(window_start), trace_id)) AS durationUs,
                     toString(max(window_start)) AS windowStart
              FROM {db:Identifier}.representatives FINAL
              WHERE tenant = {tenant:String}
              GROUP BY endpoint, fingerprint ORDER BY endpoint, fingerprint`,
      query_params: { db: this.db, tenant: currentTenant() },
      format: 'JSONEachRow',
    });
    const rows = await rs.json<Record<string, string>>();
    return rows.map((r) => ({
      endpoint: r.endpoint,
      fingerprint: r.fingerprint,
      traceId: r.traceId,
      durationUs: Number(r.durationUs),
      windowStart: r.windowStart,
    }));
  }
}
