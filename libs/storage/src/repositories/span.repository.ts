import type { ClickHouseClient } from '@clickhouse/client';
import { currentTenant } from '@t2t/wire';
import type { ClickHouseHandle } from '../clickhouse.factory';
import { assertTenants, tenantDedupToken } from './tenant.sql';

/**
 * One row of the `spans` table, in the shape JSONEachRow inserts and reads it. Timestamps and
 * durations are unsigned nanosecond integers carried as decimal strings (they exceed 2^53).
 */
export interface SpanRow {
  /** Start time, Unix epoch nanoseconds. */
  Timestamp: string;
  TraceId: string;
  SpanId: string;
  ParentSpanId: string;
  TraceState: string;
  SpanName: string;
  SpanKind: string;
  ServiceName: string;
  ResourceAttributes: Record<string, string>;
  ScopeName: string;
  ScopeVersion: string;
  SpanAttributes: Record<string, string>;
  /** End minus start, nanoseconds. */
  Duration: string;
  StatusCode: string;
  StatusMessage: string;
  'Events.Timestamp': string[];
  'Events.Name': string[];
  'Events.Attributes': Record<string, string>[];
  'Links.TraceId': string[];
  'Links.SpanId': string[];
  'Links.TraceState': string[];
  'Links.Attributes': Record<string, string>[];
  // OTLP fields beyond the exporter's columns (migration 002).
  Flags: number;
  DroppedAttributesCount: number;
  DroppedEventsCount: number;
  DroppedLinksCount: number;
  ScopeAttributes: Record<string, string>;
  ScopeDroppedAttributesCount: number;
  ScopeSchemaUrl: string;
  ResourceDroppedAttributesCount: number;
  ResourceSchemaUrl: string;
  'Events.DroppedAttributesCount': number[];
  'Links.Flags': number[];
  'Links.DroppedAttributesCount': number[];
  /**
   * The tenant the span belongs to (migration 007); unset: the current tenant (`withTenant`,
   * else 'default'). Writers of many tenants' spans at once (ingest) set it per row. Reads do not
   * return it: they only ever return the current tenant's spans.
   */
  Tenant?: string;
}

export interface InsertOptions {
  /**
   * Deduplication token: re-inserting a batch with the same token is a no-op, which makes a
   * replay after a crash (written, not yet committed) harmless. Derive it from what identifies
   * the batch at its source, e.g. topic/partition/offset range. The tenants of the batch's rows
   * are added to it, so a source batch written as one insert per tenant stays several inserts.
   */
  dedupToken?: string;
  /**
   * Awaited every few hundred rows while the insert's body is built: a caller sharing its event
   * loop with other work lets it run there (see TimeSlicer).
   */
  pause?: () => Promise<void>;
}

/** Every column a SpanRow carries, in the order inserts send them (`Tenant` follows them). */
export const SPAN_COLUMNS: readonly Exclude<keyof SpanRow, 'Tenant'>[] = [
  'Timestamp',
  'TraceId',
  'SpanId',
  'ParentSpanId',
  'TraceState',
  'SpanName',
  'SpanKind',
  'ServiceName',
  'ResourceAttributes',
  'ScopeName',
  'ScopeVersion',
  'SpanAttributes',
  'Duration',
  'StatusCode',
  'StatusMessage',
  'Events.Timestamp',
  'Events.Name',
  'Events.Attributes',
  'Links.TraceId',
  'Links.SpanId',
  'Links.TraceState',
  'Links.Attributes',
  'Flags',
  'DroppedAttributesCount',
  'DroppedEventsCount',
  'DroppedLinksCount',
  'ScopeAttributes',
  'ScopeDroppedAttributesCount',
  'ScopeSchemaUrl',
  'ResourceDroppedAttributesCount',
  'ResourceSchemaUrl',
  'Events.DroppedAttributesCount',
  'Links.Flags',
  'Links.DroppedAttributesCount',
];

