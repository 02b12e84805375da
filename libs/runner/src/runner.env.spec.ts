import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { envTable } from '@t2t/config';
import { runnerEnv } from './runner.env';
import { DEFAULT_WAIT_OPTIONS } from './wait/wait.plan';

describe('runnerEnv', () => {
  it('is documented in the README as declared', () => {
    const readme = readFileSync(join(__dirname, '..', 'README.md'), 'utf8');
    expect(readme).toContain(envTable(runnerEnv));
  });

  it('has the defaults the waiter uses without configuration', () => {
    const { targetUrl, ...wait } = runnerEnv.parse({});
    expect(targetUrl).toBeUndefined();
    expect(wait).toEqual(DEFAULT_WAIT_OPTIONS);
  });
});
