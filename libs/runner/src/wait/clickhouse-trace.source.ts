import type { ModelTrace } from '@t2t/model';
import { type SpanRepository, toModelSpan } from '@t2t/storage';
import { withTenant } from '@t2t/wire';
import type { TraceSource } from './trace-source.port';

/**
 * Traces as ingest stored them in the `spans` table, of one tenant: `tenant` when given (the
 * runner's ClickHouse backend, the CLI), else the caller's scope (`withTenant`).
 */
export class ClickHouseTraceSource implements TraceSource {
  constructor(
    private readonly spans: SpanRepository,
    private readonly tenant?: string,
  ) {}

  countSpans(traceId: string): Promise<number> {
    return this.scoped(() => this.spans.countByTraceId(traceId));
  }

  async readTrace(traceId: string): Promise<ModelTrace> {
    const rows = await this.scoped(() => this.spans.findByTraceId(traceId));
    return { traceId, spans: rows.map(toModelSpan) };
  }

  private scoped<T>(read: () => Promise<T>): Promise<T> {
    return this.tenant === undefined ? read() : withTenant(this.tenant, read);
  }
}