const SELECT_COLUMNS = `
  toString(toUnixTimestamp64Nano(s.Timestamp)) AS Timestamp, s.TraceId AS TraceId, s.SpanId AS SpanId,
  s.ParentSpanId AS ParentSpanId, s.TraceState AS TraceState, s.SpanName AS SpanName, s.SpanKind AS SpanKind,
  s.ServiceName AS ServiceName, s.ResourceAttributes AS ResourceAttributes, s.ScopeName AS ScopeName,
  s.ScopeVersion AS ScopeVersion, s.SpanAttributes AS SpanAttributes, toString(s.Duration) AS Duration,
  s.StatusCode AS StatusCode, s.StatusMessage AS StatusMessage,
  arrayMap(t -> toString(toUnixTimestamp64Nano(t)), s.Events.Timestamp) AS \`Events.Timestamp\`,
  s.Events.Name AS \`Events.Name\`, s.Events.Attributes AS \`Events.Attributes\`,
  s.Links.TraceId AS \`Links.TraceId\`, s.Links.SpanId AS \`Links.SpanId\`,
  s.Links.TraceState AS \`Links.TraceState\`, s.Links.Attributes AS \`Links.Attributes\`,
  s.Flags AS Flags, s.DroppedAttributesCount AS DroppedAttributesCount, s.DroppedEventsCount AS DroppedEventsCount,
  s.DroppedLinksCount AS DroppedLinksCount, s.ScopeAttributes AS ScopeAttributes,
  s.ScopeDroppedAttributesCount AS ScopeDroppedAttributesCount, s.ScopeSchemaUrl AS ScopeSchemaUrl,
  s.ResourceDroppedAttributesCount AS ResourceDroppedAttributesCount, s.ResourceSchemaUrl AS ResourceSchemaUrl,
  s.Events.DroppedAttributesCount AS \`Events.DroppedAttributesCount\`, s.Links.Flags AS \`Links.Flags\`,
  s.Links.DroppedAttributesCount AS \`Links.DroppedAttributesCount\``;

/** The columns a model is built from (`toModelSpan`): a third of a whole row's text. */
export type ModelSpanRow = Pick<
  SpanRow,
  | 'Timestamp'
  | 'TraceId'
  | 'SpanId'
  | 'ParentSpanId'
  | 'SpanName'
  | 'SpanKind'
  | 'ServiceName'
  | 'SpanAttributes'
  | 'Duration'
  | 'StatusCode'
  | 'Links.TraceId'
  | 'Links.SpanId'
>;

const MODEL_SELECT_COLUMNS = `
  toString(toUnixTimestamp64Nano(s.Timestamp)) AS Timestamp, s.TraceId AS TraceId, s.SpanId AS SpanId,
  s.ParentSpanId AS ParentSpanId, s.SpanName AS SpanName, s.SpanKind AS SpanKind,
  s.ServiceName AS ServiceName, s.SpanAttributes AS SpanAttributes, toString(s.Duration) AS Duration,
  s.StatusCode AS StatusCode, s.Links.TraceId AS \`Links.TraceId\`, s.Links.SpanId AS \`Links.SpanId\``;

/** Spans of the traces `{traceIds}` (with `{db}` and `{tenant}`), a trace's spans together. */
const MODEL_SPANS_QUERY = `
  SELECT ${MODEL_SELECT_COLUMNS}
  FROM {db:Identifier}.spans AS s
  WHERE s.TraceId IN {traceIds:Array(String)} AND s.Tenant = {tenant:String}
  ORDER BY s.TraceId, s.Timestamp, s.SpanId`;

/** Rows between two `pause` calls of an insert (about a millisecond's work each). */
const PAUSE_EVERY_ROWS = 256;

const INSERT_COLUMNS: readonly string[] = [...SPAN_COLUMNS, 'Tenant'];

/** All SQL on the `spans` table and its trace-id lookup; reads see the current tenant's spans only. */
export class SpanRepository {
  private readonly client: ClickHouseClient;
  private readonly db: string;

  constructor(private readonly handle: ClickHouseHandle) {
    this.client = handle.client;
    this.db = handle.database;
  }

  /** Writes spans, each to its own `Tenant` or else to the current tenant. */
  async insert(rows: readonly SpanRow[], options: InsertOptions = {}): Promise<void> {
    if (rows.length === 0) return;
    const current = currentTenant();
    const tenants = new Set<string>();
    const n = SPAN_COLUMNS.length;
    // Rows as arrays in column order (JSONCompactEachRow): no keys to write or parse per row.
    let body = '';
    const pause = options.pause;
    for (let r = 0; r < rows.length; r++) {
      if (pause !== undefined && r % PAUSE_EVERY_ROWS === PAUSE_EVERY_ROWS - 1) await pause();
      const row = rows[r];
      const values = new Array<unknown>(n + 1);
      for (let i = 0; i < n; i++) values[i] = row[SPAN_COLUMNS[i]];
      const tenant = row.Tenant ?? current;
      values[n] = tenant;
      tenants.add(tenant);
      body += JSON.stringify(values);
      body += '\n';
    }
    assertTenants(tenants, 'a span row');
    await this.handle.insertCompact(
      `${this.db}.spans`,
      INSERT_COLUMNS,
      Buffer.from(body),
      options.dedupToken
        ? {
            insert_deduplication_token: tenantDedupToken(options.dedupToken, tenants),
            insert_deduplicate: 1,
          }
        : undefined,
    );
  }

