import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

/**
 * Node's timers warn through the real process object, which Jest's sandbox does not expose, so
 * each case runs in its own Node process and reads what that process printed.
 */
function run(script: string): string {
  const root = join(__dirname, '..', '..', '..', '..');
  const r = spawnSync(process.execPath, ['-r', '@swc-node/register', '-e', script], {
    cwd: root,
    encoding: 'utf8',
    env: { PATH: process.env.PATH },
  });
  expect(r.status).toBe(0);
  return r.stderr;
}

/** kafkajs' real request queue, scheduling its check as it does on a client never throttled. */
const KAFKAJS_SCHEDULE = `
  const RequestQueue = require('kafkajs/src/network/requestQueue');
  const queue = new RequestQueue({
    instrumentationEmitter: { emit: () => undefined },
    maxInFlightRequests: null, requestTimeout: 1000, enforceRequestTimeout: false,
    clientId: 't2t', broker: 'localhost:9092',
    logger: { namespace: () => ({ debug: () => undefined, warn: () => undefined }) },
  });
  queue.scheduleCheckPendingRequests();
  setTimeout(() => queue.destroy(), 20);
`;
const INSTALL = `require('./libs/messaging/src/kafka/kafkajs-timeout.warning').silenceKafkajsNegativeTimeoutWarning();`;

describe('silenceKafkajsNegativeTimeoutWarning', () => {
  it('kafkajs makes Node (22 and newer) warn about a negative timeout without it', () => {
    const warns = Number(process.versions.node.split('.')[0]) >= 22;
    expect(run(KAFKAJS_SCHEDULE).includes('TimeoutNegativeWarning')).toBe(warns);
  });

  it("drops that warning when it comes from kafkajs' request queue", () => {
    expect(run(INSTALL + KAFKAJS_SCHEDULE)).toBe('');
  });

  it('keeps every other warning, negative timeouts elsewhere included', () => {
    const stderr = run(
      `${INSTALL} clearTimeout(setTimeout(() => undefined, -5)); process.emitWarning('something else', 'CustomWarning');`,
    );
    if (Number(process.versions.node.split('.')[0]) >= 22)
      expect(stderr).toContain('TimeoutNegativeWarning');
    expect(stderr).toContain('CustomWarning: something else');
  });
});
