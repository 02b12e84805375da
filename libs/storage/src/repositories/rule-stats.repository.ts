import type { ClickHouseClient } from '@clickhouse/client';
import type { RuleAtom, RuleStatsSource } from '@t2t/model';
import { currentTenant } from '@t2t/wire';
import type { ClickHouseHandle } from '../clickhouse.factory';

/** A finite decimal number, as libs/model's parseNumber accepts it (RE2 syntax). */
const NUMBER_RE = '^[-+]?([0-9]+[.]?[0-9]*|[.][0-9]+)([eE][-+]?[0-9]+)?$';

/** Spans may start a little before the trace's recorded start (clock skew between services). */
const SKEW_MARGIN_NS = 60_000_000_000n;

/**
 * Rule statistics over every stored trace of a period: `trace_behaviours` (which behaviour each
 * trace is, written by clustering) joined with the spans that carry the rule's attributes. An
 * attribute's value in a trace is read as rule conditions read it: the root span's first, then a
 * server span of the deciding handler's service, then the earliest span that has it. Every query
 * reads the current tenant's behaviours and spans only.
 */
export class RuleStatsRepository {
  private readonly client: ClickHouseClient;
  private readonly db: string;

  constructor(handle: ClickHouseHandle) {
    this.client = handle.client;
    this.db = handle.database;
  }

  /**
   * The period modeling's horizon covers: traces that started at most `horizonMs` before the
   * newest window (the same horizon as the behaviour statistics), as Unix ns; undefined when
   * nothing was clustered yet.
   */
  async horizonStartNs(horizonMs: number): Promise<bigint | undefined> {
    const rs = await this.client.query({
      query: `SELECT toString(toUnixTimestamp64Nano(max(window_start))) AS newest, count() AS n
              FROM {db:Identifier}.cluster_windows WHERE tenant = {tenant:String}`,
      query_params: { db: this.db, tenant: currentTenant() },
      format: 'JSONEachRow',
    });
    const [row] = await rs.json<{ newest: string; n: string }>();
    if (row === undefined || Number(row.n) === 0) return undefined;
    return BigInt(row.newest) - BigInt(horizonMs) * 1_000_000n;
  }

  /** The RuleStatsSource of libs/model for traces that started at or after `fromNs`. */
  source(fromNs: bigint): RuleStatsSource {
    return {
      numericRanges: (q) => this.numericRanges({ ...q, fromNs }),
      conditionCounts: (q) => this.conditionCounts({ ...q, fromNs }),
    };
  }

  async numericRanges(q: {
    endpoint: string;
    at: string;
    attribute: string;
    fingerprints: readonly string[];
    fromNs: bigint;
  }): Promise<{ fingerprint: string; count: number; min: number; max: number }[]> {
    const rs = await this.client.query({
      query: `
        SELECT m.behaviour AS fingerprint, count() AS count,
               min(toFloat64(t.v0)) AS min, max(toFloat64(t.v0)) AS max
        FROM (${this.members()}) AS m
        INNER JOIN (${this.values(1)}) AS t ON t.TraceId = m.trace_id
        WHERE match(t.v0, {numberRe:String})
        GROUP BY fingerprint
        ORDER BY fingerprint`,
      query_params: {
        ...this.params(q),
        a0: q.attribute,
        numberRe: NUMBER_RE,
      },
      format: 'JSONEachRow',
    });
    const rows = await rs.json<{ fingerprint: string; count: string; min: number; max: number }>();
    return rows.map((r) => ({
      fingerprint: r.fingerprint,
      count: Number(r.count),
      min: Number(r.min),
      max: Number(r.max),
    }));
  }

