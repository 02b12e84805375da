import { Client, credentials, Metadata, status } from '@grpc/grpc-js';
import { Logger } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { createServer } from 'node:net';
import { gzipSync } from 'node:zlib';
import { kafkaEnv } from '@t2t/messaging';
import { encodeTraceRequestProto } from '@t2t/otlp';
import { PlatformModule } from '@t2t/platform';
import {
  grpcReceiverEnv,
  type IntakeResult,
  KafkaOtlpIntake,
  kafkaIntakeEnv,
  OtlpReceiverModule,
  receiverEnv,
  STATUS_DETAILS_TRAILER,
  TRACE_EXPORT_PATH,
} from '@t2t/receiver';
import {
  createTopics,
  makeResource,
  makeScope,
  makeTrace,
  readTopic,
  testBrokers,
  testKafka,
  uniqueTopic,
} from '@t2t/test-support';
import { decodeRetryStatus, type DecodedRetryStatus } from './grpc-status.decoder';
import { type ExporterProcess, startExporterProcess } from './otlp-exporter.process';
import {
  expectSameSpans,
  metric,
  RecordingIntake,
  type RunningReceiver,
  startReceiver,
} from './receiver.harness';

const KiB = 1024;
const GRPC_ON = { OTLP_GRPC_ENABLED: 'true' };
/** grpc-js's number for gzip in `grpc.default_compression_algorithm`. */
const GZIP = 2;

const protoBody = Buffer.from(
  encodeTraceRequestProto(makeTrace(makeResource('checkout'), makeScope())),
);

interface RawAnswer {
  code: status;
  details: string;
  /** The response message (OK only). */
  response?: Buffer;
  /** The decoded `grpc-status-details-bin` trailer, when the server sent one. */
  retryStatus?: DecodedRetryStatus;
}

/** Unary calls with raw bytes, as any gRPC client sends them; `gzip` compresses the request. */
class RawGrpcClient {
  private readonly client: Client;

  constructor(address: string, options: { gzip?: boolean } = {}) {
    this.client = new Client(
      address,
      credentials.createInsecure(),
      options.gzip ? { 'grpc.default_compression_algorithm': GZIP } : {},
    );
  }

  call(body: Buffer, path = TRACE_EXPORT_PATH): Promise<RawAnswer> {
    return new Promise((resolve) => {
      this.client.makeUnaryRequest(
        path,
        (b: Buffer) => b,
        (b: Buffer) => b,
        body,
        new Metadata(),
        (err, response) => {
          if (!err) {
            resolve({ code: status.OK, details: '', response });
            return;
          }
          const [details] = err.metadata.get(STATUS_DETAILS_TRAILER);
          resolve({
            code: err.code,
            details: err.details,
            retryStatus: Buffer.isBuffer(details) ? decodeRetryStatus(details) : undefined,
          });
        },
      );
    });
  }

  close(): void {
    this.client.close();
  }
}

/** Resolves an intake call when the test says, and tells the test when the call has arrived. */
function heldAnswer(): {
  answer: () => Promise<IntakeResult>;
  arrived: Promise<void>;
  release: (result?: IntakeResult) => void;
} {
  let arrive!: () => void;
  let release!: (result?: IntakeResult) => void;
  const arrived = new Promise<void>((r) => (arrive = r));
  return {
    arrived,
    release: (result) => release(result),
    answer: () =>
      new Promise<IntakeResult>((resolve) => {
        release = (result) => resolve(result ?? { kind: 'accepted', rejectedSpans: 0 });
        arrive();
      }),
  };
}

const series = (name: string, labels: string) =>
  `t2t_otlp_grpc_${name}{${labels ? `${labels},` : ''}service="receiver-test"}`;

