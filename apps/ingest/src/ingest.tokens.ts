export const INGEST_CONFIG = Symbol('INGEST_CONFIG');
/** How the spans topic is consumed: `IngestConsume`. */
export const INGEST_CONSUME = Symbol('INGEST_CONSUME');
