import { parseDuration, parsePointInTime, PeriodError } from './period.parser';

describe('verification period parsing', () => {
  const now = Date.parse('2026-11-25T10:00:00.000Z');

  it('takes durations ago in every unit, a bare number as seconds', () => {
    expect(parseDuration('500ms')).toBe(500);
    expect(parseDuration('1.5s')).toBe(1500);
    expect(parseDuration('15m')).toBe(900_000);
    expect(parseDuration('2h')).toBe(7_200_000);
    expect(parseDuration('7d')).toBe(604_800_000);
    expect(parseDuration('30')).toBe(30_000);
    expect(parsePointInTime('15m', now)).toBe(now - 900_000);
    expect(parsePointInTime('0s', now)).toBe(now);
  });

  it('takes ISO 8601 times as they are', () => {
    expect(parsePointInTime('2026-11-25T08:00:00Z', now)).toBe(Date.parse('2026-11-25T08:00:00Z'));
    expect(parsePointInTime(' 2026-11-25T08:00:00.250+01:00 ', now)).toBe(
      Date.parse('2026-11-25T07:00:00.250Z'),
    );
  });

  it('refuses anything else, saying which forms it takes', () => {
    for (const bad of ['yesterday', '-5m', '5 minutes', '', '2026-13-45T99:00:00Z']) {
      expect(() => parsePointInTime(bad, now)).toThrow(PeriodError);
    }
    expect(() => parsePointInTime('yesterday', now)).toThrow(
      '"yesterday" is neither a duration (500ms, 30s, 15m, 2h, 7d) nor an ISO 8601 time',
    );
    expect(() => parsePointInTime('2026-13-45T99:00:00Z', now)).toThrow('is not an ISO 8601 time');
  });
});
