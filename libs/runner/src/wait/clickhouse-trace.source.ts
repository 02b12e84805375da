import type { ModelTrace } from '@t2t/model';
import { type SpanRepository, toModelSpan } from '@t2t/storage';
import type { TraceSource } from './trace-source.port';

/** Traces as ingest stored them in the `spans` table. */
export class ClickHouseTraceSource implements TraceSource {
  constructor(private readonly spans: SpanRepository) {}

  countSpans(traceId: string): Promise<number> {
    return this.spans.countByTraceId(traceId);
  }

  async readTrace(traceId: string): Promise<ModelTrace> {
    const rows = await this.spans.findByTraceId(traceId);
    return { traceId, spans: rows.map(toModelSpan) };
  }
}
