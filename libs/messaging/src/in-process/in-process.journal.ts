import {
  closeSync,
  existsSync,
  fsyncSync,
  mkdirSync,
  openSync,
  readFileSync,
  renameSync,
  statSync,
  truncateSync,
  writeSync,
} from 'node:fs';
import { join } from 'node:path';
import type { RecordHeaders } from '../port/messaging.port';

/** A record as the journal keeps it: its partition is explicit, its offset follows from order. */
export interface JournalRecord {
  partition: number;
  key: Buffer | null;
  value: Buffer | null;
  headers: RecordHeaders;
  timestamp: string;
}

export interface JournalAppend {
  topic: string;
  records: JournalRecord[];
}

export interface JournalCommit {
  group: string;
  topic: string;
  partition: number;
  offset: number;
  metadata: string | null;
}

/** What the journal replays into the broker, in the order it was written. */
export type JournalEntry =
  | { type: 'topic'; name: string; partitions: number }
  | { type: 'base'; topic: string; partition: number; offset: number }
  | { type: 'subscribe'; group: string; topic: string }
  | ({ type: 'append' } & JournalAppend)
  | ({ type: 'commit' } & JournalCommit)
  /** Records and a commit that happen together or not at all. */
  | { type: 'atomic'; appends: JournalAppend[]; commit: JournalCommit };

const TYPE = { topic: 1, base: 2, subscribe: 3, append: 4, commit: 5, atomic: 6 } as const;
const FILE = 'journal.bin';
/** Every entry: u32 payload length, then the payload (its first byte is the entry type). */
const HEADER_BYTES = 4;

/**
 * The in-process broker's write-ahead log: one append-only file that every change of the
 * broker's state goes to before the change is visible (topics, records, subscriptions, committed
 * offsets). Opening it replays the file, so a process killed at any point comes back with every
 * record a producer was acknowledged for and every offset a consumer committed. An entry is one
 * `write` of its length and payload; a torn last entry (the process died inside the write) is
 * cut off on open. Writes are not fsynced: they survive the process, not the machine.
 *
 * The file is rewritten as a snapshot of the live state (`compact`) when it has grown well past
 * it: the broker drops records every reader has committed past, the journal then drops them too.
 */
export class InProcessJournal {
  private fd: number;
  private bytes = 0;

  private constructor(
    readonly dir: string,
    private readonly path: string,
  ) {
    this.fd = openSync(path, 'a');
    this.bytes = statSync(path).size;
  }

  /** Opens (creating) the journal in `dir` and returns the entries written before. */
  static open(dir: string): { journal: InProcessJournal; entries: JournalEntry[] } {
    mkdirSync(dir, { recursive: true });
    const path = join(dir, FILE);
    const entries: JournalEntry[] = [];
    if (existsSync(path)) {
      const data = readFileSync(path);
      let at = 0;
      while (at + HEADER_BYTES <= data.length) {
        const length = data.readUInt32LE(at);
        if (at + HEADER_BYTES + length > data.length) break;
        entries.push(decodeEntry(data.subarray(at + HEADER_BYTES, at + HEADER_BYTES + length)));
        at += HEADER_BYTES + length;
      }
      // A torn tail: the process died while writing its last entry, which nobody was told of.
      if (at < data.length) truncateSync(path, at);
    }
    return { journal: new InProcessJournal(dir, path), entries };
  }

  /** Bytes in the file now. */
  get size(): number {
    return this.bytes;
  }

  write(entry: JournalEntry): void {
    const payload = encodeEntry(entry);
    const frame = Buffer.allocUnsafe(HEADER_BYTES + payload.length);
    frame.writeUInt32LE(payload.length, 0);
    payload.copy(frame, HEADER_BYTES);
    let off = 0;
    while (off < frame.length) off += writeSync(this.fd, frame, off, frame.length - off);
    this.bytes += frame.length;
  }

  /** Replaces the file with `entries` (the live state): written aside, synced, then renamed over. */
  compact(entries: Iterable<JournalEntry>): void {
    const next = `${this.path}.next`;
    const fd = openSync(next, 'w');
    let bytes = 0;
    try {
      for (const entry of entries) {
        const payload = encodeEntry(entry);
        const head = Buffer.allocUnsafe(HEADER_BYTES);
        head.writeUInt32LE(payload.length, 0);
        writeSync(fd, head);
        writeSync(fd, payload);
        bytes += HEADER_BYTES + payload.length;
      }
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    closeSync(this.fd);
    renameSync(next, this.path);
    this.fd = openSync(this.path, 'a');
    this.bytes = bytes;
  }

  close(): void {
    closeSync(this.fd);
  }
}

class Writer {
  private buf = Buffer.allocUnsafe(4096);
  private at = 0;

