import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { JsonTraceSerializer, ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer';
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  type ReadableSpan,
  SimpleSpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import {
  RecordingIntake,
  type RunningReceiver,
  startReceiver,
} from '../../../libs/receiver/test/receiver.harness';
import { runCliProcess } from './cli.process';

const cli = (args: string[]) => runCliProcess(args);

function spans(name: string): ReadableSpan[] {
  const memory = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes({ 'service.name': name }),
    spanProcessors: [new SimpleSpanProcessor(memory)],
  });
  provider.getTracer('send-test').startSpan(`GET /${name}`).end();
  return memory.getFinishedSpans();
}

/**
 * `t2t send` against the product's real OTLP/HTTP receiver (the one the embedded server runs on
 * 4318), with files serialized by @opentelemetry/otlp-transformer: the way into the embedded
 * product from OTLP files, without Kafka.
 */
describe('t2t send', () => {
  let dir: string;
  let receiver: RunningReceiver;
  const intake = new RecordingIntake();
  const json = Buffer.from(JsonTraceSerializer.serializeRequest(spans('json'))!);
  const proto = Buffer.from(ProtobufTraceSerializer.serializeRequest(spans('proto'))!);

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 't2t-send-'));
    writeFileSync(join(dir, '1-request.json'), json);
    writeFileSync(join(dir, '2-requests.jsonl'), Buffer.concat([json, Buffer.from('\n'), json]));
    writeFileSync(join(dir, '3-request.pb'), proto);
    receiver = await startReceiver(intake);
  });
  afterAll(async () => {
    await receiver?.close();
    rmSync(dir, { recursive: true, force: true });
  });
  beforeEach(() => intake.reset());

  it('delivers every request byte for byte, waiting out backpressure (503 + Retry-After)', async () => {
    intake.answer({ kind: 'backpressure', retryAfterMs: 1000 });
    const run = await cli(['send', dir, '--url', receiver.url, '--concurrency', '1']);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    // The first request twice (refused once with 503), then the rest, as the walk meets them.
    expect(intake.requests.map((r) => r.body)).toEqual([json, json, json, json, proto]);
    expect(intake.requests.map((r) => r.encoding)).toEqual([
      'otlp_json',
      'otlp_json',
      'otlp_json',
      'otlp_json',
      'otlp_proto',
    ]);
    expect(run.stdout).toBe(
      `sent 4 requests (${3 * json.length + proto.length} bytes) from 3 files to ${receiver.url}; skipped 0\n`,
    );
  });

  it('names the input whose spans the endpoint rejected (partial success) and exits 1', async () => {
    intake.answer(
      { kind: 'accepted', rejectedSpans: 0 },
      { kind: 'accepted', rejectedSpans: 1, message: 'span 0: invalid trace id' },
    );
    const run = await cli(['send', dir, '--url', receiver.url, '--concurrency', '1']);
    expect(run.code).toBe(1);
    expect(run.stderr).toBe(
      `${join(dir, '2-requests.jsonl')}:1: 1 span(s) rejected: span 0: invalid trace id\n`,
    );
    expect(run.stdout).toMatch(/^sent 4 requests .*; skipped 0, 1 span\(s\) rejected\n$/);
  });

  it('says so when nothing listens there, after the retry window', async () => {
    const probe = createServer();
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
    const { port } = probe.address() as AddressInfo;
    await new Promise((resolve) => probe.close(resolve));
    const run = await cli([
      'send',
      join(dir, '3-request.pb'),
      '--url',
      `http://127.0.0.1:${port}/v1/traces`,
      '--retry-for',
      '1',
    ]);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('3-request.pb: ECONNREFUSED; gave up after 1 s of retries');
  });

  it('refuses a URL that is not http(s) as a usage error', async () => {
    const run = await cli(['send', dir, '--url', 'kafka://broker:9092']);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('must be http:// or https://');
  });
});