  /**
   * Every span of one trace, oldest first. The lookup table bounds the scan to the trace's time
   * range. Bounds are compared as DateTime64(9): comparing the DateTime64 column with a plain
   * DateTime through the sorting key's toDateTime() dropped matching rows on ClickHouse 26.7.
   */
  async findByTraceId(traceId: string): Promise<SpanRow[]> {
    const rs = await this.client.query({
      query: `
        WITH (
          SELECT (toDateTime64(min(l.Start), 9), toDateTime64(max(l.End), 9) + INTERVAL 1 SECOND)
          FROM {db:Identifier}.spans_trace_id_ts AS l
          WHERE l.TraceId = {traceId:String} AND l.Tenant = {tenant:String}
        ) AS bounds
        SELECT ${SELECT_COLUMNS}
        FROM {db:Identifier}.spans AS s
        WHERE s.TraceId = {traceId:String} AND s.Tenant = {tenant:String}
          AND s.Timestamp >= bounds.1 AND s.Timestamp < bounds.2
        ORDER BY s.Timestamp, s.SpanId`,
      query_params: { db: this.db, traceId, tenant: currentTenant() },
      format: 'JSONEachRow',
    });
    return rs.json<SpanRow>();
  }

  /**
   * Every span of many traces in one query (modeling reads hundreds of sampled traces at once;
   * one query per trace would be an N+1). Ordered by trace, then start.
   */
  async findByTraceIds(traceIds: readonly string[]): Promise<SpanRow[]> {
    if (traceIds.length === 0) return [];
    const rs = await this.client.query({
      query: `
        SELECT ${SELECT_COLUMNS}
        FROM {db:Identifier}.spans AS s
        WHERE s.TraceId IN {traceIds:Array(String)} AND s.Tenant = {tenant:String}
        ORDER BY s.TraceId, s.Timestamp, s.SpanId`,
      query_params: { db: this.db, traceIds, tenant: currentTenant() },
      format: 'JSONEachRow',
    });
    return rs.json<SpanRow>();
  }

  /**
   * As `findByTraceIds`, with only the columns a model is built from: modeling reads hundreds of
   * sampled traces per behaviour on every rebuild, and resource attributes, scopes and events
   * were two thirds of the text it parsed and held.
   */
  async findModelSpansByTraceIds(traceIds: readonly string[]): Promise<ModelSpanRow[]> {
    if (traceIds.length === 0) return [];
    return (await this.queryModelSpans(traceIds)).json<ModelSpanRow>();
  }

  /**
   * The rows of findModelSpansByTraceIds as ClickHouse answered them (JSONEachRow, one row a
   * line), as bytes never decoded here: for a caller that parses them elsewhere (a worker thread,
   * which takes the bytes without a copy).
   */
  async findModelSpansBytesByTraceIds(traceIds: readonly string[]): Promise<Uint8Array> {
    if (traceIds.length === 0) return new Uint8Array(0);
    const { stream } = await this.client.exec({
      query: `${MODEL_SPANS_QUERY} FORMAT JSONEachRow`,
      query_params: { db: this.db, traceIds, tenant: currentTenant() },
    });
    const chunks: Uint8Array[] = [];
    let length = 0;
    for await (const chunk of stream as AsyncIterable<Uint8Array>) {
      chunks.push(chunk);
      length += chunk.length;
    }
    // A buffer of its own (never a slice of a shared pool), so it can be transferred to a thread.
    const bytes = new Uint8Array(length);
    let at = 0;
    for (const c of chunks) {
      bytes.set(c, at);
      at += c.length;
    }
    return bytes;
  }

  private queryModelSpans(traceIds: readonly string[]) {
    return this.client.query({
      query: MODEL_SPANS_QUERY,
      query_params: { db: this.db, traceIds, tenant: currentTenant() },
      format: 'JSONEachRow',
    });
  }

  async countByTraceId(traceId: string): Promise<number> {
    const rs = await this.client.query({
      query: `SELECT count() AS n FROM {db:Identifier}.spans
              WHERE TraceId = {traceId:String} AND Tenant = {tenant:String}`,
      query_params: { db: this.db, traceId, tenant: currentTenant() },
      format: 'JSONEachRow',
    });
    const [row] = await rs.json<{ n: string }>();
    return Number(row.n);
  }

  /** Time range of a trace from the lookup table (second precision), or undefined if unknown. */
  async traceBounds(traceId: string): Promise<{ start: string; end: string } | undefined> {
    const rs = await this.client.query({
      query: `SELECT min(Start) AS start, max(End) AS end, count() AS n
              FROM {db:Identifier}.spans_trace_id_ts
              WHERE TraceId = {traceId:String} AND Tenant = {tenant:String}`,
      query_params: { db: this.db, traceId, tenant: currentTenant() },
      format: 'JSONEachRow',
    });
    const [row] = await rs.json<{ start: string; end: string; n: string }>();
    return Number(row.n) === 0 ? undefined : { start: row.start, end: row.end };
  }
}