  private room(n: number): void {
    if (this.at + n <= this.buf.length) return;
    const grown = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.at + n));
    this.buf.copy(grown, 0, 0, this.at);
    this.buf = grown;
  }
  u8(v: number): void {
    this.room(1);
    this.buf.writeUInt8(v, this.at++);
  }
  u32(v: number): void {
    this.room(4);
    this.buf.writeUInt32LE(v, this.at);
    this.at += 4;
  }
  f64(v: number): void {
    this.room(8);
    this.buf.writeDoubleLE(v, this.at);
    this.at += 8;
  }
  bytes(v: Buffer | null): void {
    if (v === null) {
      this.u32(0xffffffff);
      return;
    }
    this.u32(v.length);
    this.room(v.length);
    v.copy(this.buf, this.at);
    this.at += v.length;
  }
  str(v: string | null): void {
    this.bytes(v === null ? null : Buffer.from(v, 'utf8'));
  }
  done(): Buffer {
    return this.buf.subarray(0, this.at);
  }
}

class Reader {
  private at = 0;
  constructor(private readonly buf: Buffer) {}
  u8(): number {
    return this.buf.readUInt8(this.at++);
  }
  u32(): number {
    const v = this.buf.readUInt32LE(this.at);
    this.at += 4;
    return v;
  }
  f64(): number {
    const v = this.buf.readDoubleLE(this.at);
    this.at += 8;
    return v;
  }
  bytes(): Buffer | null {
    const n = this.u32();
    if (n === 0xffffffff) return null;
    // A copy: the file's buffer is dropped once it is replayed.
    const v = Buffer.from(this.buf.subarray(this.at, this.at + n));
    this.at += n;
    return v;
  }
  str(): string | null {
    return this.bytes()?.toString('utf8') ?? null;
  }
}

function writeAppend(w: Writer, a: JournalAppend): void {
  w.str(a.topic);
  w.u32(a.records.length);
  for (const r of a.records) {
    w.u32(r.partition);
    w.bytes(r.key);
    w.bytes(r.value);
    const headers: [string, Buffer][] = [];
    for (const [k, v] of Object.entries(r.headers)) {
      if (v === undefined) continue;
      for (const x of Array.isArray(v) ? v : [v])
        headers.push([k, Buffer.isBuffer(x) ? x : Buffer.from(String(x))]);
    }
    w.u32(headers.length);
    for (const [k, v] of headers) {
      w.str(k);
      w.bytes(v);
    }
    w.str(r.timestamp);
  }
}

function readAppend(r: Reader): JournalAppend {
  const topic = r.str()!;
  const n = r.u32();
  const records: JournalRecord[] = [];
  for (let i = 0; i < n; i++) {
    const partition = r.u32();
    const key = r.bytes();
    const value = r.bytes();
    const headers: RecordHeaders = {};
    const h = r.u32();
    for (let j = 0; j < h; j++) {
      const k = r.str()!;
      const v = r.bytes() ?? Buffer.alloc(0);
      const prev = headers[k];
      headers[k] = prev === undefined ? v : [...(Array.isArray(prev) ? prev : [prev]), v];
    }
    records.push({ partition, key, value, headers, timestamp: r.str()! });
  }
  return { topic, records };
}

function writeCommit(w: Writer, c: JournalCommit): void {
  w.str(c.group);
  w.str(c.topic);
  w.u32(c.partition);
  w.f64(c.offset);
  w.str(c.metadata);
}

function readCommit(r: Reader): JournalCommit {
  return {
    group: r.str()!,
    topic: r.str()!,
    partition: r.u32(),
    offset: r.f64(),
    metadata: r.str(),
  };
}

export function encodeEntry(e: JournalEntry): Buffer {
  const w = new Writer();
  w.u8(TYPE[e.type]);
  switch (e.type) {
    case 'topic':
      w.str(e.name);
      w.u32(e.partitions);
      break;
    case 'base':
      w.str(e.topic);
      w.u32(e.partition);
      w.f64(e.offset);
      break;
    case 'subscribe':
      w.str(e.group);
      w.str(e.topic);
      break;
    case 'append':
      writeAppend(w, e);
      break;
    case 'commit':
      writeCommit(w, e);
      break;
    case 'atomic':
      w.u32(e.appends.length);
      for (const a of e.appends) writeAppend(w, a);
      writeCommit(w, e.commit);
      break;
  }
  return w.done();
}

export function decodeEntry(payload: Buffer): JournalEntry {
  const r = new Reader(payload);
  const type = r.u8();
  switch (type) {
    case TYPE.topic:
      return { type: 'topic', name: r.str()!, partitions: r.u32() };
    case TYPE.base:
      return { type: 'base', topic: r.str()!, partition: r.u32(), offset: r.f64() };
    case TYPE.subscribe:
      return { type: 'subscribe', group: r.str()!, topic: r.str()! };
    case TYPE.append:
      return { type: 'append', ...readAppend(r) };
    case TYPE.commit:
      return { type: 'commit', ...readCommit(r) };
    case TYPE.atomic: {
      const n = r.u32();
      const appends: JournalAppend[] = [];
      for (let i = 0; i < n; i++) appends.push(readAppend(r));
      return { type: 'atomic', appends, commit: readCommit(r) };
    }
    default:
      throw new Error(`in-process journal: unknown entry type ${type}`);
  }
}
