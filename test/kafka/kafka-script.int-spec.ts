import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { createKafkaClient } from '@t2t/messaging';

const script = join(__dirname, '..', '..', 'deploy', 'kafka', 'kafka.sh');

function run(args: string[], env: Record<string, string>): { code: number | null; out: string } {
  const r = spawnSync('bash', [script, ...args], {
    env: { ...process.env, ...env },
    encoding: 'utf8',
    timeout: 120_000,
  });
  return { code: r.status, out: `${r.stdout}${r.stderr}` };
}

/** A directory with one executable script, to put in front of PATH or use as JAVA_HOME/bin. */
function fakeBin(name: string, body: string): string {
  const dir = mkdtempSync(join(tmpdir(), 't2t-fake-'));
  mkdirSync(join(dir, 'bin'));
  const file = join(dir, 'bin', name);
  writeFileSync(file, `#!/usr/bin/env bash\n${body}\n`);
  chmodSync(file, 0o755);
  return dir;
}

describe('deploy/kafka/kafka.sh', () => {
  let state: string;
  beforeEach(() => (state = mkdtempSync(join(tmpdir(), 't2t-kstate-'))));
  afterEach(() => {
    run(['stop', '--clean'], { KAFKA_STATE_DIR: state });
    rmSync(state, { recursive: true, force: true });
  });

  it('says so when Java is missing', () => {
    const r = run(['start'], { KAFKA_STATE_DIR: state, JAVA_HOME: '/nonexistent-jdk' });
    expect(r.code).not.toBe(0);
    expect(r.out).toContain("Java not found (looked for '/nonexistent-jdk/bin/java')");
  });

  it('says so when Java is too old', () => {
    const jdk = fakeBin('java', 'echo \'openjdk version "11.0.22" 2024-01-16\' >&2');
    const r = run(['start'], { KAFKA_STATE_DIR: state, JAVA_HOME: jdk });
    expect(r.code).not.toBe(0);
    expect(r.out).toContain('Java 11.0.22 found');
    expect(r.out).toContain('needs Java 17 or newer');
  });

  it('says so when Maven cannot resolve the broker', () => {
    const cache = mkdtempSync(join(tmpdir(), 't2t-kcache-'));
    const r = run(['fetch'], { KAFKA_CACHE_DIR: cache, KAFKA_VERSION: '0.0.0-no-such-version' });
    rmSync(cache, { recursive: true, force: true });
    expect(r.code).not.toBe(0);
    expect(r.out).toContain(
      'Maven could not resolve org.apache.kafka:kafka_2.13:0.0.0-no-such-version',
    );
  });

  it('does not run Maven again once the jars are cached', () => {
    // The default cache is warm (global setup started a broker from it); a failing mvn first on PATH proves it is not called.
    const mvn = fakeBin('mvn', 'echo "mvn must not run" >&2; exit 1');
    const r = run(['fetch'], {
      KAFKA_CACHE_DIR: process.env.KAFKA_CACHE_DIR ?? join(homedir(), '.cache/trace2test/kafka'),
      PATH: `${join(mvn, 'bin')}:${process.env.PATH}`,
    });
    expect(r.out).not.toContain('mvn must not run');
    expect(r.code).toBe(0);
  });

  it('says so when the configured port is busy', async () => {
    const server: Server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as import('node:net').AddressInfo;
    try {
      const r = run(['start'], { KAFKA_STATE_DIR: state, KAFKA_PORT: String(port) });
      expect(r.code).not.toBe(0);
      expect(r.out).toContain(`port ${port} on 127.0.0.1 is busy`);
    } finally {
      server.close();
    }
  });

  it('starts on a configured port, reports status, and stops by its PID', async () => {
    const probe = createServer();
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
    const { port } = probe.address() as import('node:net').AddressInfo;
    await new Promise((resolve) => probe.close(resolve));
    const started = run(['start'], { KAFKA_STATE_DIR: state, KAFKA_PORT: String(port) });
    expect(started.out).toContain(`KAFKA_BROKERS=127.0.0.1:${port}`);
    expect(started.code).toBe(0);
    expect(run(['status'], { KAFKA_STATE_DIR: state }).out).toMatch(
      new RegExp(`^running 127\\.0\\.0\\.1:${port} pid \\d+`),
    );
    expect(run(['stop'], { KAFKA_STATE_DIR: state }).code).toBe(0);
    expect(run(['status'], { KAFKA_STATE_DIR: state }).out.trim()).toBe('stopped');
  });

  it('start --keep brings a stopped broker back on its address with its topics and records', async () => {
    const first = run(['start'], { KAFKA_STATE_DIR: state });
    expect(first.code).toBe(0);
    const brokers = /KAFKA_BROKERS=(\S+)/.exec(first.out)![1];
    const kafka = createKafkaClient({ clientId: 'keep-test', brokers: [brokers], logs: 'silent' });
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics([{ topic: 'kept', partitions: 2 }]);
    const producer = kafka.producer();
    await producer.connect();
    await producer.send({ topic: 'kept', messages: [{ key: 'k', value: 'still here' }] });
    await producer.disconnect();
    await admin.disconnect();

    expect(run(['stop'], { KAFKA_STATE_DIR: state }).code).toBe(0);
    const again = run(['start', '--keep'], { KAFKA_STATE_DIR: state });
    expect(again.code).toBe(0);
    expect(again.out).toContain(`KAFKA_BROKERS=${brokers}`);

    const admin2 = kafka.admin();
    await admin2.connect();
    try {
      const offsets = await admin2.fetchTopicOffsets('kept');
      expect(offsets.reduce((n, p) => n + Number(p.high), 0)).toBe(1);
    } finally {
      await admin2.disconnect();
    }
  });
});
