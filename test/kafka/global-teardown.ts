import { execFileSync } from 'node:child_process';
import { join } from 'node:path';

/** Stops the broker global-setup started (by its PID file), and removes its data. */
export default function globalTeardown(): void {
  const state = process.env.T2T_TEST_KAFKA_STATE;
  if (!state) return;
  execFileSync('bash', [join(__dirname, '..', '..', 'deploy/kafka/kafka.sh'), 'stop', '--clean'], {
    env: { ...process.env, KAFKA_STATE_DIR: state },
    stdio: 'inherit',
  });
}
