export const INGEST_CONFIG = Symbol('INGEST_CONFIG');
/** How the spans topic is consumed: `IngestConsume`. */
export const INGEST_CONSUME = Symbol('INGEST_CONSUME');
/**
 * Spans the receiver of this process decoded (`DecodedRequests`), or null: set by the one-process
 * composition on the in-process transport, where ingest reads the very bodies the receiver produced.
 */
export const INGEST_DECODED = Symbol('INGEST_DECODED');
