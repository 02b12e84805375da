/**
 * The process's MetricsRegistry by a token rather than its class, for modules that report into it
 * where it exists without depending on it (storage, which the published CLI bundles without any
 * metrics): inject it `optional`.
 */
export const METRICS = 't2t:metrics-registry';