  async conditionCounts(q: {
    endpoint: string;
    at: string;
    atoms: readonly RuleAtom[];
    fingerprints: readonly string[];
    fromNs: bigint;
  }): Promise<{ fingerprint: string; traces: number; holds: number }[]> {
    const attributes = [...new Set(q.atoms.map((a) => a.attribute))];
    const params: Record<string, unknown> = { ...this.params(q), numberRe: NUMBER_RE };
    attributes.forEach((a, i) => (params[`a${i}`] = a));
    const tests = q.atoms.map((atom, i) => {
      const v = `t.v${attributes.indexOf(atom.attribute)}`;
      params[`s${i}`] = atom.value;
      if (atom.op === '>=' || atom.op === '<') params[`n${i}`] = Number(atom.value);
      // An absent attribute satisfies only `!=`; a non-number satisfies no numeric comparison.
      switch (atom.op) {
        case '=':
          return `ifNull(${v} = {s${i}:String}, 0)`;
        case '!=':
          return `ifNull(${v} != {s${i}:String}, 1)`;
        case '>=':
          return `ifNull(match(${v}, {numberRe:String}) AND toFloat64OrZero(${v}) >= {n${i}:Float64}, 0)`;
        case '<':
          return `ifNull(match(${v}, {numberRe:String}) AND toFloat64OrZero(${v}) < {n${i}:Float64}, 0)`;
      }
    });
    const rs = await this.client.query({
      query: `
        SELECT m.behaviour AS fingerprint, count() AS traces,
               countIf(${tests.length > 0 ? tests.join(' AND ') : '1'}) AS holds
        FROM (${this.members()}) AS m
        ${attributes.length > 0 ? `LEFT JOIN (${this.values(attributes.length)}) AS t ON t.TraceId = m.trace_id` : ''}
        GROUP BY fingerprint
        ORDER BY fingerprint
        SETTINGS join_use_nulls = 1`,
      query_params: params,
      format: 'JSONEachRow',
    });
    const rows = await rs.json<{ fingerprint: string; traces: string; holds: string }>();
    return rows.map((r) => ({
      fingerprint: r.fingerprint,
      traces: Number(r.traces),
      holds: Number(r.holds),
    }));
  }

  /** Traces of the endpoint's listed behaviours in the period, once each. */
  private members(): string {
    return `
      SELECT trace_id, any(fingerprint) AS behaviour
      FROM {db:Identifier}.trace_behaviours
      WHERE tenant = {tenant:String}
        AND endpoint = {endpoint:String} AND fingerprint IN {fingerprints:Array(String)}
        AND start_time >= fromUnixTimestamp64Nano({fromNs:Int64})
      GROUP BY trace_id`;
  }

  /**
   * Per trace of the endpoint in the period, the value of attributes {a0} … {a(n-1)} (NULL when no
   * span carries it), read in the order described in the class comment.
   */
  private values(n: number): string {
    const priority = `(multiIf(ParentSpanId = '', 0, SpanKind = 'Server' AND ServiceName = {atService:String}, 1, 2), Timestamp)`;
    const columns = Array.from(
      { length: n },
      (_, i) =>
        `argMinIf(toNullable(SpanAttributes[{a${i}:String}]), ${priority}, mapContains(SpanAttributes, {a${i}:String})) AS v${i}`,
    );
    const any = Array.from({ length: n }, (_, i) => `mapContains(SpanAttributes, {a${i}:String})`);
    return `
      SELECT TraceId, ${columns.join(', ')}
      FROM {db:Identifier}.spans
      WHERE Tenant = {tenant:String}
        AND Timestamp >= fromUnixTimestamp64Nano({spansFromNs:Int64})
        AND (${any.join(' OR ')})
        AND TraceId IN (
          SELECT trace_id FROM {db:Identifier}.trace_behaviours
          WHERE tenant = {tenant:String}
            AND endpoint = {endpoint:String} AND start_time >= fromUnixTimestamp64Nano({fromNs:Int64}))
      GROUP BY TraceId`;
  }

  private params(q: {
    endpoint: string;
    at: string;
    fingerprints: readonly string[];
    fromNs: bigint;
  }): Record<string, unknown> {
    return {
      db: this.db,
      endpoint: q.endpoint,
      atService: q.at.slice(0, Math.max(0, q.at.indexOf('|'))),
      fingerprints: [...q.fingerprints],
      fromNs: q.fromNs.toString(),
      spansFromNs: (q.fromNs - SKEW_MARGIN_NS).toString(),
      tenant: currentTenant(),
    };
  }
}
