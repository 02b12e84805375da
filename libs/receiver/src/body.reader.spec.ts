import { pbkdf2 } from 'node:crypto';
import { Readable } from 'node:stream';
import { deflateRawSync, deflateSync, gzipSync } from 'node:zlib';
import { zstdCompressor } from '@t2t/test-support';
import {
  BodyReadError,
  ByteBudget,
  parseContentEncoding,
  readBody,
  SYNC_INFLATE_WIRE_BYTES,
} from './body.reader';

const limits = { maxWireBytes: 64 * 1024, maxBodyBytes: 256 * 1024 };

/** A source that yields `buf` in chunks of `size` bytes, as a socket would. */
function chunked(buf: Buffer, size = 1000): Readable {
  const parts: Buffer[] = [];
  for (let i = 0; i < buf.length; i += size) parts.push(buf.subarray(i, i + size));
  return Readable.from(parts, { objectMode: false });
}

async function failure(p: Promise<unknown>): Promise<BodyReadError> {
  try {
    await p;
  } catch (e) {
    expect(e).toBeInstanceOf(BodyReadError);
    return e as BodyReadError;
  }
  throw new Error('expected the read to fail');
}

describe(readBody.name, () => {
  const payload = Buffer.from('x'.repeat(50_000) + 'the end');

  it('reads identity, gzip, zlib deflate and raw deflate bodies', async () => {
    expect((await readBody(chunked(payload), 'identity', limits)).body).toEqual(payload);
    const gz = gzipSync(payload);
    const read = await readBody(chunked(gz, 7), 'gzip', limits);
    expect(read.body).toEqual(payload);
    expect(read.wireBytes).toBe(gz.length);
    expect((await readBody(chunked(deflateSync(payload)), 'deflate', limits)).body).toEqual(
      payload,
    );
    expect((await readBody(chunked(deflateRawSync(payload)), 'deflate', limits)).body).toEqual(
      payload,
    );
  });

  it('reads zstd bodies, and stops decompressing one that expands past the body limit', async () => {
    const zstd = await zstdCompressor();
    const compressed = zstd(payload);
    const read = await readBody(chunked(compressed, 5), 'zstd', limits);
    expect(read.body).toEqual(payload);
    expect(read.wireBytes).toBe(compressed.length);
    // 2 MB of zeros (8 times the limit) in a few hundred bytes.
    const bomb = zstd(Buffer.alloc(2_000_000));
    expect(bomb.length).toBeLessThan(limits.maxWireBytes);
    const e = await failure(readBody(chunked(bomb, 256), 'zstd', limits));
    expect(e.reason).toBe('body_too_large');
    expect(e.message).toContain('after zstd decompression');
    expect(e.bodyBytes).toBeLessThan(limits.maxBodyBytes + 2 * 128 * 1024);
    const bad = await failure(readBody(chunked(Buffer.from('not zstd at all')), 'zstd', limits));
    expect(bad.reason).toBe('malformed');
  });

  it('reads an empty identity body as empty', async () => {
    expect((await readBody(Readable.from([]), 'identity', limits)).body).toHaveLength(0);
  });

  it('stops at the wire limit', async () => {
    const e = await failure(readBody(chunked(Buffer.alloc(100_000)), 'identity', limits));
    expect(e.reason).toBe('wire_too_large');
    expect(e.message).toContain('65536 bytes');
    expect(e.wireBytes).toBeLessThanOrEqual(limits.maxWireBytes + 1000);
  });

  it('stops decompressing at the body limit: a bomb costs no more than the limit', async () => {
    // 64 gzip members of 16 MiB of zeros each: 1 GiB after decompression, ~1 MiB compressed.
    const member = gzipSync(Buffer.alloc(16 * 1024 * 1024));
    const bomb = Buffer.concat(Array.from({ length: 64 }, () => member));
    const e = await failure(
      readBody(chunked(bomb, 16 * 1024), 'gzip', { maxWireBytes: 8 << 20, maxBodyBytes: 1 << 20 }),
    );
    expect(e.reason).toBe('body_too_large');
    expect(e.message).toContain('after gzip decompression');
    expect(e.bodyBytes).toBeLessThanOrEqual((1 << 20) + 64 * 1024);
  });

  it('stops a small bomb, decompressed at once, at the body limit too', async () => {
    // 16 MiB of zeros in ~16 KB: small enough on the wire to be decompressed at once.
    const bomb = gzipSync(Buffer.alloc(16 * 1024 * 1024));
    expect(bomb.length).toBeLessThan(SYNC_INFLATE_WIRE_BYTES);
    const e = await failure(
      readBody(chunked(bomb, 4096), 'gzip', { maxWireBytes: 1 << 20, maxBodyBytes: 1 << 20 }),
    );
    expect(e.reason).toBe('body_too_large');
    expect(e.message).toContain('after gzip decompression');
    expect(e.bodyBytes).toBeLessThanOrEqual((1 << 20) + 64 * 1024);
  });

  it('reads a small body that expands to many MB, within the limit, whole', async () => {
    const big = Buffer.alloc(12 * 1024 * 1024, 'abc');
    const read = await readBody(chunked(gzipSync(big), 4096), 'gzip', {
      maxWireBytes: 1 << 20,
      maxBodyBytes: 64 << 20,
    });
    expect(read.body.equals(big)).toBe(true);
  });

  it('does not wait for the thread pool to decompress a small body', async () => {
    // Fill libuv's thread pool (what the embedded engine's queries do) with jobs queued first.
    const jobs = 64;
    let finished = 0;
    const pool = Array.from(
      { length: jobs },
      () =>
        new Promise<void>((resolve) =>
          pbkdf2('secret', 'salt', 20_000, 32, 'sha256', () => {
            finished++;
            resolve();
          }),
        ),
    );
    const read = await readBody(chunked(gzipSync(payload)), 'gzip', limits);
    const finishedBeforeBody = finished;
    await Promise.all(pool);
    expect(read.body).toEqual(payload);
    // A zlib stream would have been queued behind every job.
    expect(finishedBeforeBody).toBeLessThan(jobs / 2);
  });

  it('reports corrupt compressed data and empty compressed bodies as malformed', async () => {
    const gz = gzipSync(payload);
    gz[20] ^= 0xff;
    expect((await failure(readBody(chunked(gz), 'gzip', limits))).reason).toBe('malformed');
    const notGzip = await failure(readBody(chunked(payload), 'gzip', limits));
    expect(notGzip.reason).toBe('malformed');
    expect(notGzip.message).toMatch(/^invalid gzip body: /);
    expect((await failure(readBody(Readable.from([]), 'gzip', limits))).reason).toBe('malformed');
  });

  it('reports a truncated gzip body as malformed', async () => {
    const gz = gzipSync(payload);
    const e = await failure(readBody(chunked(gz.subarray(0, gz.length - 10)), 'gzip', limits));
    expect(e.reason).toBe('malformed');
  });

  it('reports a source that fails as aborted', async () => {
    const source = new Readable({ read() {} });
    const p = readBody(source, 'identity', limits);
    source.push(Buffer.from('abc'));
    source.destroy(new Error('socket hang up'));
    expect((await failure(p)).reason).toBe('aborted');
  });

  it('stops when the signal fires', async () => {
    const source = new Readable({ read() {} });
    source.push(Buffer.from('abc'));
    const e = await failure(
      readBody(source, 'identity', limits, { signal: AbortSignal.timeout(20) }),
    );
    expect(e.reason).toBe('timeout');
  });

  it('takes decompressed bytes from the budget and fails when it runs out', async () => {
    const budget = new ByteBudget(100_000);
    const first = budget.open();
    await readBody(chunked(payload), 'identity', limits, { hold: first });
    expect(budget.inUse).toBe(payload.length);
    const second = budget.open();
    const e = await failure(readBody(chunked(payload), 'identity', limits, { hold: second }));
    expect(e.reason).toBe('in_flight');
    second.release();
    first.release();
    first.release();
    expect(budget.inUse).toBe(0);
  });
});

describe(parseContentEncoding.name, () => {
  it.each([
    [undefined, 'identity'],
    ['', 'identity'],
    ['identity', 'identity'],
    ['GZIP', 'gzip'],
    ['x-gzip', 'gzip'],
    [' gzip , identity', 'gzip'],
    ['deflate', 'deflate'],
    ['br', undefined],
    ['zstd', 'zstd'],
    ['gzip, gzip', undefined],
  ])('%s → %s', (header, coding) => {
    expect(parseContentEncoding(header)).toBe(coding);
  });
});
