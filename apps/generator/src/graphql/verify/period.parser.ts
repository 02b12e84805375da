/**
 * Points in time of a verification period, in the forms `t2t test verify --since/--until` takes:
 * a duration ago (`15m`, `2h`, `7d`, `500ms`; a bare number is seconds) or an ISO 8601 time
 * (`2026-11-25T08:00:00Z`). The CLI keeps its own copy of these few lines (apps/cli
 * test-command.options.ts): an app cannot import another, and the two must accept the same text.
 */

const UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

export class PeriodError extends Error {
  override readonly name = 'PeriodError';
}

/** `500ms`, `10s`, `5m`, `2h`, `7d`; a bare number is seconds. Milliseconds. */
export function parseDuration(raw: string): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h|d)?$/.exec(raw.trim());
  if (!m) {
    throw new PeriodError(
      `"${raw}" is neither a duration (500ms, 30s, 15m, 2h, 7d) nor an ISO 8601 time`,
    );
  }
  return Math.round(Number(m[1]) * UNITS[m[2] ?? 's']);
}

/** Unix ms of `raw`; `now` is passed in so one request reads the clock once. */
export function parsePointInTime(raw: string, now: number): number {
  const text = raw.trim();
  if (/^\d{4}-\d{2}-\d{2}/.test(text)) {
    const t = Date.parse(text);
    if (Number.isNaN(t)) throw new PeriodError(`"${raw}" is not an ISO 8601 time`);
    return t;
  }
  return now - parseDuration(text);
}
