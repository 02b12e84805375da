import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  type sendUnaryData,
  Server,
  type ServerUnaryCall,
  ServerCredentials,
  status,
} from '@grpc/grpc-js';
import * as protobuf from 'protobufjs';
import type { ModelSpan } from '@t2t/model';
import type { TestSpec } from '@t2t/testgen';
import { SpecRunner } from '../src/run/spec.runner';
import { GrpcTriggerSender, grpcAddress } from '../src/trigger/grpc-trigger.sender';
import {
  RunSetupError,
  TriggerError,
  UnsupportedTriggerError,
} from '../src/trigger/trigger.errors';
import { fakeShopSpecs, MemoryTraceSource } from './fake-shop.target';

const PROTO = `syntax = "proto3";
package checkout;
service PaymentService {
  rpc Charge (ChargeRequest) returns (ChargeReply);
}
message ChargeRequest {
  string order_id = 1;
  int64 amount_cents = 2;
  bool express = 3;
}
message ChargeReply {
  string status = 1;
  int64 charged_cents = 2;
}
`;

interface Received {
  request: Record<string, unknown>;
  traceparent: string;
  tenant: string;
}

/**
 * A real gRPC server (grpc-js) for checkout.PaymentService/Charge: decodes the request with the
 * same .proto, records it with its metadata, and "exports" its server span to a memory trace
 * source under the trace id of the incoming traceparent, as an instrumented service would.
 */
async function startPayments(source: MemoryTraceSource) {
  const root = protobuf.parse(PROTO, { keepCase: true }).root;
  const req = root.lookupType('checkout.ChargeRequest');
  const rep = root.lookupType('checkout.ChargeReply');
  const received: Received[] = [];
  const server = new Server();
  server.register(
    '/checkout.PaymentService/Charge',
    (call: ServerUnaryCall<Buffer, Buffer>, callback: sendUnaryData<Buffer>) => {
      const request = req.toObject(req.decode(call.request), { longs: Number }) as Record<
        string,
        unknown
      >;
      const traceparent = String(call.metadata.get('traceparent')[0] ?? '');
      received.push({
        request,
        traceparent,
        tenant: String(call.metadata.get('x-tenant')[0] ?? ''),
      });
      const [, traceId, parentSpanId] = traceparent.split('-');
      const span: ModelSpan = {
        traceId,
        spanId: 'a1b2c3d4e5f60718',
        parentSpanId,
        name: 'checkout.PaymentService/Charge',
        service: 'payments',
        kind: 2,
        startNs: BigInt(Date.now()) * 1_000_000n,
        durationNs: 1_000_000,
        statusCode: 0,
        attributes: { 'rpc.system': 'grpc', 'rpc.service': 'checkout.PaymentService' },
        links: [],
      };
      source.add([span]);
      if (Number(request.amount_cents) <= 0) {
        callback({ code: status.INVALID_ARGUMENT, details: 'amount must be positive' });
        return;
      }
      callback(
        null,
        Buffer.from(
          rep.encode({ status: 'approved', charged_cents: request.amount_cents }).finish(),
        ),
      );
    },
    (b: Buffer) => b,
    (b: Buffer) => b,
    'unary',
  );
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync('127.0.0.1:0', ServerCredentials.createInsecure(), (e, p) =>
      e ? reject(e) : resolve(p),
    ),
  );
  return {
    url: `grpc://127.0.0.1:${port}`,
    received,
    close: () => new Promise<void>((r) => server.tryShutdown(() => r())),
  };
}

