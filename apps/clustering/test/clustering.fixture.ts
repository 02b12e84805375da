/** Fast event-time settings for tests: 5 s windows, traces close 1 s after their last span. */
export const FAST_CLUSTERING_ENV = {
  CLUSTERING_IDLE_GAP: '1s',
  CLUSTERING_WINDOW: '5s',
  CLUSTERING_ALLOWED_LATENESS: '2s',
  CLUSTERING_IDLE_ADVANCE_AFTER: '1s',
  CLUSTERING_SESSION_TIMEOUT: '6s',
};