describe('OTLP/gRPC receiver', () => {
  const intake = new RecordingIntake();
  let receiver: RunningReceiver;
  let exporter: ExporterProcess;
  let raw: RawGrpcClient;
  let rawGzip: RawGrpcClient;
  let grpcUrl: string;

  beforeAll(async () => {
    [receiver, exporter] = await Promise.all([
      startReceiver(intake, {
        ...GRPC_ON,
        OTLP_GRPC_MAX_RECEIVE_BYTES: String(256 * KiB),
        OTLP_GRPC_MAX_IN_FLIGHT_BYTES: String(256 * KiB),
        OTLP_GRPC_INTAKE_TIMEOUT: '1s',
      }),
      startExporterProcess(),
    ]);
    raw = new RawGrpcClient(receiver.grpcAddress!);
    rawGzip = new RawGrpcClient(receiver.grpcAddress!, { gzip: true });
    grpcUrl = `http://${receiver.grpcAddress}`;
  });
  afterAll(async () => {
    raw?.close();
    rawGzip?.close();
    await exporter?.stop();
    await receiver?.close();
  });
  beforeEach(() => intake.reset());

  describe('with the OpenTelemetry JS gRPC exporter', () => {
    it.each(['none', 'gzip'] as const)(
      'delivers exactly the exported spans (compression %s)',
      async (compression) => {
        const ok = series('requests_total', 'code="OK"');
        const accepted = series('spans_total', 'outcome="accepted"');
        const [okBefore, acceptedBefore] = [
          await metric(receiver.metrics, ok),
          await metric(receiver.metrics, accepted),
        ];
        const report = await exporter.export({
          protocol: 'grpc',
          compression,
          url: grpcUrl,
          spans: 25,
        });
        expect(report).toMatchObject({ code: 'success' });
        expect(report.diag.filter((d) => d.level === 'warn' || d.level === 'error')).toEqual([]);
        expect(intake.requests).toHaveLength(1);
        expect(intake.requests[0].encoding).toBe('otlp_proto');
        expect(report.spans).toHaveLength(25);
        expectSameSpans(intake.requests[0], report.spans);
        expect((await metric(receiver.metrics, ok)) - okBefore).toBe(1);
        expect((await metric(receiver.metrics, accepted)) - acceptedBefore).toBe(25);
      },
    );

    it('reports partial success to the exporter, which logs it and counts the export as done', async () => {
      intake.answer({ kind: 'accepted', rejectedSpans: 2, message: '2 spans have no trace id' });
      const report = await exporter.export({
        protocol: 'grpc',
        compression: 'gzip',
        url: grpcUrl,
        spans: 5,
      });
      // The SDK has no API for partial success: it reports SUCCESS and logs the server's answer.
      expect(report.code).toBe('success');
      const warning = report.diag.find((d) =>
        d.message.startsWith('Received Partial Success response:'),
      );
      expect(warning?.level).toBe('warn');
      expect(
        JSON.parse(warning!.message.slice('Received Partial Success response: '.length)),
      ).toEqual({ rejectedSpans: 2, errorMessage: '2 spans have no trace id' });
      expect(
        await metric(receiver.metrics, series('spans_total', 'outcome="rejected"')),
      ).toBeGreaterThanOrEqual(2);
    });

    it('fails with RESOURCE_EXHAUSTED for a batch above the message limit', async () => {
      const report = await exporter.export({
        protocol: 'grpc',
        compression: 'none',
        url: grpcUrl,
        spans: 40,
        padding: 8 * KiB,
      });
      expect(report).toMatchObject({ code: 'failed', grpcCode: status.RESOURCE_EXHAUSTED });
      expect(intake.requests).toHaveLength(0);
    });

    it('fails with RESOURCE_EXHAUSTED for a gzip batch small on the wire but too large decompressed', async () => {
      const report = await exporter.export({
        protocol: 'grpc',
        compression: 'gzip',
        url: grpcUrl,
        spans: 40,
        padding: 64 * KiB,
      });
      expect(report).toMatchObject({ code: 'failed', grpcCode: status.RESOURCE_EXHAUSTED });
      // Only a compressed request can be refused for what it decompresses to.
      expect(report.error).toContain('decompresses to a size larger than 262144');
      expect(intake.requests).toHaveLength(0);
    });
  });

  describe('accepted calls', () => {
    it('hands the request message to the intake as sent, and answers an empty response', async () => {
      const answer = await raw.call(protoBody);
      expect(answer).toEqual({ code: status.OK, details: '', response: Buffer.alloc(0) });
      expect(intake.requests).toHaveLength(1);
      expect(intake.requests[0]).toMatchObject({ encoding: 'otlp_proto', body: protoBody });
      expect(Math.abs(intake.requests[0].receivedAt - Date.now())).toBeLessThan(5000);
    });

    it('decompresses a gzip-encoded message before the intake sees it', async () => {
      expect((await rawGzip.call(protoBody)).code).toBe(status.OK);
      expect(intake.requests[0].body.equals(protoBody)).toBe(true);
    });

    it('accepts an empty request (no spans)', async () => {
      expect((await raw.call(Buffer.alloc(0))).code).toBe(status.OK);
    });
  });

  describe('refused calls', () => {
    it('answers a message that does not decode with INVALID_ARGUMENT and the reason, not retryable', async () => {
      const before = await metric(
        receiver.metrics,
        series('requests_total', 'code="INVALID_ARGUMENT"'),
      );
      // Field 1 (resource_spans) claims 127 bytes that are not there.
      const answer = await raw.call(Buffer.from([0x0a, 0x7f, 0x01]));
      expect(answer.code).toBe(status.INVALID_ARGUMENT);
      expect(answer.details).toMatch(/^cannot decode the body as OTLP protobuf: /);
      expect(answer.retryStatus).toBeUndefined();
      expect(
        await metric(receiver.metrics, series('requests_total', 'code="INVALID_ARGUMENT"')),
      ).toBe(before + 1);
    });

    it('answers a message above OTLP_GRPC_MAX_RECEIVE_BYTES with RESOURCE_EXHAUSTED without RetryInfo', async () => {
      const answer = await raw.call(Buffer.alloc(300 * KiB));
      expect(answer.code).toBe(status.RESOURCE_EXHAUSTED);
      // Without RetryInfo, OTLP clients do not retry RESOURCE_EXHAUSTED: the same batch can never fit.
      expect(answer.retryStatus).toBeUndefined();
      expect(intake.requests).toHaveLength(0);
    });

    it('stops decompressing a gzip message at OTLP_GRPC_MAX_RECEIVE_BYTES', async () => {
      const bomb = Buffer.alloc(8 * 1024 * KiB, 1);
      expect(gzipSync(bomb).length).toBeLessThan(256 * KiB);
      const answer = await rawGzip.call(bomb);
      expect(answer.code).toBe(status.RESOURCE_EXHAUSTED);
      expect(answer.details).toContain('decompresses to a size larger than 262144');
      expect(answer.retryStatus).toBeUndefined();
      expect(intake.requests).toHaveLength(0);
    });

    it('answers other methods with UNIMPLEMENTED', async () => {
      const answer = await raw.call(
        protoBody,
        '/opentelemetry.proto.collector.metrics.v1.MetricsService/Export',
      );
      expect(answer.code).toBe(status.UNIMPLEMENTED);
      expect(intake.requests).toHaveLength(0);
    });
  });

  describe('backpressure and failures', () => {
    it('answers a full intake with RESOURCE_EXHAUSTED and RetryInfo (whole seconds, rounded up)', async () => {
      const before = await metric(
        receiver.metrics,
        series('backpressure_total', 'reason="intake"'),
      );
      intake.answer({ kind: 'backpressure', retryAfterMs: 2500, cause: 'overloaded' });
      const answer = await raw.call(protoBody);
      expect(answer).toMatchObject({
        code: status.RESOURCE_EXHAUSTED,
        details: 'the spans cannot be accepted right now; retry after 3 s',
      });
      expect(answer.retryStatus).toEqual({
        code: status.RESOURCE_EXHAUSTED,
        message: answer.details,
        detailTypes: ['type.googleapis.com/google.rpc.RetryInfo'],
        retryDelayMs: 3000,
      });
      expect(await metric(receiver.metrics, series('backpressure_total', 'reason="intake"'))).toBe(
        before + 1,
      );
    });

    it.each([
      ['cannot reach its destination', { cause: 'unavailable' } as const],
      ['does not say why', {}],
    ])('answers an intake that %s with UNAVAILABLE and RetryInfo, never 0 s', async (_, cause) => {
      intake.answer({ kind: 'backpressure', retryAfterMs: 0, ...cause });
      const answer = await raw.call(protoBody);
      expect(answer.code).toBe(status.UNAVAILABLE);
      expect(answer.retryStatus).toMatchObject({ code: status.UNAVAILABLE, retryDelayMs: 1000 });
    });

    it('answers UNAVAILABLE with RetryInfo when the intake is slower than OTLP_GRPC_INTAKE_TIMEOUT', async () => {
      intake.answer(() => new Promise<IntakeResult>(() => undefined));
      const answer = await raw.call(protoBody);
      expect(answer.code).toBe(status.UNAVAILABLE);
      expect(answer.details).toContain('not accepted within 1000 ms');
      expect(answer.retryStatus?.retryDelayMs).toBe(1000);
    });

    it('answers UNAVAILABLE with RetryInfo when the intake throws, logs it, and keeps serving', async () => {
      const logged = jest.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
      try {
        intake.answer(() => Promise.reject(new Error('intake exploded')));
        const answer = await raw.call(protoBody);
        expect(answer.code).toBe(status.UNAVAILABLE);
        expect(answer.retryStatus?.retryDelayMs).toBe(1000);
        expect(logged.mock.calls.some(([m]) => String(m).includes('intake exploded'))).toBe(true);
      } finally {
        logged.mockRestore();
      }
      expect((await raw.call(protoBody)).code).toBe(status.OK);
    });

    it('answers RESOURCE_EXHAUSTED with RetryInfo while calls at the intake hold OTLP_GRPC_MAX_IN_FLIGHT_BYTES', async () => {
      const held = heldAnswer();
      intake.answer(held.answer);
      const first = raw.call(Buffer.alloc(150 * KiB));
      await held.arrived;
      const refused = await raw.call(Buffer.alloc(150 * KiB));
      expect(refused.code).toBe(status.RESOURCE_EXHAUSTED);
      expect(refused.details).toContain('too many request bytes');
      expect(refused.retryStatus?.retryDelayMs).toBe(1000);
      expect(await metric(receiver.metrics, series('in_flight_bytes', ''))).toBe(150 * KiB);
      held.release();
      expect((await first).code).toBe(status.OK);
      // The bytes are given back: the same message now reaches the intake (which refuses zeros).
      expect((await raw.call(Buffer.alloc(150 * KiB))).code).toBe(status.INVALID_ARGUMENT);
    });
  });
});

