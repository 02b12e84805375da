import { runProfileEnv } from './run-profile';

describe('runProfileEnv (T2T_PROFILE)', () => {
  it('is functional unless the run asks for performance', () => {
    expect(runProfileEnv.parse({}).profile).toBe('functional');
    expect(runProfileEnv.parse({ T2T_PROFILE: 'performance' }).profile).toBe('performance');
  });

  it('refuses an unknown profile, naming the key', () => {
    expect(() => runProfileEnv.parse({ T2T_PROFILE: 'perf' })).toThrow(/T2T_PROFILE/);
  });
});
