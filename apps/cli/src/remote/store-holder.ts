import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';

/**
 * The process that holds an embedded ClickHouse data directory, if one does. The engine (chdb)
 * locks `<dir>/status` for as long as a process has the directory open, writes its PID there, and
 * removes the file on a clean close; a second process cannot open the directory meanwhile (and the
 * engine prints "Cannot lock file …/status" when it tries). Reading the file first lets a command
 * tell "the server has it" from any other failure, and go through the server without provoking
 * that message. A file left by a crash names a dead process (or, after PID reuse, an unrelated
 * one): callers treat the answer as a hint and still try to open the directory when no server
 * answers.
 */
export async function embeddedStoreHolder(dataPath: string): Promise<number | undefined> {
  let text: string;
  try {
    text = await readFile(join(resolve(dataPath), 'status'), 'utf8');
  } catch {
    return undefined;
  }
  const pid = Number(/^PID:\s*(\d+)\s*$/m.exec(text)?.[1]);
  if (!Number.isSafeInteger(pid) || pid <= 0 || pid === process.pid) return undefined;
  return isAlive(pid) ? pid : undefined;
}

function isAlive(pid: number): boolean {
  try {
    // Signal 0 checks existence and permission without signalling.
    process.kill(pid, 0);
    return true;
  } catch (e) {
    // EPERM: it exists, under another user.
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}
