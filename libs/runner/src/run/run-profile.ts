import { defineEnv, oneOf, readProcessEnv } from '@t2t/config';

/** Which profile of checks an emitted Jest file runs, read once from its environment. */
export const runProfileEnv = defineEnv('runner profile', {
  profile: oneOf({
    key: 'T2T_PROFILE',
    default: 'functional',
    values: ['functional', 'performance'] as const,
    doc: '`performance` also runs the timing checks of emitted Jest files (skipped otherwise: a busy machine must not fail a functional test).',
  }),
});

export type RunProfile = ReturnType<typeof runProfileEnv.parse>['profile'];

let chosen: RunProfile | undefined;

/** Whether the run asked for this profile (`T2T_PROFILE`); an invalid value fails with its key named. */
export function profileRequested(profile: RunProfile): boolean {
  chosen ??= runProfileEnv.parse(readProcessEnv()).profile;
  return chosen === profile;
}
