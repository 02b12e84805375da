export const CLUSTERING_CONFIG = Symbol('CLUSTERING_CONFIG');
/** How the worker consumes spans_by_trace: `ClusteringConsume`. */
export const CLUSTERING_CONSUME = Symbol('CLUSTERING_CONSUME');
