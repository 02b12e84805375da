import { Logger } from '@nestjs/common';
import { Agent, request as httpRequest } from 'node:http';
import { connect, type Socket } from 'node:net';
import { Readable } from 'node:stream';
import { deflateSync, gzipSync } from 'node:zlib';
import { makeResource, makeScope, makeTrace, zstdCompressor } from '@t2t/test-support';
import { encodeTraceRequestJson, encodeTraceRequestProto } from '@t2t/otlp';
import type { IntakeResult } from '@t2t/receiver';
import { metric, RecordingIntake, type RunningReceiver, startReceiver } from './receiver.harness';

const KiB = 1024;
const MiB = 1024 * KiB;
const PROTO = 'application/x-protobuf';
const JSON_TYPE = 'application/json';

const spans = makeTrace(makeResource('checkout'), makeScope());
const protoBody = Buffer.from(encodeTraceRequestProto(spans));
const jsonBody = Buffer.from(encodeTraceRequestJson(spans));

/** google.rpc.Status from a protobuf error body (code and message only; short messages). */
function readProtoStatus(buf: Buffer): { code: number; message: string } {
  let i = 0;
  let code = 0;
  let message = '';
  const varint = () => {
    let v = 0;
    for (let shift = 0; ; shift += 7) {
      const b = buf[i++];
      v += (b & 0x7f) * 2 ** shift;
      if (b < 0x80) return v;
    }
  };
  while (i < buf.length) {
    const tag = varint();
    if (tag === 0x08) code = varint();
    else if (tag === 0x12) {
      const len = varint();
      message = buf.subarray(i, i + len).toString('utf8');
      i += len;
    } else throw new Error(`unexpected tag ${tag}`);
  }
  return { code, message };
}

async function post(
  url: string,
  body: Buffer | Readable | undefined,
  headers: Record<string, string>,
  method = 'POST',
): Promise<{ status: number; headers: Headers; body: Buffer }> {
  const init: RequestInit & { duplex?: 'half' } = { method, headers };
  if (body instanceof Readable) {
    init.body = Readable.toWeb(body) as ReadableStream;
    init.duplex = 'half';
  } else if (body) init.body = body;
  const res = await fetch(url, init);
  return { status: res.status, headers: res.headers, body: Buffer.from(await res.arrayBuffer()) };
}

function jsonStatus(body: Buffer): { code: number; message: string } {
  return JSON.parse(body.toString()) as { code: number; message: string };
}

/** Opens a raw connection and writes `text`; resolves with everything the server sends until it closes. */
function rawExchange(
  port: number,
  text: string | Buffer,
  timeoutMs = 10_000,
): Promise<{ response: string; closedAfterMs: number }> {
  return new Promise((resolve, reject) => {
    const t0 = Date.now();
    const socket: Socket = connect(port, '127.0.0.1', () => socket.write(text));
    let response = '';
    socket.on('data', (d) => (response += d.toString('latin1')));
    socket.on('error', () => undefined);
    socket.on('close', () => {
      clearTimeout(timer);
      resolve({ response, closedAfterMs: Date.now() - t0 });
    });
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`the server kept the connection open for ${timeoutMs} ms: ${response}`));
    }, timeoutMs);
  });
}

