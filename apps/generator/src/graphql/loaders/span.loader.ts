import DataLoader from 'dataloader';
import type { SpanRepository, SpanRow } from '@t2t/storage';

/**
 * Trace ids per ClickHouse query. Bounds the `IN` list (and the rows of one answer); the query
 * limits of the API keep ordinary requests far below it.
 */
export const SPAN_BATCH_SIZE = 500;

/**
 * Spans by trace id for one request. Every `Trace.spans` selected while a request executes (the
 * representative traces of a page of behaviours, `trace(id)`) asks this loader; DataLoader
 * gathers the ids asked for in one tick into a single `findByTraceIds` query, and caches the
 * answer for the rest of the request. A trace without stored spans resolves to [].
 */
export function createSpanLoader(spans: SpanRepository): DataLoader<string, SpanRow[]> {
  return new DataLoader<string, SpanRow[]>(
    async (traceIds) => {
      const rows = await spans.findByTraceIds(traceIds);
      const byTrace = new Map<string, SpanRow[]>(traceIds.map((id) => [id, []]));
      for (const row of rows) byTrace.get(row.TraceId)?.push(row);
      return traceIds.map((id) => byTrace.get(id) ?? []);
    },
    { maxBatchSize: SPAN_BATCH_SIZE },
  );
}
