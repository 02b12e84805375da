import { InvalidArgumentError } from 'commander';

/** Flag value parsers shared by the commands; a bad value is a usage error (exit 2). */

export function positiveInt(raw: string): number {
  const n = Number(raw);
  if (!Number.isSafeInteger(n) || n < 1) throw new InvalidArgumentError('must be an integer ≥ 1');
  return n;
}

export function seconds(raw: string): number {
  const n = Number(raw);
  if (!Number.isFinite(n) || n < 0) throw new InvalidArgumentError('must be a number ≥ 0');
  return n;
}
