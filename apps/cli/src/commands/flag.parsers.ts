import { InvalidArgumentError } from 'commander';
import { isTenant } from '@t2t/wire';

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

/** `--tenant <name>`: a tenant name as the pipeline spells them. */
export function tenantName(raw: string): string {
  if (!isTenant(raw)) {
    throw new InvalidArgumentError(
      "must be a tenant name: 1–63 characters of a-z, 0-9, '.', '_', '-', starting with a letter or digit",
    );
  }
  return raw;
}
