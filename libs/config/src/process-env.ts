/**
 * The one place that reads the process environment. Entry points call this once and parse the
 * result with their schema; everything below them receives typed configuration.
 */
export function readProcessEnv(): Readonly<Record<string, string | undefined>> {
  return { ...process.env };
}
