import type { ClickHouseClient } from '@clickhouse/client';
import type { ClickHouseHandle } from '@t2t/storage';

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
 * the runner's parent id on their entry span, so test traffic is not taken for production.
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
   * endpoint key after computing it). Bounds compared as DateTime64(9) (see SpanRepository).
   */
  async findRoots(query: {
    services: readonly string[];
    fromNs: bigint;
    toNs: bigint;
    perName: number;
  }): Promise<EntrySpanRow[]> {
    if (query.services.length === 0) return [];
    const rs = await this.client.query({
      query: `
        SELECT TraceId, ServiceName, SpanName, SpanKind, SpanAttributes,
               toString(toUnixTimestamp64Nano(Timestamp)) AS StartNs
        FROM {db:Identifier}.spans
        WHERE ServiceName IN {services:Array(String)}
          AND ParentSpanId = ''
          AND Timestamp >= fromUnixTimestamp64Nano(toInt64({fromNs:String}))
          AND Timestamp < fromUnixTimestamp64Nano(toInt64({toNs:String}))
        ORDER BY Timestamp DESC, TraceId
        LIMIT {perName:UInt32} BY ServiceName, SpanName`,
      query_params: {
        db: this.db,
        services: [...query.services],
        fromNs: query.fromNs.toString(),
        toNs: query.toNs.toString(),
        perName: query.perName,
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
}
