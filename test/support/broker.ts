import { execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const script = join(__dirname, '..', '..', 'deploy', 'kafka', 'kafka.sh');

export interface DevBroker {
  brokers: string;
  stateDir: string;
  startedMs: number;
  /** Stops the broker and removes its data. */
  stop(): void;
  /** Stops the broker, keeping its data: an outage. */
  halt(): void;
  /** Starts a halted broker again on the same address with its data. */
  resume(): void;
}

/** Starts the dev Kafka broker (deploy/kafka/kafka.sh) in a fresh state directory. */
export function startDevBroker(): DevBroker {
  const stateDir = mkdtempSync(join(tmpdir(), 't2t-kafka-'));
  const t0 = Date.now();
  let out: string;
  try {
    out = execFileSync('bash', [script, 'start'], {
      env: { ...process.env, KAFKA_STATE_DIR: stateDir, KAFKA_PORT: process.env.KAFKA_PORT ?? '0' },
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    });
  } catch (e) {
    const err = e as { stderr?: string };
    throw new Error(`could not start the Kafka broker:\n${err.stderr ?? String(e)}`);
  }
  const m = /KAFKA_BROKERS=(\S+)/.exec(out);
  if (!m) throw new Error(`deploy/kafka/kafka.sh start printed no KAFKA_BROKERS line:\n${out}`);
  return {
    brokers: m[1],
    stateDir,
    startedMs: Date.now() - t0,
    stop: () => stopDevBroker(stateDir),
    halt: () => runScript(stateDir, ['stop']),
    resume: () => runScript(stateDir, ['start', '--keep']),
  };
}

function runScript(stateDir: string, args: string[]): void {
  try {
    execFileSync('bash', [script, ...args], {
      env: { ...process.env, KAFKA_STATE_DIR: stateDir },
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    });
  } catch (e) {
    const err = e as { stderr?: string };
    throw new Error(`kafka.sh ${args.join(' ')} failed:\n${err.stderr ?? String(e)}`);
  }
}

export function stopDevBroker(stateDir: string): void {
  execFileSync('bash', [script, 'stop', '--clean'], {
    env: { ...process.env, KAFKA_STATE_DIR: stateDir },
    stdio: 'inherit',
  });
}
