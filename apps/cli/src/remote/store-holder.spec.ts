import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { embeddedStoreHolder } from './store-holder';

describe(embeddedStoreHolder.name, () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 't2t-holder-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const status = (pid: number) =>
    writeFileSync(
      join(dir, 'status'),
      `PID: ${pid}\nStarted at: 2026-12-03 06:49:00\nRevision: 54513\n`,
    );

  it('names the live process the engine wrote into the status file', async () => {
    status(process.ppid);
    expect(await embeddedStoreHolder(dir)).toBe(process.ppid);
  });

  it('is undefined for no status file, this process, a dead process or an unreadable file', async () => {
    expect(await embeddedStoreHolder(dir)).toBeUndefined();
    status(process.pid);
    expect(await embeddedStoreHolder(dir)).toBeUndefined();
    // Beyond the largest PID Linux hands out (2^22): no such process.
    status(4_194_305);
    expect(await embeddedStoreHolder(dir)).toBeUndefined();
    writeFileSync(join(dir, 'status'), 'garbage');
    expect(await embeddedStoreHolder(dir)).toBeUndefined();
    expect(await embeddedStoreHolder(join(dir, 'missing'))).toBeUndefined();
  });
});
