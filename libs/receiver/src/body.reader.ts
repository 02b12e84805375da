import { type Readable, Transform, type TransformCallback } from 'node:stream';
import {
  createGunzip,
  createInflate,
  createInflateRaw,
  gunzipSync,
  inflateRawSync,
  inflateSync,
} from 'node:zlib';
import { Decompress } from 'fzstd';

/** Content codings the receiver decompresses (what OTLP exporters send: gzip, rarely deflate or zstd). */
export type ContentCoding = 'identity' | 'gzip' | 'deflate' | 'zstd';

/**
 * Reads a `Content-Encoding` header; undefined means unsupported (415). Codings applied in
 * sequence (`gzip, gzip`) are refused: no exporter sends them, and each layer multiplies the
 * work a small request can cause.
 */
export function parseContentEncoding(header: string | undefined): ContentCoding | undefined {
  const codings = (header ?? '')
    .split(',')
    .map((c) => c.trim().toLowerCase())
    .filter((c) => c !== '' && c !== 'identity');
  if (codings.length === 0) return 'identity';
  if (codings.length > 1) return undefined;
  if (codings[0] === 'gzip' || codings[0] === 'x-gzip') return 'gzip';
  if (codings[0] === 'deflate') return 'deflate';
  if (codings[0] === 'zstd') return 'zstd';
  return undefined;
}

/**
 * Why a body could not be read. `wire_too_large` and `body_too_large` answer 413, `malformed` 400,
 * `in_flight` 503 (the receiver holds too many bytes right now), `timeout` 408 (the signal fired
 * first: a slow client), `aborted` nothing (the client left).
 */
export type BodyReadFailure =
  'wire_too_large' | 'body_too_large' | 'malformed' | 'in_flight' | 'timeout' | 'aborted';

export class BodyReadError extends Error {
  override readonly name = 'BodyReadError';

  constructor(
    readonly reason: BodyReadFailure,
    message: string,
    /** Bytes read from the connection / produced by decompression before the read stopped. */
    readonly wireBytes: number,
    readonly bodyBytes: number,
  ) {
    super(message);
  }
}

/**
 * Decompressed bytes held by all requests together. Each request takes from it as its body
 * arrives and gives everything back when it is answered, so concurrency cannot multiply the
 * per-request limit into an out-of-memory.
 */
export class ByteBudget {
  private used = 0;

  constructor(readonly limit: number) {}

  get inUse(): number {
    return this.used;
  }

  /** A per-request account; `release()` returns all it took (safe to call twice). */
  open(): BudgetHold {
    let held = 0;
    return {
      take: (n) => {
        if (this.used + n > this.limit) return false;
        this.used += n;
        held += n;
        return true;
      },
      release: () => {
        this.used -= held;
        held = 0;
      },
    };
  }
}

export interface BudgetHold {
  take(bytes: number): boolean;
  release(): void;
}

export interface BodyLimits {
  /** Bytes as sent, before decompression. */
  maxWireBytes: number;
  /** Bytes after decompression. */
  maxBodyBytes: number;
}

export interface ReadBody {
  body: Buffer;
  wireBytes: number;
}

/** zlib output chunk: a bigger one means fewer callbacks, and at most this much past the limit. */
const INFLATE_CHUNK = 64 * 1024;

/**
 * gzip and deflate bodies of at most this many bytes as sent are decompressed at once on the
 * event loop, not as a stream: zlib streams run on libuv's thread pool (4 threads), which the
 * embedded ClickHouse engine fills with its queries and inserts, and a request of a few KB then
 * waited behind them for hundreds of milliseconds. What SDKs send (one batch, tens of KB) takes
 * well under a millisecond here.
 */
export const SYNC_INFLATE_WIRE_BYTES = 256 * 1024;

/** Decompressing at once stops at this output (a bomb costs no more); past it, the body streams. */
const SYNC_INFLATE_MAX_OUTPUT = 4 * 1024 * 1024;

/**
 * HTTP "deflate" is the zlib format (RFC 9110), but some senders use raw deflate; the first two
 * bytes tell them apart (a zlib header has compression method 8 and is a multiple of 31).
 */
function isZlibHeader(first: Buffer): boolean {
  return first.length >= 2 && (first[0] & 0x0f) === 8 && ((first[0] << 8) | first[1]) % 31 === 0;
}