describe('OTLP/gRPC receiver lifecycle', () => {
  it('finishes the call in flight on shutdown, then refuses new ones', async () => {
    const intake = new RecordingIntake();
    const held = heldAnswer();
    intake.answer(held.answer);
    const receiver = await startReceiver(intake, GRPC_ON);
    const client = new RawGrpcClient(receiver.grpcAddress!);
    try {
      const inFlight = client.call(protoBody);
      await held.arrived;
      let closed = false;
      const closing = receiver.close().then(() => (closed = true));
      // Give the close a chance to finish early, which it must not do with a call in flight.
      await new Promise((r) => setImmediate(r));
      expect(closed).toBe(false);
      held.release();
      expect((await inFlight).code).toBe(status.OK);
      await closing;
      expect((await client.call(protoBody)).code).toBe(status.UNAVAILABLE);
    } finally {
      client.close();
    }
  });

  it('cuts calls still in flight after OTLP_GRPC_DRAIN_TIMEOUT', async () => {
    const intake = new RecordingIntake();
    const held = heldAnswer();
    intake.answer(held.answer);
    const receiver = await startReceiver(intake, {
      ...GRPC_ON,
      OTLP_GRPC_DRAIN_TIMEOUT: '200ms',
      OTLP_GRPC_INTAKE_TIMEOUT: '60s',
    });
    const client = new RawGrpcClient(receiver.grpcAddress!);
    const warned = jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    try {
      const inFlight = client.call(protoBody);
      await held.arrived;
      // Resolves although the intake never answers: the drain timeout cuts the connection.
      await receiver.close();
      expect((await inFlight).code).not.toBe(status.OK);
      expect(warned.mock.calls.some(([m]) => String(m).includes('cutting their connections'))).toBe(
        true,
      );
    } finally {
      warned.mockRestore();
      held.release();
      client.close();
    }
  });

  it('with OTLP/HTTP off, fails start-up naming the address when the gRPC port is taken', async () => {
    const taken = createServer();
    await new Promise<void>((r) => taken.listen(0, '127.0.0.1', () => r()));
    const { port } = taken.address() as { port: number };
    const module = await Test.createTestingModule({
      imports: [
        PlatformModule.forRoot('receiver-test'),
        OtlpReceiverModule.forRoot(
          receiverEnv.parse({ OTLP_HTTP_ENABLED: 'false' }),
          { useValue: new RecordingIntake() },
          grpcReceiverEnv.parse({ OTLP_GRPC_HOST: '127.0.0.1', OTLP_GRPC_PORT: String(port) }),
        ),
      ],
    }).compile();
    // grpc-js logs the failed bind itself; the test checks what the service reports.
    const grpcLog = jest.spyOn(console, 'error').mockImplementation(() => undefined);
    try {
      await expect(module.init()).rejects.toThrow(
        `the OTLP/gRPC receiver cannot listen on 127.0.0.1:${port}`,
      );
    } finally {
      // Closing a context whose start-up failed reports that failure again.
      await module.close().catch(() => undefined);
      await new Promise((r) => taken.close(r));
      grpcLog.mockRestore();
    }
  });
});

