import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { gunzipSync } from 'node:zlib';
import { retryAfterMs, runSend, type SendJob } from './send.runner';

const REQUEST = JSON.stringify({ resourceSpans: [{ scopeSpans: [] }] });

interface Call {
  body: Buffer;
  headers: Record<string, string>;
}

/** A scripted endpoint: answers in order, records what it was sent (bodies gunzipped). */
function endpoint(answers: Array<Response | Error>) {
  const calls: Call[] = [];
  const fetchFn = (async (_url: string, init: RequestInit) => {
    const headers = init.headers as Record<string, string>;
    const raw = Buffer.from(init.body as Uint8Array);
    calls.push({
      body: headers['content-encoding'] === 'gzip' ? gunzipSync(raw) : raw,
      headers,
    });
    const next = answers.shift() ?? new Response(null, { status: 200 });
    if (next instanceof Error) throw next;
    return next;
  }) as unknown as typeof fetch;
  return { calls, fetchFn };
}

function refused(): Error {
  return Object.assign(new TypeError('fetch failed'), { cause: { code: 'ECONNREFUSED' } });
}

describe(runSend.name, () => {
  let dir: string;
  let out: string;
  let err: string;
  const sleeps: number[] = [];

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 't2t-send-'));
    out = '';
    err = '';
    sleeps.length = 0;
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  function io(fetchFn: typeof fetch, random = () => 1) {
    const stdout = new PassThrough();
    const stderr = new PassThrough();
    stdout.on('data', (d: Buffer) => (out += d.toString()));
    stderr.on('data', (d: Buffer) => (err += d.toString()));
    return {
      stdin: () => Readable.from([]),
      stdout,
      stderr,
      fetch: fetchFn,
      sleep: async (ms: number) => {
        sleeps.push(ms);
      },
      random,
    };
  }

  const job = (over: Partial<SendJob> = {}): SendJob => ({
    inputs: [dir],
    url: 'http://collector:4318/v1/traces',
    format: 'auto',
    strict: false,
    gzip: true,
    concurrency: 1,
    retryForMs: 60_000,
    progressIntervalMs: 0,
    ...over,
  });

  it('posts each request as it is, gzipped, with its content type; retries 503 after Retry-After', async () => {
    writeFileSync(join(dir, 'a.json'), REQUEST);
    writeFileSync(join(dir, 'b.jsonl'), `${REQUEST}\n${REQUEST}\n`);
    const { calls, fetchFn } = endpoint([
      new Response(null, { status: 503, headers: { 'retry-after': '2' } }),
    ]);
    const code = await runSend(job(), io(fetchFn));
    expect(code).toBe(0);
    expect(calls).toHaveLength(4); // a.json twice (503, then accepted), two lines of b.jsonl
    expect(calls.every((c) => c.body.toString() === REQUEST)).toBe(true);
    expect(calls[0].headers).toMatchObject({
      'content-type': 'application/json',
      'content-encoding': 'gzip',
    });
    expect(sleeps).toEqual([2000]);
    expect(out).toBe(
      'sent 3 requests (' +
        3 * REQUEST.length +
        ` bytes) from 2 files to http://collector:4318/v1/traces; skipped 0\n`,
    );
  });

  it('reports a refused request and rejected spans per input, goes on, and exits 1', async () => {
    writeFileSync(join(dir, 'a.json'), REQUEST);
    writeFileSync(join(dir, 'b.json'), REQUEST);
    writeFileSync(join(dir, 'c.json'), REQUEST);
    const { calls, fetchFn } = endpoint([
      new Response(JSON.stringify({ code: 3, message: 'payload too large' }), {
        status: 413,
        headers: { 'content-type': 'application/json' },
      }),
      new Response(
        JSON.stringify({ partialSuccess: { rejectedSpans: '2', errorMessage: 'bad ids' } }),
        { status: 200, headers: { 'content-type': 'application/json' } },
      ),
    ]);
    const code = await runSend(job(), io(fetchFn));
    expect(code).toBe(1);
    expect(calls).toHaveLength(3);
    expect(err).toContain(`${join(dir, 'a.json')}: HTTP 413: payload too large\n`);
    expect(err).toContain(`${join(dir, 'b.json')}: 2 span(s) rejected: bad ids\n`);
    expect(out).toMatch(/^sent 2 requests .*; skipped 0, refused 1, 2 span\(s\) rejected\n$/);
  });

  it('retries a refused connection with growing backoff, then gives up and stops', async () => {
    writeFileSync(join(dir, 'a.json'), REQUEST);
    writeFileSync(join(dir, 'b.json'), REQUEST);
    const { calls, fetchFn } = endpoint(Array.from({ length: 50 }, refused));
    const code = await runSend(job({ retryForMs: 0 }), io(fetchFn));
    expect(code).toBe(1);
    expect(calls).toHaveLength(1);
    expect(err).toContain('a.json: ECONNREFUSED; gave up after 0 s of retries');
    expect(out).toMatch(/^sent 0 requests/);
  });

  it('comes back when the endpoint does, after 0.5, 1 and 2 s of backoff', async () => {
    writeFileSync(join(dir, 'a.json'), REQUEST);
    const { calls, fetchFn } = endpoint([refused(), refused(), refused()]);
    const code = await runSend(job(), io(fetchFn));
    expect(code).toBe(0);
    expect(calls).toHaveLength(4);
    expect(sleeps).toEqual([500, 1000, 2000]);
  });

  it('retries a 408 (the receiver did not get the body in time) with jittered backoff', async () => {
    writeFileSync(join(dir, 'a.json'), REQUEST);
    const timeout = () => new Response('{"message":"request body not received"}', { status: 408 });
    const { calls, fetchFn } = endpoint([timeout(), timeout(), timeout()]);
    const draws = [0, 0.5, 0.999];
    const code = await runSend(
      job(),
      io(fetchFn, () => draws.shift()!),
    );
    expect(code).toBe(0);
    expect(calls).toHaveLength(4);
    // Half the backoff plus a random share of the other half: 0.5 s, 1 s, 2 s backoffs.
    expect(sleeps.map((ms) => Math.round(ms))).toEqual([250, 750, 1999]);
    expect(err).toBe('');
  });

  it('skips a bad file with its reason (exit 1), and --strict stops there', async () => {
    writeFileSync(join(dir, 'a.json'), '{"resourceSpans": []}');
    writeFileSync(join(dir, 'b.json'), REQUEST);
    const lenient = endpoint([]);
    expect(await runSend(job(), io(lenient.fetchFn))).toBe(1);
    expect(lenient.calls).toHaveLength(1);
    expect(err).toMatch(/a\.json: .*resourceSpans/);
    const strict = endpoint([]);
    expect(await runSend(job({ strict: true }), io(strict.fetchFn))).toBe(1);
    expect(strict.calls).toHaveLength(0);
  });
});

describe(retryAfterMs.name, () => {
  it('reads seconds and HTTP dates, and nothing else', () => {
    expect(retryAfterMs('3')).toBe(3000);
    expect(retryAfterMs('Wed, 25 Nov 2026 10:00:05 GMT', Date.parse('2026-11-25T10:00:00Z'))).toBe(
      5000,
    );
    expect(retryAfterMs(null)).toBeUndefined();
    expect(retryAfterMs('soon')).toBeUndefined();
  });
});
