import type { Readable, Writable } from 'node:stream';
import { promisify } from 'node:util';
import { gzip as gzipCb } from 'node:zlib';
import { CONTENT_TYPE, type FormatChoice } from '../produce/input-format';
import { describeSource, readInputs } from '../produce/input.reader';
import { ProgressReporter } from '../produce/progress.reporter';
import { readPartialSuccess, readStatusMessage } from './otlp-response.reader';

const gzip = promisify(gzipCb);

export interface SendJob {
  /** Files, directories and `-` (stdin), in the order given. */
  inputs: string[];
  /** The OTLP/HTTP traces endpoint, e.g. http://localhost:4318/v1/traces. */
  url: string;
  format: FormatChoice;
  /** Stop at the first bad input or refused request. */
  strict: boolean;
  gzip: boolean;
  /** Requests in flight at once. */
  concurrency: number;
  /** How long one request may keep being retried (503, 429, connection refused), ms. */
  retryForMs: number;
  progressIntervalMs: number;
}

export interface SendIo {
  stdin: () => Readable;
  stdout: Writable;
  stderr: Writable;
  fetch?: typeof fetch;
  sleep?: (ms: number) => Promise<void>;
  /** [0, 1): spreads retries of concurrent requests apart (default Math.random). */
  random?: () => number;
}

/**
 * Statuses the OTLP/HTTP specification calls retryable, and 408: a receiver that did not get the
 * body in time (busy, or a slow link) will take it on another try; dropping it loses the traces.
 */
const RETRYABLE = new Set([408, 429, 502, 503, 504]);
const FIRST_BACKOFF_MS = 500;
const MAX_BACKOFF_MS = 30_000;

interface Request {
  source: string;
  body: Buffer;
  contentType: string;
}

type Outcome =
  | { kind: 'accepted'; rejectedSpans: number; errorMessage: string }
  | { kind: 'refused'; reason: string }
  | { kind: 'gave-up'; reason: string };

/**
 * Sends every valid request of the inputs to an OTLP/HTTP endpoint as it is (no re-encoding; gzip
 * on the wire by default), a few at a time, and returns the exit code: 0 when every request was
 * accepted whole; 1 when an input was skipped, a request was refused (4xx), spans were rejected
 * (partial success) or the endpoint stayed unavailable past the retry window.
 */
export async function runSend(job: SendJob, io: SendIo): Promise<number> {
  const { stdout, stderr } = io;
  const doFetch = io.fetch ?? fetch;
  const sleep = io.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  const random = io.random ?? Math.random;
  let sent = 0;
  let bytes = 0;
  let skipped = 0;
  let refused = 0;
  let rejectedSpans = 0;
  let gaveUp = false;
  let stop = false;
  const files = new Set<string>();
  const progress = new ProgressReporter(
    stderr,
    () => ({ records: sent, bytes }),
    job.progressIntervalMs,
    Date.now,
    'requests',
    'sent',
  );

  const deliver = async (r: Request): Promise<Outcome> => {
    const body = job.gzip ? await gzip(r.body) : r.body;
    const headers: Record<string, string> = { 'content-type': r.contentType };
    if (job.gzip) headers['content-encoding'] = 'gzip';
    const deadline = Date.now() + job.retryForMs;
    let backoff = FIRST_BACKOFF_MS;
    for (;;) {
      let why: string;
      let waitMs: number | undefined;
      try {
        const res = await doFetch(job.url, { method: 'POST', headers, body });
        const answer = Buffer.from(await res.arrayBuffer());
        const type = res.headers.get('content-type');
        if (res.ok) return { kind: 'accepted', ...readPartialSuccess(answer, type) };
        const message = readStatusMessage(answer, type);
        why = `HTTP ${res.status}${message ? `: ${message}` : ''}`;
        if (!RETRYABLE.has(res.status)) return { kind: 'refused', reason: why };
        waitMs = retryAfterMs(res.headers.get('retry-after'));
      } catch (e) {
        const cause = (e as { cause?: { code?: string; message?: string } }).cause;
        why = cause?.code ?? cause?.message ?? (e as Error).message;
      }
      // Without the server's Retry-After, "equal jitter": half the backoff plus a random part, so
      // the requests that failed together do not all come back at the same moment.
      const delay = Math.min(waitMs ?? backoff / 2 + random() * (backoff / 2), MAX_BACKOFF_MS);
      if (stop || Date.now() + delay > deadline) {
        return {
          kind: 'gave-up',
          reason: `${why}; gave up after ${Math.round(job.retryForMs / 1000)} s of retries`,
        };
      }
      await sleep(delay);
      backoff = Math.min(backoff * 2, MAX_BACKOFF_MS);
    }
  };

  const record = (r: Request, o: Outcome): void => {
    if (o.kind === 'accepted') {
      sent++;
      bytes += r.body.length;
      if (o.rejectedSpans > 0 || o.errorMessage !== '') {
        rejectedSpans += o.rejectedSpans;
        stderr.write(
          `${r.source}: ${o.rejectedSpans > 0 ? `${o.rejectedSpans} span(s) rejected` : 'accepted with a warning'}${o.errorMessage ? `: ${o.errorMessage}` : ''}\n`,
        );
      }
      return;
    }
    if (o.kind === 'refused') refused++;
    else gaveUp = true;
    stderr.write(`${r.source}: ${o.reason}\n`);
    if (job.strict || o.kind === 'gave-up') stop = true;
  };

  const inFlight = new Set<Promise<void>>();
  progress.start();
  try {
    for await (const item of readInputs(job.inputs, { format: job.format, stdin: io.stdin })) {
      if (stop) break;
      if (item.kind === 'ignored') {
        stderr.write(`${item.file}: ignored: ${item.reason}\n`);
        continue;
      }
      if (item.kind === 'bad') {
        skipped++;
        stderr.write(`${describeSource(item)}: ${item.reason}\n`);
        if (job.strict) stop = true;
        continue;
      }
      files.add(item.file);
      const request: Request = {
        source: describeSource(item),
        body: item.value,
        contentType: CONTENT_TYPE[item.format],
      };
      const p: Promise<void> = deliver(request).then((o) => {
        record(request, o);
        inFlight.delete(p);
      });
      inFlight.add(p);
      if (inFlight.size >= job.concurrency) await Promise.race(inFlight);
    }
    await Promise.all(inFlight);
  } finally {
    progress.stop();
  }

  if (stop && job.strict && !gaveUp) stderr.write('stopped at the first problem (--strict)\n');
  const extra = [
    `skipped ${skipped}`,
    ...(refused > 0 ? [`refused ${refused}`] : []),
    ...(rejectedSpans > 0 ? [`${rejectedSpans} span(s) rejected`] : []),
  ];
  stdout.write(
    `sent ${sent} requests (${bytes} bytes) from ${files.size} files to ${job.url}; ${extra.join(', ')}\n`,
  );
  return skipped + refused + rejectedSpans > 0 || gaveUp ? 1 : 0;
}

/** `Retry-After` in seconds or as an HTTP date; undefined when absent or unreadable. */
export function retryAfterMs(header: string | null, now = Date.now()): number | undefined {
  if (header === null || header.trim() === '') return undefined;
  const seconds = Number(header);
  if (Number.isFinite(seconds) && seconds >= 0) return seconds * 1000;
  const at = Date.parse(header);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}