describe('OTLP/HTTP receiver', () => {
  const intake = new RecordingIntake();
  let receiver: RunningReceiver;

  beforeAll(async () => {
    receiver = await startReceiver(intake, {
      OTLP_HTTP_MAX_REQUEST_BYTES: String(256 * KiB),
      OTLP_HTTP_MAX_DECOMPRESSED_BYTES: String(1 * MiB),
      OTLP_HTTP_READ_TIMEOUT: '1s',
      OTLP_HTTP_INTAKE_TIMEOUT: '1s',
    });
  });
  afterAll(() => receiver?.close());
  beforeEach(() => intake.reset());

  describe('accepted requests', () => {
    it.each([
      ['protobuf', PROTO, protoBody, 'otlp_proto'],
      ['JSON', `${JSON_TYPE}; charset=utf-8`, jsonBody, 'otlp_json'],
    ] as const)(
      'answers %s with an empty ExportTraceServiceResponse in the same encoding',
      async (_, type, body, encoding) => {
        const res = await post(receiver.url, body, { 'content-type': type });
        expect(res.status).toBe(200);
        expect(res.headers.get('content-type')).toBe(type.split(';')[0]);
        expect(res.body.toString()).toBe(encoding === 'otlp_json' ? '{}' : '');
        expect(intake.requests).toHaveLength(1);
        expect(intake.requests[0]).toMatchObject({ encoding, body });
        expect(Math.abs(intake.requests[0].receivedAt - Date.now())).toBeLessThan(5000);
      },
    );

    it.each([
      ['gzip', gzipSync(protoBody)],
      ['x-gzip', gzipSync(protoBody)],
      ['deflate', deflateSync(protoBody)],
      ['identity', protoBody],
    ])('decompresses Content-Encoding %s', async (coding, body) => {
      const res = await post(receiver.url, body, {
        'content-type': PROTO,
        'content-encoding': coding,
      });
      expect(res.status).toBe(200);
      expect(intake.requests[0].body.equals(protoBody)).toBe(true);
    });

    it('decompresses Content-Encoding zstd', async () => {
      const body = (await zstdCompressor())(protoBody);
      const res = await post(receiver.url, body, {
        'content-type': PROTO,
        'content-encoding': 'zstd',
      });
      expect(res.status).toBe(200);
      expect(intake.requests[0].body.equals(protoBody)).toBe(true);
    });

    it('reads a chunked body without Content-Length, and ignores a query string', async () => {
      const res = await post(
        `${receiver.url}?tenant=a`,
        Readable.from([protoBody.subarray(0, 10), protoBody.subarray(10)]),
        {
          'content-type': PROTO,
        },
      );
      expect(res.status).toBe(200);
      expect(intake.requests[0].body.equals(protoBody)).toBe(true);
    });

    it('passes partial success to the client in its encoding', async () => {
      intake.answer(
        { kind: 'accepted', rejectedSpans: 1, message: 'span 1: invalid trace id' },
        { kind: 'accepted', rejectedSpans: 4 },
        { kind: 'accepted', rejectedSpans: 0, message: 'use gzip' },
      );
      const json = await post(receiver.url, jsonBody, { 'content-type': JSON_TYPE });
      expect(json.status).toBe(200);
      expect(JSON.parse(json.body.toString())).toEqual({
        partialSuccess: { rejectedSpans: '1', errorMessage: 'span 1: invalid trace id' },
      });
      const noMessage = await post(receiver.url, jsonBody, { 'content-type': JSON_TYPE });
      expect(JSON.parse(noMessage.body.toString())).toEqual({
        partialSuccess: { rejectedSpans: '4', errorMessage: '4 span(s) rejected' },
      });
      const warning = await post(receiver.url, jsonBody, { 'content-type': JSON_TYPE });
      expect(JSON.parse(warning.body.toString())).toEqual({
        partialSuccess: { errorMessage: 'use gzip' },
      });
    });

    it('keeps the connection alive across requests', async () => {
      const agent = new Agent({ keepAlive: true, maxSockets: 1 });
      const send = () =>
        new Promise<{ status: number; reused: boolean }>((resolve, reject) => {
          const req = httpRequest(
            receiver.url,
            { method: 'POST', agent, headers: { 'content-type': PROTO } },
            (res) => {
              res.resume();
              res.on('end', () => resolve({ status: res.statusCode!, reused: req.reusedSocket }));
            },
          );
          req.on('error', reject);
          req.end(protoBody);
        });
      try {
        const results = [await send(), await send(), await send()];
        expect(results).toEqual([
          { status: 200, reused: false },
          { status: 200, reused: true },
          { status: 200, reused: true },
        ]);
      } finally {
        agent.destroy();
      }
    });
  });

  describe('refused requests', () => {
    it('answers other paths with 404 and other methods with 405', async () => {
      const notFound = await post(receiver.url.replace('/v1/traces', '/v1/metrics'), protoBody, {
        'content-type': PROTO,
      });
      expect(notFound.status).toBe(404);
      expect(readProtoStatus(notFound.body)).toEqual({
        code: 5,
        message: 'no such endpoint /v1/metrics: send traces to POST /v1/traces',
      });
      const get = await post(receiver.url, undefined, {}, 'GET');
      expect(get.status).toBe(405);
      expect(get.headers.get('allow')).toBe('POST');
      expect(jsonStatus(get.body).code).toBe(12);
    });

    it.each([
      ['text/plain', 'unsupported Content-Type "text/plain"'],
      ['application/grpc', 'unsupported Content-Type "application/grpc"'],
    ])('answers Content-Type %s with 415', async (type, message) => {
      const res = await post(receiver.url, protoBody, { 'content-type': type });
      expect(res.status).toBe(415);
      expect(res.headers.get('content-type')).toBe(JSON_TYPE);
      expect(jsonStatus(res.body)).toEqual({
        code: 3,
        message: `${message}: send application/x-protobuf or application/json`,
      });
      expect(intake.requests).toHaveLength(0);
    });

    it('answers an unsupported Content-Encoding with 415', async () => {
      const res = await post(receiver.url, protoBody, {
        'content-type': PROTO,
        'content-encoding': 'br',
      });
      expect(res.status).toBe(415);
      expect(readProtoStatus(res.body).message).toBe(
        'unsupported Content-Encoding "br": send gzip, deflate, zstd or identity',
      );
    });

    it('answers a body that does not decode with 400 and the reason, in the request encoding', async () => {
      const proto = await post(receiver.url, Buffer.from([0x0a, 0xff, 0xff, 0x01]), {
        'content-type': PROTO,
      });
      expect(proto.status).toBe(400);
      expect(proto.headers.get('content-type')).toBe(PROTO);
      const status = readProtoStatus(proto.body);
      expect(status.code).toBe(3);
      expect(status.message).toMatch(/^cannot decode the body as OTLP protobuf: .+ at byte \d+/);

      const json = await post(receiver.url, Buffer.from('{"resourceSpans": [{"scopeSpans": 7}]}'), {
        'content-type': JSON_TYPE,
      });
      expect(json.status).toBe(400);
      expect(jsonStatus(json.body).message).toMatch(
        /^cannot decode the body as OTLP JSON: resourceSpans\[0\]\.scopeSpans/,
      );
      const truncated = await post(receiver.url, Buffer.from('{"resourceSpans": ['), {
        'content-type': JSON_TYPE,
      });
      expect(truncated.status).toBe(400);
    });

    it('answers a corrupt gzip body with 400 without calling the intake', async () => {
      const gz = gzipSync(protoBody);
      const res = await post(receiver.url, gz.subarray(0, gz.length - 12), {
        'content-type': PROTO,
        'content-encoding': 'gzip',
      });
      expect(res.status).toBe(400);
      expect(readProtoStatus(res.body).message).toMatch(/^invalid gzip body: /);
      const notGzip = await post(receiver.url, protoBody, {
        'content-type': PROTO,
        'content-encoding': 'gzip',
      });
      expect(notGzip.status).toBe(400);
      expect(intake.requests).toHaveLength(0);
    });

    it('answers 413 to a declared Content-Length above the limit, before reading the body', async () => {
      const res = await post(receiver.url, Buffer.alloc(300 * KiB), { 'content-type': PROTO });
      expect(res.status).toBe(413);
      expect(readProtoStatus(res.body).message).toBe(
        `request body of ${300 * KiB} bytes exceeds the limit of ${256 * KiB} bytes`,
      );
    });

    it('answers 413 to a chunked body once it passes the limit', async () => {
      const chunks = Array.from({ length: 40 }, () => Buffer.alloc(16 * KiB));
      const res = await post(receiver.url, Readable.from(chunks), { 'content-type': PROTO });
      expect(res.status).toBe(413);
      expect(readProtoStatus(res.body).message).toBe(
        `request body exceeds the limit of ${256 * KiB} bytes`,
      );
      expect(intake.requests).toHaveLength(0);
    });

    it('answers 413 to a gzip bomb without decompressing more than the limit', async () => {
      // Concatenated gzip members of 16 MiB of zeros, as many as fit under the 256 KiB wire
      // limit: about 250 MiB once decompressed.
      const member = gzipSync(Buffer.alloc(16 * MiB), { level: 9 });
      const count = Math.floor((250 * KiB) / member.length);
      const bomb = Buffer.concat(Array.from({ length: count }, () => member));
      expect(count * 16 * MiB).toBeGreaterThan(200 * MiB);
      const decompressed =
        't2t_otlp_http_request_bytes_total{stage="decompressed",service="receiver-test"}';
      const before = await metric(receiver.metrics, decompressed);
      const res = await post(receiver.url, bomb, {
        'content-type': PROTO,
        'content-encoding': 'gzip',
      });
      expect(res.status).toBe(413);
      expect(readProtoStatus(res.body).message).toBe(
        `request body exceeds the limit of ${1 * MiB} bytes after gzip decompression`,
      );
      expect(intake.requests).toHaveLength(0);
      // Decompression stopped at the limit (plus one zlib output chunk), not at 64 MiB.
      const inflated = (await metric(receiver.metrics, decompressed)) - before;
      expect(inflated).toBeGreaterThan(1 * MiB);
      expect(inflated).toBeLessThanOrEqual(1 * MiB + 64 * KiB);
    });
  });

  describe('backpressure and failures', () => {
    it('answers intake backpressure with 503 and Retry-After in whole seconds', async () => {
      intake.answer({ kind: 'backpressure', retryAfterMs: 2500 });
      const res = await post(receiver.url, jsonBody, { 'content-type': JSON_TYPE });
      expect(res.status).toBe(503);
      expect(res.headers.get('retry-after')).toBe('3');
      expect(jsonStatus(res.body)).toEqual({
        code: 14,
        message: 'the spans cannot be accepted right now; retry after 3 s',
      });
      expect(
        await metric(
          receiver.metrics,
          't2t_otlp_http_backpressure_total{reason="intake",service="receiver-test"}',
        ),
      ).toBeGreaterThanOrEqual(1);
    });

    it('never sends Retry-After: 0, which makes clients retry in a loop', async () => {
      intake.answer({ kind: 'backpressure', retryAfterMs: 0 });
      const res = await post(receiver.url, jsonBody, { 'content-type': JSON_TYPE });
      expect(res.headers.get('retry-after')).toBe('1');
    });

    it('answers 503 when the intake is slower than the intake timeout', async () => {
      intake.answer(() => new Promise<IntakeResult>(() => undefined));
      const t0 = Date.now();
      const res = await post(receiver.url, protoBody, { 'content-type': PROTO });
      expect(res.status).toBe(503);
      expect(res.headers.get('retry-after')).toBe('1');
      expect(readProtoStatus(res.body).message).toContain('not accepted within 1000 ms');
      expect(Date.now() - t0).toBeGreaterThanOrEqual(950);
    });

    it('answers 503 when the intake throws, logs it, and keeps serving', async () => {
      const logged = jest.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
      intake.answer(() => Promise.reject(new Error('boom')));
      const res = await post(receiver.url, protoBody, { 'content-type': PROTO });
      expect(res.status).toBe(503);
      expect(logged).toHaveBeenCalledWith(expect.stringContaining('the OTLP intake failed'));
      logged.mockRestore();
      expect((await post(receiver.url, protoBody, { 'content-type': PROTO })).status).toBe(200);
    });
  });

  describe('slow and broken clients', () => {
    it('answers 408 and closes the connection when the body does not arrive in time', async () => {
      const { response, closedAfterMs } = await rawExchange(
        receiver.port,
        `POST /v1/traces HTTP/1.1\r\nHost: x\r\nContent-Type: ${PROTO}\r\nContent-Length: 1000\r\n\r\n0123456789`,
      );
      expect(response).toMatch(/^HTTP\/1\.1 408 /);
      expect(response).toContain('request body not received within 1000 ms');
      expect(closedAfterMs).toBeGreaterThanOrEqual(900);
      expect(closedAfterMs).toBeLessThan(5000);
      expect(intake.requests).toHaveLength(0);
    });

    it('closes the connection when the headers do not arrive in time', async () => {
      const { response, closedAfterMs } = await rawExchange(
        receiver.port,
        'POST /v1/traces HTTP/1.1\r\nHost: x\r\n',
      );
      expect(response).toMatch(/^HTTP\/1\.1 408 /);
      expect(closedAfterMs).toBeLessThan(5000);
    });

    it('answers bytes that are not HTTP with 400 and stays up', async () => {
      const { response } = await rawExchange(
        receiver.port,
        Buffer.from([0, 1, 2, 255, 13, 10, 13, 10]),
      );
      expect(response).toMatch(/^HTTP\/1\.1 400 /);
      expect((await post(receiver.url, protoBody, { 'content-type': PROTO })).status).toBe(200);
    });

    it('drops a request whose client leaves mid-body and stays up', async () => {
      await new Promise<void>((resolve) => {
        const socket = connect(receiver.port, '127.0.0.1', () => {
          socket.write(
            `POST /v1/traces HTTP/1.1\r\nHost: x\r\nContent-Type: ${PROTO}\r\nContent-Encoding: gzip\r\nContent-Length: 5000\r\n\r\n`,
          );
          socket.write(gzipSync(protoBody).subarray(0, 20));
          setTimeout(() => {
            socket.destroy();
            resolve();
          }, 50);
        });
      });
      await new Promise((r) => setTimeout(r, 100));
      expect(intake.requests).toHaveLength(0);
      expect((await post(receiver.url, protoBody, { 'content-type': PROTO })).status).toBe(200);
    });
  });

  it('counts requests by status code and encoding', async () => {
    const text = await receiver.metrics.text();
    for (const series of [
      't2t_otlp_http_requests_total{status="200",encoding="otlp_proto"',
      't2t_otlp_http_requests_total{status="200",encoding="otlp_json"',
      't2t_otlp_http_requests_total{status="400",encoding="otlp_proto"',
      't2t_otlp_http_requests_total{status="413",encoding="otlp_proto"',
      't2t_otlp_http_requests_total{status="415",encoding="none"',
      't2t_otlp_http_requests_total{status="503",encoding="otlp_json"',
      't2t_otlp_http_requests_total{status="408",encoding="otlp_proto"',
      't2t_otlp_http_spans_total{outcome="accepted"',
      't2t_otlp_http_spans_total{outcome="rejected"',
      't2t_otlp_http_backpressure_total{reason="intake_timeout"',
      't2t_otlp_http_backpressure_total{reason="intake_error"',
      't2t_otlp_http_request_seconds_bucket',
      't2t_otlp_http_in_flight_requests',
      't2t_otlp_http_in_flight_bytes',
    ])
      expect(text).toContain(series);
  });
});

