import type { ClickHouseClient } from '@clickhouse/client';
import type { ClickHouseHandle } from '@t2t/storage';
import { currentTenant } from '@t2t/wire';

/** A root span of a stored trace: enough to compute its endpoint key. */
export interface EntrySpanRow {
  traceId: string;
  service: string;
  name: string;
  /** OTLP kind number (2 server, 5 consumer, ...). */
  kind: number;
  attributes: Record<string, string>;
  /** Unix ns, decimal string. */
  startNs: string;
}

const KIND: Record<string, number> = {
  Unspecified: 0,
  Internal: 1,
  Server: 2,
  Client: 3,
  Producer: 4,
  Consumer: 5,
};

/**
 * The SQL `test verify` needs on the spans table: the root spans of the traces that entered
 * through given services in a time range. Root means no parent: traces the runner started carry
 * the runner's parent id on their entry span, so test traffic is not taken for production. Reads
 * see the current tenant's spans and behaviours only.
 */
export class EntrySpanRepository {
  private readonly client: ClickHouseClient;
  private readonly db: string;

  constructor(handle: ClickHouseHandle) {
    this.client = handle.client;
    this.db = handle.database;
  }

  /**
   * Newest first, at most `perName` per (service, span name): a busy endpoint cannot crowd out a
   * quiet one of the same service (span names separate most endpoints; the caller caps per
   * endpoint key after computing it). One row per trace: a root span stored twice (an
   * at-least-once delivery) must not have its trace verified twice. Bounds compared as
   * DateTime64(9) (see SpanRepository).
   */
  async findRoots(query: {
    services: readonly string[];
    fromNs: bigint;
    toNs: bigint;
    perName: number;
    /**
     * Also the roots of any other service that received the request on a catch-all route (a
     * gateway): the API behind it is only known from the whole trace.
     */
    throughGateways?: boolean;
  }): Promise<EntrySpanRow[]> {
    if (query.services.length === 0) return [];
    const rs = await this.client.query({
      query: `
        SELECT * FROM (
          SELECT TraceId, ServiceName, SpanName, SpanKind, SpanAttributes, Timestamp,
                 toString(toUnixTimestamp64Nano(Timestamp)) AS StartNs
          FROM {db:Identifier}.spans
          WHERE Tenant = {tenant:String}
            AND (ServiceName IN {services:Array(String)}
                 OR ({gateways:UInt8} = 1 AND position(SpanAttributes['http.route'], '*') > 0))
            AND ParentSpanId = ''
            AND Timestamp >= fromUnixTimestamp64Nano(toInt64({fromNs:String}))
            AND Timestamp < fromUnixTimestamp64Nano(toInt64({toNs:String}))
          ORDER BY Timestamp DESC, TraceId
          LIMIT 1 BY TraceId)
        ORDER BY Timestamp DESC, TraceId
        LIMIT {perName:UInt32} BY ServiceName, SpanName`,
      query_params: {
        db: this.db,
        services: [...query.services],
        gateways: query.throughGateways === true ? 1 : 0,
        fromNs: query.fromNs.toString(),
        toNs: query.toNs.toString(),
        perName: query.perName,
        tenant: currentTenant(),
      },
      format: 'JSONEachRow',
    });
    const rows = await rs.json<{
      TraceId: string;
      ServiceName: string;
      SpanName: string;
      SpanKind: string;
      SpanAttributes: Record<string, string>;
      StartNs: string;
    }>();
    return rows.map((r) => ({
      traceId: r.TraceId,
      service: r.ServiceName,
      name: r.SpanName,
      kind: KIND[r.SpanKind] ?? 0,
      attributes: r.SpanAttributes,
      startNs: r.StartNs,
    }));
  }

  /**
   * Traces clustering counted for the endpoints in a time range, newest first, at most
   * `perEndpoint` each, with the endpoint and fingerprint clustering gave them (`trace_behaviours`):
   * a trace that entered through a gateway is keyed by the API behind it, which no root span names.
   * Only traces whose root span is stored (runner-started traces have none: their entry span has the
   * runner's parent).
   */
  async findMembers(query: {
    endpoints: readonly string[];
    fromNs: bigint;
    toNs: bigint;
    perEndpoint: number;
  }): Promise<{ traceId: string; endpoint: string; fingerprint: string }[]> {
    if (query.endpoints.length === 0) return [];
    const rs = await this.client.query({
      query: `
        SELECT trace_id AS traceId, ep AS endpoint, fp AS fingerprint
        FROM (
          SELECT trace_id, any(endpoint) AS ep, any(fingerprint) AS fp, max(start_time) AS start
          FROM {db:Identifier}.trace_behaviours
          WHERE tenant = {tenant:String}
            AND endpoint IN {endpoints:Array(String)}
            AND start_time >= fromUnixTimestamp64Nano(toInt64({fromNs:String}))
            AND start_time < fromUnixTimestamp64Nano(toInt64({toNs:String}))
          GROUP BY trace_id
        )
        WHERE trace_id IN (
          SELECT TraceId FROM {db:Identifier}.spans
          WHERE Tenant = {tenant:String}
            AND ParentSpanId = ''
            AND Timestamp >= fromUnixTimestamp64Nano(toInt64({spansFromNs:String}))
            AND Timestamp < fromUnixTimestamp64Nano(toInt64({spansToNs:String})))
        ORDER BY start DESC, traceId
        LIMIT {perEndpoint:UInt32} BY ep`,
      query_params: {
        db: this.db,
        endpoints: [...query.endpoints],
        fromNs: query.fromNs.toString(),
        toNs: query.toNs.toString(),
        // A root may start a little before the trace's recorded start (clock skew).
        spansFromNs: (query.fromNs - 60_000_000_000n).toString(),
        spansToNs: (query.toNs + 60_000_000_000n).toString(),
        perEndpoint: query.perEndpoint,
        tenant: currentTenant(),
      },
      format: 'JSONEachRow',
    });
    return rs.json<{ traceId: string; endpoint: string; fingerprint: string }>();
  }
}