/** A port nothing listens on: a broker that is down. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const { port } = server.address() as { port: number };
  await new Promise((r) => server.close(r));
  return port;
}

type TopicRecord = Awaited<ReturnType<typeof readTopic>>[number];

function headerOf(m: TopicRecord, key: string): string | undefined {
  const v = m.headers?.[key];
  return v === undefined ? undefined : String(Array.isArray(v) ? v[0] : v);
}

describe('OTLP/gRPC receiver with KafkaOtlpIntake, against the broker', () => {
  const kafka = testKafka('receiver-grpc-test');
  let exporter: ExporterProcess;

  beforeAll(async () => {
    exporter = await startExporterProcess();
  });
  afterAll(() => exporter?.stop());

  /** The intake as a service wires it: from its options, its lifecycle run by Nest. */
  const kafkaIntake = (brokers: string, intakeEnv: Record<string, string>, retries?: string) => ({
    useFactory: () =>
      KafkaOtlpIntake.fromConfig(
        kafkaEnv.parse({ KAFKA_BROKERS: brokers, ...(retries ? { KAFKA_RETRIES: retries } : {}) }),
        kafkaIntakeEnv.parse(intakeEnv),
      ),
  });

  it.each(['none', 'gzip'] as const)(
    'lands what the OpenTelemetry gRPC exporter sent on the topic, decodable by ingest (compression %s)',
    async (compression) => {
      const topic = uniqueTopic('otlp_spans');
      await createTopics(kafka, { [topic]: 1 });
      const receiver = await startReceiver(
        kafkaIntake(testBrokers().join(','), { OTLP_HTTP_KAFKA_TOPIC: topic }),
        GRPC_ON,
      );
      try {
        const report = await exporter.export({
          protocol: 'grpc',
          compression,
          url: `http://${receiver.grpcAddress}`,
          spans: 12,
        });
        expect(report.code).toBe('success');
        const records = await readTopic(kafka, topic);
        expect(records).toHaveLength(1);
        expect(headerOf(records[0], 'content-type')).toBe('application/x-protobuf');
        expectSameSpans(
          { body: records[0].value!, encoding: 'otlp_proto', receivedAt: 0 },
          report.spans,
        );
      } finally {
        await receiver.close();
      }
    },
  );

  it('answers UNAVAILABLE with RetryInfo while the broker is unreachable', async () => {
    // The client logs every refused connection; the answer is what the test checks.
    const quiet = jest.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
    const receiver = await startReceiver(
      kafkaIntake(`127.0.0.1:${await closedPort()}`, { OTLP_HTTP_KAFKA_RETRY_AFTER: '2s' }, '0'),
      { ...GRPC_ON, OTLP_GRPC_INTAKE_TIMEOUT: '30s' },
    );
    const client = new RawGrpcClient(receiver.grpcAddress!);
    try {
      const answer = await client.call(protoBody);
      expect(answer.code).toBe(status.UNAVAILABLE);
      expect(answer.retryStatus).toMatchObject({ code: status.UNAVAILABLE, retryDelayMs: 2000 });
    } finally {
      client.close();
      await receiver.close();
      quiet.mockRestore();
    }
  });
});