describe('OTLP/HTTP receiver memory bound', () => {
  it('answers 503 while requests in flight hold OTLP_HTTP_MAX_IN_FLIGHT_BYTES', async () => {
    let release!: () => void;
    const intake = new RecordingIntake().answer(
      () =>
        new Promise<IntakeResult>((resolve) => {
          release = () => resolve({ kind: 'accepted', rejectedSpans: 0 });
        }),
    );
    const receiver = await startReceiver(intake, {
      OTLP_HTTP_MAX_DECOMPRESSED_BYTES: String(1 * MiB),
      OTLP_HTTP_MAX_IN_FLIGHT_BYTES: String(1 * MiB),
    });
    try {
      const held = post(receiver.url, Buffer.alloc(800 * KiB), { 'content-type': PROTO });
      while (intake.requests.length === 0) await new Promise((r) => setTimeout(r, 10));
      const refused = await post(receiver.url, Buffer.alloc(400 * KiB), { 'content-type': PROTO });
      expect(refused.status).toBe(503);
      expect(refused.headers.get('retry-after')).toBe('1');
      expect(readProtoStatus(refused.body).message).toContain('too many request bytes');
      release();
      expect((await held).status).toBe(200);
      // The bytes are given back: the same request is now read (and then refused by decoding:
      // zeros are not OTLP).
      expect(
        (await post(receiver.url, Buffer.alloc(400 * KiB), { 'content-type': PROTO })).status,
      ).toBe(400);
    } finally {
      await receiver.close();
    }
  });
});

