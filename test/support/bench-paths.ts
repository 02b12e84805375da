/** How a benchmarked stage consumes: the Nest transport's handler, or the stage driving the consumer itself. */
export type ConsumePath = 'direct' | 'transport';

/**
 * `--path direct|transport|both` (default both, in that order); a list (`transport,direct`) runs
 * the paths in its order, to see whether going first matters.
 */
export function parseConsumePaths(argv: string[]): ConsumePath[] {
  const i = argv.findIndex((a) => a === '--path' || a.startsWith('--path='));
  const value = i < 0 ? 'both' : argv[i].includes('=') ? argv[i].split('=')[1] : argv[i + 1];
  if (value === 'both') return ['direct', 'transport'];
  const paths = (value ?? '').split(',');
  if (paths.length > 0 && paths.every((p) => p === 'direct' || p === 'transport')) return paths;
  throw new Error(`--path ${value}: use direct, transport, both or a list (transport,direct)`);
}

/** Round `round`'s order: alternating, so neither path always gets the warmer process. */
export function pathsInRound(paths: ConsumePath[], round: number): ConsumePath[] {
  return round % 2 === 0 ? paths : [...paths].reverse();
}