function createInflater(
  coding: 'gzip' | 'deflate' | 'zstd',
  first: Buffer,
  maxBodyBytes: number,
): Transform {
  if (coding === 'zstd') return new ZstdInflater(maxBodyBytes);
  const options = { chunkSize: INFLATE_CHUNK };
  if (coding === 'gzip') return createGunzip(options);
  return isZlibHeader(first) ? createInflate(options) : createInflateRaw(options);
}

/**
 * A whole small gzip or deflate body at once; `too_large` when it expands past `maxOutput`.
 * Throws zlib's error for corrupt data.
 */
function inflateAtOnce(
  coding: 'gzip' | 'deflate',
  input: Buffer,
  maxOutput: number,
): Buffer | 'too_large' {
  const options = { chunkSize: INFLATE_CHUNK, maxOutputLength: maxOutput };
  try {
    if (coding === 'gzip') return gunzipSync(input, options);
    return isZlibHeader(input) ? inflateSync(input, options) : inflateRawSync(input, options);
  } catch (e) {
    if ((e as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE') return 'too_large';
    throw e;
  }
}

/**
 * zstd as a stream (fzstd: plain JavaScript, every platform). The decoder produces a whole input
 * chunk's output at once, so it stops itself once the output passes the body limit: a small
 * request cannot make it decode gigabytes.
 */
class ZstdInflater extends Transform {
  private readonly decoder: Decompress;
  private produced = 0;
  private overLimit = false;

  constructor(private readonly maxBodyBytes: number) {
    super();
    this.decoder = new Decompress((data) => {
      if (this.overLimit) return;
      this.produced += data.length;
      // One byte past the limit is enough for the reader to refuse the body.
      if (this.produced > this.maxBodyBytes) this.overLimit = true;
      this.push(Buffer.from(data.buffer, data.byteOffset, data.length));
      if (this.overLimit) throw new Error('decompressed body over the limit');
    });
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, done: TransformCallback): void {
    if (this.overLimit) return done();
    try {
      this.decoder.push(chunk);
      done();
    } catch (e) {
      done(this.overLimit ? null : (e as Error));
    }
  }

  override _flush(done: TransformCallback): void {
    if (this.overLimit) return done();
    try {
      this.decoder.push(new Uint8Array(0), true);
      done();
    } catch (e) {
      done(e as Error);
    }
  }
}

/**
 * Reads and decompresses a request body as a stream, stopping as soon as a limit is passed: the
 * limits bound what the body costs in memory whatever it claims or expands to. Never throws
 * synchronously; rejects with a `BodyReadError`. On rejection the source is left paused with the
 * rest unread: the caller decides whether to drain it or cut the connection.
 */
export function readBody(
  source: Readable,
  coding: ContentCoding,
  limits: BodyLimits,
  options: { hold?: BudgetHold; signal?: AbortSignal } = {},
): Promise<ReadBody> {
  const { hold, signal } = options;
  return new Promise<ReadBody>((resolve, reject) => {
    const chunks: Buffer[] = [];
    let wireBytes = 0;
    let bodyBytes = 0;
    let sourceEnded = false;
    let settled = false;
    let inflater: Transform | undefined;
    /** gzip/deflate input held back while the body may still be small enough to inflate at once. */
    let held: Buffer[] | undefined = coding === 'gzip' || coding === 'deflate' ? [] : undefined;

    const fail = (reason: BodyReadFailure, message: string) => {
      if (settled) return;
      settled = true;
      detach();
      chunks.length = 0;
      reject(new BodyReadError(reason, message, wireBytes, bodyBytes));
    };
    const succeed = () => {
      if (settled) return;
      settled = true;
      detach();
      resolve({ body: Buffer.concat(chunks, bodyBytes), wireBytes });
    };

    const onBody = (chunk: Buffer) => {
      if (settled) return;
      bodyBytes += chunk.length;
      if (bodyBytes > limits.maxBodyBytes) {
        fail(
          'body_too_large',
          coding === 'identity'
            ? `request body exceeds the limit of ${limits.maxBodyBytes} bytes`
            : `request body exceeds the limit of ${limits.maxBodyBytes} bytes after ${coding} decompression`,
        );
        return;
      }
      if (hold && !hold.take(chunk.length)) {
        fail('in_flight', 'the receiver holds too many request bytes right now; retry later');
        return;
      }
      chunks.push(chunk);
    };
    const onInflateError = (e: Error) => fail('malformed', `invalid ${coding} body: ${e.message}`);
    const onInflateEnd = () => succeed();
    const onDrain = () => source.resume();
    const startInflater = (first: Buffer): Transform => {
      const stream = createInflater(
        coding as 'gzip' | 'deflate' | 'zstd',
        first,
        limits.maxBodyBytes,
      );
      stream.on('data', onBody);
      stream.on('error', onInflateError);
      stream.on('end', onInflateEnd);
      stream.on('drain', onDrain);
      inflater = stream;
      return stream;
    };
    /** Streams what was held back: the body is too large to inflate at once. */
    const streamHeld = () => {
      const chunks = held!;
      held = undefined;
      const stream = startInflater(chunks[0]);
      let ok = true;
      for (const c of chunks) ok = stream.write(c);
      if (!ok) source.pause();
      return stream;
    };
    /** The whole (small) body is in `held`: inflate it here, or stream it if it expands a lot. */
    const inflateHeld = () => {
      const input = Buffer.concat(held!, wireBytes);
      const maxOutput = Math.min(limits.maxBodyBytes + 1, SYNC_INFLATE_MAX_OUTPUT);
      let body: Buffer | 'too_large';
      try {
        body = inflateAtOnce(coding as 'gzip' | 'deflate', input, maxOutput);
      } catch (e) {
        onInflateError(e as Error);
        return;
      }
      if (body === 'too_large') {
        if (maxOutput > limits.maxBodyBytes) {
          bodyBytes = maxOutput;
          fail(
            'body_too_large',
            `request body exceeds the limit of ${limits.maxBodyBytes} bytes after ${coding} decompression`,
          );
          return;
        }
        // Large after decompression, still within the limit: the stream takes it from here.
        held = [input];
        streamHeld().end();
        return;
      }
      held = undefined;
      onBody(body);
      succeed();
    };

    const onData = (chunk: Buffer) => {
      if (settled) return;
      wireBytes += chunk.length;
      if (wireBytes > limits.maxWireBytes) {
        fail('wire_too_large', `request body exceeds the limit of ${limits.maxWireBytes} bytes`);
        return;
      }
      if (coding === 'identity') {
        onBody(chunk);
        return;
      }
      if (held) {
        held.push(chunk);
        if (wireBytes <= SYNC_INFLATE_WIRE_BYTES) return;
        streamHeld();
        return;
      }
      const stream = inflater ?? startInflater(chunk);
      // Respect zlib's buffer: a fast sender must not queue compressed input without bound.
      if (!stream.write(chunk)) source.pause();
    };
    const onEnd = () => {
      sourceEnded = true;
      if (settled) return;
      if (coding === 'identity') succeed();
      else if (held && held.length > 0) inflateHeld();
      else if (inflater) inflater.end();
      else fail('malformed', `empty ${coding} body`);
    };
    const onError = (e: Error) => fail('aborted', `request aborted: ${e.message}`);
    const onClose = () => {
      if (!sourceEnded) fail('aborted', 'request aborted: connection closed');
    };
    const onAbortSignal = () => {
      const reason: unknown = signal?.reason;
      fail(
        'timeout',
        reason instanceof Error ? reason.message : 'request body not received in time',
      );
    };

    function detach() {
      source.off('data', onData);
      source.off('end', onEnd);
      source.off('error', onError);
      source.off('close', onClose);
      signal?.removeEventListener('abort', onAbortSignal);
      if (inflater) {
        inflater.off('data', onBody);
        inflater.off('end', onInflateEnd);
        inflater.off('drain', onDrain);
        // Keep an error listener: destroying a zlib stream mid-way may still emit one.
        inflater.off('error', onInflateError);
        inflater.on('error', () => undefined);
        inflater.destroy();
      }
      source.pause();
    }

    if (signal?.aborted) {
      onAbortSignal();
      return;
    }
    signal?.addEventListener('abort', onAbortSignal);
    source.on('data', onData);
    source.on('end', onEnd);
    source.on('error', onError);
    source.on('close', onClose);
  });
}
