import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { context, trace } from '@opentelemetry/api';
import { JsonTraceSerializer, ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer';
import { resourceFromAttributes } from '@opentelemetry/resources';
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  type ReadableSpan,
  SimpleSpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import { createTopics, testBrokers, testKafka, uniqueTopic, readTopic } from '@t2t/test-support';
import { type CliRun, runCliProcess } from './cli.process';

/** The CLI in its own process, with the test broker. */
function cli(args: string[], stdin?: Buffer): Promise<CliRun> {
  return runCliProcess(args, { KAFKA_BROKERS: testBrokers().join(',') }, stdin);
}

function traceSpans(name: string): ReadableSpan[] {
  const memory = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes({ 'service.name': name }),
    spanProcessors: [new SimpleSpanProcessor(memory)],
  });
  const tracer = provider.getTracer('produce-test');
  const root = tracer.startSpan(`GET /${name}`, { attributes: { 'http.route': `/${name}` } });
  const child = tracer.startSpan('SELECT', {}, trace.setSpan(context.active(), root));
  child.addEvent('rows', { count: 3 });
  child.end();
  root.end();
  return memory.getFinishedSpans();
}

const asBuffer = (bytes: Uint8Array | undefined) => Buffer.from(bytes!);

describe('t2t produce', () => {
  const kafka = testKafka('cli-test');
  let dir: string;
  // What the files hold, in the order a directory walk meets them (sorted by name).
  const single = asBuffer(JsonTraceSerializer.serializeRequest(traceSpans('single')));
  const line1 = asBuffer(JsonTraceSerializer.serializeRequest(traceSpans('line')));
  const proto = asBuffer(ProtobufTraceSerializer.serializeRequest(traceSpans('proto')));

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 't2t-produce-'));
    writeFileSync(join(dir, '1-single.json'), single);
    // Line 2 blank (skipped silently), line 3 broken.
    writeFileSync(
      join(dir, '2-file.jsonl'),
      Buffer.concat([line1, Buffer.from('\n\n{"resourceSpans": [\n')]),
    );
    writeFileSync(join(dir, '3-trace.pb'), proto);
    writeFileSync(join(dir, '4-bad.json'), '{"traces": []}');
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('produces the valid requests as they are, reports each bad input with the reason, exits 1', async () => {
    const topic = uniqueTopic('produce');
    // One partition: the records must also keep the walk's order.
    await createTopics(kafka, { [topic]: 1 });

    const run = await cli(['produce', dir, '--topic', topic]);

    expect(run.stderr).toContain(
      `${join(dir, '2-file.jsonl')}:3: invalid JSON: Unexpected end of JSON input`,
    );
    expect(run.stderr).toContain(
      `${join(dir, '4-bad.json')}: not an ExportTraceServiceRequest: no "resourceSpans" array`,
    );
    const bytes = single.length + line1.length + proto.length;
    expect(run.stdout).toBe(
      `produced 3 records (${bytes} bytes) from 3 files to ${topic}; skipped 2\n`,
    );
    expect(run.code).toBe(1);

    const records = await readTopic(kafka, topic);
    expect(records.map((r) => [r.value, r.headers!['content-type']!.toString()])).toEqual([
      [single, 'application/json'],
      [line1, 'application/json'],
      [proto, 'application/x-protobuf'],
    ]);
  });

  it('--strict stops at the first bad input, after producing what came before it', async () => {
    const topic = uniqueTopic('produce-strict');
    await createTopics(kafka, { [topic]: 1 });

    const run = await cli(['produce', '--strict', '--topic', topic, dir]);

    expect(run.stderr).toContain('2-file.jsonl:3: invalid JSON');
    expect(run.stderr).toContain('stopped at the first bad input (--strict)');
    expect(run.stderr).not.toContain('4-bad.json');
    expect(run.stdout).toContain('produced 2 records');
    expect(run.stdout).toContain('; skipped 1\n');
    expect(run.code).toBe(1);
    const records = await readTopic(kafka, topic);
    expect(records.map((r) => r.value)).toEqual([single, line1]);
  });

  it('reads stdin when named -, and exits 0 when nothing was skipped', async () => {
    const topic = uniqueTopic('produce-stdin');
    await createTopics(kafka, { [topic]: 2 });

    const run = await cli(['produce', '-', '--topic', topic], proto);

    expect(run).toEqual({
      code: 0,
      stdout: `produced 1 records (${proto.length} bytes) from 1 files to ${topic}; skipped 0\n`,
      stderr: '',
    });
    const [record] = await readTopic(kafka, topic);
    expect(record.value).toEqual(proto);
    expect(record.headers!['content-type']!.toString()).toBe('application/x-protobuf');
  });

  it('says so, quickly, when the topic does not exist', async () => {
    const run = await cli(['produce', '--topic', uniqueTopic('missing'), dir]);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/does not exist \(create it first; auto-creation is off\)/);
  });
});
