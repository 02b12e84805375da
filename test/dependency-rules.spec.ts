import { execFileSync } from 'node:child_process';
import { join } from 'node:path';

const root = join(__dirname, '..');

function cruise(target: string): { ok: boolean; output: string } {
  try {
    const output = execFileSync(
      process.execPath,
      [
        join(root, 'node_modules/dependency-cruiser/bin/dependency-cruiser.mjs'),
        '--config',
        '.dependency-cruiser.js',
        target,
      ],
      { cwd: root, encoding: 'utf8', stdio: 'pipe' },
    );
    return { ok: true, output };
  } catch (e) {
    const err = e as { stdout?: string; stderr?: string };
    return { ok: false, output: `${err.stdout ?? ''}${err.stderr ?? ''}` };
  }
}

describe('dependency rules (.dependency-cruiser.js)', () => {
  it('refuses a pure lib that imports Nest and node:fs', () => {
    const r = cruise('test/fixtures/depcruise/libs/model');
    expect(r.ok).toBe(false);
    expect(r.output).toContain('pure-lib-imports-io-package');
    expect(r.output).toContain('@nestjs/common');
    expect(r.output).toContain('pure-lib-does-io');
  });

  it('refuses the Kafka client outside libs/messaging, and accepts it inside', () => {
    const stage = cruise('test/fixtures/depcruise/apps/ingest');
    expect(stage.ok).toBe(false);
    expect(stage.output).toContain('kafka-client-outside-messaging');
    const messaging = cruise('test/fixtures/depcruise/libs/messaging');
    expect(messaging.output).toContain('no dependency violations');
    expect(messaging.ok).toBe(true);
  });

  it('accepts a pure lib that uses only node:crypto', () => {
    const r = cruise('test/fixtures/depcruise/libs/fingerprint');
    expect(r.output).toContain('no dependency violations');
    expect(r.ok).toBe(true);
  });
});
