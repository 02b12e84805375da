import { execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * Starts one real Kafka broker for the whole integration run (deploy/kafka/kafka.sh), unless
 * T2T_TEST_KAFKA_BROKERS already points at one. Workers read the address from that variable.
 */
export default function globalSetup(): void {
  if (process.env.T2T_TEST_KAFKA_BROKERS) return;
  const root = join(__dirname, '..', '..');
  const state = mkdtempSync(join(tmpdir(), 't2t-kafka-'));
  const t0 = Date.now();
  let out: string;
  try {
    out = execFileSync('bash', [join(root, 'deploy/kafka/kafka.sh'), 'start'], {
      env: { ...process.env, KAFKA_STATE_DIR: state, KAFKA_PORT: process.env.KAFKA_PORT ?? '0' },
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    });
  } catch (e) {
    const err = e as { stderr?: string };
    throw new Error(`could not start the test Kafka broker:\n${err.stderr ?? String(e)}`);
  }
  const m = /KAFKA_BROKERS=(\S+)/.exec(out);
  if (!m) throw new Error(`deploy/kafka/kafka.sh start printed no KAFKA_BROKERS line:\n${out}`);
  process.env.T2T_TEST_KAFKA_BROKERS = m[1];
  process.env.T2T_TEST_KAFKA_STATE = state;
  process.stderr.write(
    `\n[integration] Kafka broker on ${m[1]} (started in ${Date.now() - t0} ms, state ${state})\n`,
  );
}