describe('gRPC triggers (a real grpc-js server)', () => {
  let dir: string;
  let source: MemoryTraceSource;
  let payments: Awaited<ReturnType<typeof startPayments>>;
  let sut: SpecRunner;
  const charge = (message: Record<string, unknown>): TestSpec => ({
    ...fakeShopSpecs().order,
    endpoint: 'payments|RPC grpc checkout.PaymentService/Charge',
    trigger: {
      type: 'grpc',
      service: 'payments',
      grpcService: 'checkout.PaymentService',
      method: 'Charge',
      message,
      metadata: { 'x-tenant': 'acme', traceparent: '00-recorded-must-not-leak-01' },
    },
  });

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 't2t-proto-'));
    writeFileSync(join(dir, 'payments.proto'), PROTO);
    writeFileSync(join(dir, 'README.txt'), 'not a proto');
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  beforeEach(async () => {
    source = new MemoryTraceSource();
    payments = await startPayments(source);
    sut = new SpecRunner({
      traces: source,
      grpc: new GrpcTriggerSender([dir]),
      wait: { settleMs: 60, pollMs: 10, timeoutMs: 3_000, noSpansTimeoutMs: 1_000 },
    });
  });
  afterEach(() => payments.close());

  it('encodes the JSON message with the .proto, sends the run’s traceparent as metadata, and reads the trace back', async () => {
    const run = await sut.run(charge({ order_id: '42', amount_cents: 1250, express: true }), {
      baseUrl: undefined,
      serviceUrls: { payments: payments.url },
    });
    expect(payments.received).toHaveLength(1);
    const [got] = payments.received;
    expect(got.request).toEqual({ order_id: '42', amount_cents: 1250, express: true });
    expect(got.tenant).toBe('acme');
    expect(got.traceparent).toMatch(new RegExp(`^00-${run.traceId}-[0-9a-f]{16}-01$`));
    expect(run.response).toEqual({
      status: 0,
      json: { status: 'approved', charged_cents: '1250' },
      text: '{"status":"approved","charged_cents":"1250"}',
    });
    expect(run.trace.spans.map((s) => s.name)).toEqual(['checkout.PaymentService/Charge']);
    // The runner's own parent is never exported: the server span is the root.
    expect(run.trace.spans[0].parentSpanId).toBe('');
  });

  it('takes an error status as an answer, with its code, for the assertions to judge', async () => {
    const run = await sut.run(charge({ order_id: '43', amount_cents: 0 }), {
      baseUrl: payments.url,
    });
    expect(run.response).toEqual({
      status: status.INVALID_ARGUMENT,
      text: 'amount must be positive',
    });
  });

  it('says clearly what is wrong: unknown service or method, a message that does not fit, nothing listening, no .proto', async () => {
    const sender = new GrpcTriggerSender([dir]);
    const trigger = charge({}).trigger as Extract<TestSpec['trigger'], { type: 'grpc' }>;
    const send = (t: typeof trigger, target = payments.url) =>
      sender.send(t, target, '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01', {
        timeoutMs: 2_000,
      });
    await expect(send({ ...trigger, grpcService: 'checkout.Nope' })).rejects.toThrow(
      new RunSetupError(`gRPC service checkout.Nope is not in the .proto files given (${dir})`),
    );
    await expect(send({ ...trigger, method: 'Refund' })).rejects.toThrow(
      'gRPC service checkout.PaymentService has no method Refund (it has Charge)',
    );
    await expect(send({ ...trigger, message: { express: 'very' } })).rejects.toThrow(
      /the message does not fit checkout\.ChargeRequest: express: boolean expected/,
    );
    await payments.close();
    await expect(send(trigger)).rejects.toThrow(TriggerError);
    const without = new SpecRunner({ traces: source });
    await expect(without.run(charge({}), { baseUrl: payments.url })).rejects.toThrow(
      UnsupportedTriggerError,
    );
    await expect(without.run(charge({}), { baseUrl: payments.url })).rejects.toThrow(
      /set T2T_RUNNER_PROTO \(the CLI: --proto\)/,
    );
  });

  it('reads grpc://, grpcs://, http(s):// and bare host:port targets', () => {
    expect(grpcAddress('grpc://pay:50051')).toEqual({ address: 'pay:50051', secure: false });
    expect(grpcAddress('grpcs://pay:443/')).toEqual({ address: 'pay:443', secure: true });
    expect(grpcAddress('https://pay:443')).toEqual({ address: 'pay:443', secure: true });
    expect(grpcAddress('pay:50051')).toEqual({ address: 'pay:50051', secure: false });
    expect(() => grpcAddress('kafka://pay:9092')).toThrow(RunSetupError);
  });
});