describe('OTLP/HTTP receiver shutdown', () => {
  it('stops accepting, finishes the request in flight, then stops', async () => {
    let release!: () => void;
    const intake = new RecordingIntake().answer(
      () =>
        new Promise<IntakeResult>((resolve) => {
          release = () => resolve({ kind: 'accepted', rejectedSpans: 0 });
        }),
    );
    const receiver = await startReceiver(intake);
    const inFlight = post(receiver.url, protoBody, { 'content-type': PROTO });
    while (intake.requests.length === 0) await new Promise((r) => setTimeout(r, 10));
    let closed = false;
    const closing = receiver.close().then(() => (closed = true));
    await new Promise((r) => setTimeout(r, 100));
    await expect(fetch(receiver.url, { method: 'POST' })).rejects.toThrow();
    expect(closed).toBe(false);
    release();
    const res = await inFlight;
    expect(res.status).toBe(200);
    expect(res.headers.get('connection')).toBe('close');
    await closing;
  });

  it('cuts requests still in flight after the drain timeout', async () => {
    const intake = new RecordingIntake().answer(() => new Promise<IntakeResult>(() => undefined));
    const receiver = await startReceiver(intake, {
      OTLP_HTTP_DRAIN_TIMEOUT: '300ms',
      OTLP_HTTP_INTAKE_TIMEOUT: '30s',
    });
    const inFlight = post(receiver.url, protoBody, { 'content-type': PROTO });
    while (intake.requests.length === 0) await new Promise((r) => setTimeout(r, 10));
    const t0 = Date.now();
    await receiver.close();
    expect(Date.now() - t0).toBeLessThan(2000);
    await expect(inFlight).rejects.toThrow();
  });
});
