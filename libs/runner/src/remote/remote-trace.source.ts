import type { ModelSpan, ModelTrace } from '@t2t/model';
import type { TraceSource } from '../wait/trace-source.port';
import { type GraphqlClient, ServerRequestError } from './graphql.client';

/** OTLP numbers of the API's enum names (the spans table's kinds and status codes). */
const KIND: Record<string, number> = {
  UNSPECIFIED: 0,
  INTERNAL: 1,
  SERVER: 2,
  CLIENT: 3,
  PRODUCER: 4,
  CONSUMER: 5,
};
const STATUS: Record<string, number> = { UNSET: 0, OK: 1, ERROR: 2 };

interface ApiSpan {
  traceId: string;
  spanId: string;
  parentSpanId: string | null;
  name: string;
  kind: string;
  service: string;
  startTimeUnixNano: string;
  durationNs: string;
  statusCode: string;
  attributes: { key: string; value: string }[];
  links: { traceId: string; spanId: string }[];
}

const COUNT = 'query SpanCount($id: String!) { traceSpanCount(id: $id) }';
const TRACE = `query Trace($id: String!) {
  trace(id: $id) {
    spans {
      traceId spanId parentSpanId name kind service startTimeUnixNano durationNs statusCode
      attributes { key value }
      links { traceId spanId }
    }
  }
}`;

/**
 * The runner's trace source over the GraphQL API (`t2t test run` through a server, emitted Jest
 * files with `T2T_SERVER_URL`): the count it
 * polls is `traceSpanCount`, the trace it then reads is `trace(id) { spans }`, turned into the
 * spans ClickHouseTraceSource reads from the table (libs/storage's toModelSpan), in the same order.
 */
export class RemoteTraceSource implements TraceSource {
  constructor(private readonly client: GraphqlClient) {}

  async countSpans(traceId: string): Promise<number> {
    return (await this.client.request<{ traceSpanCount: number }>(COUNT, { id: traceId }))
      .traceSpanCount;
  }

  async readTrace(traceId: string): Promise<ModelTrace> {
    try {
      const data = await this.client.request<{ trace: { spans: ApiSpan[] } }>(TRACE, {
        id: traceId,
      });
      return { traceId, spans: data.trace.spans.map(toModelSpan) };
    } catch (e) {
      // As the table answers a trace with no spans: an empty trace, not an error.
      if (e instanceof ServerRequestError && e.code === 'NOT_FOUND') return { traceId, spans: [] };
      throw e;
    }
  }
}

export function toModelSpan(s: ApiSpan): ModelSpan {
  return {
    traceId: s.traceId,
    spanId: s.spanId,
    parentSpanId: s.parentSpanId ?? '',
    service: s.service,
    name: s.name,
    kind: KIND[s.kind] ?? 0,
    startNs: BigInt(s.startTimeUnixNano),
    durationNs: Number(s.durationNs),
    statusCode: STATUS[s.statusCode] ?? 0,
    attributes: Object.fromEntries(s.attributes.map((a) => [a.key, a.value])),
    links: s.links.map((l) => ({ traceId: l.traceId, spanId: l.spanId })),
  };
}
