import { Client, credentials, Metadata, status } from '@grpc/grpc-js';
import { type ConsumedMessage, kafkaEnv } from '@t2t/messaging';
import { encodeTraceRequestProto } from '@t2t/otlp';
import { KafkaOtlpIntake, kafkaIntakeEnv, TRACE_EXPORT_PATH } from '@t2t/receiver';
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
import { type RunningReceiver, startReceiver } from './receiver.harness';

const PROTO = 'application/x-protobuf';

const body = Buffer.from(encodeTraceRequestProto(makeTrace(makeResource('checkout'), makeScope())));

function headerOf(m: ConsumedMessage, key: string): string | undefined {
  const v = m.headers?.[key];
  return v === undefined ? undefined : String(Array.isArray(v) ? v[0] : v);
}

/** One Export call with the given metadata entries; the status code and details that came back. */
function grpcExport(
  address: string,
  entries: [string, string][],
): Promise<{ code: status; details: string }> {
  const client = new Client(address, credentials.createInsecure());
  const metadata = new Metadata();
  for (const [k, v] of entries) metadata.add(k, v);
  return new Promise((resolve) => {
    client.makeUnaryRequest(
      TRACE_EXPORT_PATH,
      (b: Buffer) => b,
      (b: Buffer) => b,
      body,
      metadata,
      (err) => {
        client.close();
        resolve(err ? { code: err.code, details: err.details } : { code: status.OK, details: '' });
      },
    );
  });
}

function post(url: string, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(url, { method: 'POST', headers: { 'content-type': PROTO, ...headers }, body });
}

describe('tenants through the receivers onto the spans topic (real broker)', () => {
  const kafka = testKafka('receiver-tenant-test');

  /** Both receivers in front of a Kafka intake producing to a fresh topic. */
  async function start(env: Record<string, string> = {}): Promise<{
    receiver: RunningReceiver;
    topic: string;
  }> {
    const topic = uniqueTopic('otlp_spans');
    await createTopics(kafka, { [topic]: 1 });
    const receiver = await startReceiver(
      {
        useFactory: () =>
          KafkaOtlpIntake.fromConfig(kafkaEnv.parse({ KAFKA_BROKERS: testBrokers().join(',') }), {
            ...kafkaIntakeEnv.parse({ OTLP_HTTP_KAFKA_TOPIC: topic }),
            ...intakeTenant(env),
          }),
      },
      { OTLP_GRPC_ENABLED: 'true', ...env },
    );
    return { receiver, topic };
  }

  /** The intake writes the tenant under the configured header, as a service wires it. */
  const intakeTenant = (env: Record<string, string>) =>
    env.TENANT_HEADER ? { tenantHeader: env.TENANT_HEADER } : {};

  it('forwards the tenant of the OTLP/HTTP header and of the gRPC metadata as a record header; a request naming none gets none', async () => {
    const { receiver, topic } = await start();
    try {
      expect((await post(receiver.url, { 'x-t2t-tenant': 'acme' })).status).toBe(200);
      expect((await grpcExport(receiver.grpcAddress!, [['x-t2t-tenant', 'globex']])).code).toBe(
        status.OK,
      );
      expect((await post(receiver.url)).status).toBe(200);

      const records = await readTopic(kafka, topic);
      expect(records).toHaveLength(3);
      // One partition: the records are in the order the requests were answered.
      expect(records.map((r) => headerOf(r, 'x-t2t-tenant'))).toEqual([
        'acme',
        'globex',
        undefined,
      ]);
      for (const r of records) expect(r.value!.equals(body)).toBe(true);
    } finally {
      await receiver.close();
    }
  });

  it('refuses a malformed tenant with 400 / INVALID_ARGUMENT and the reason, producing nothing', async () => {
    const { receiver, topic } = await start();
    try {
      const http = await post(receiver.url, { 'x-t2t-tenant': 'Acme Corp' });
      expect(http.status).toBe(400);
      // The error body is a protobuf google.rpc.Status; its message is a UTF-8 string in it.
      expect(Buffer.from(await http.arrayBuffer()).toString()).toContain(
        'invalid tenant "Acme Corp" from the x-t2t-tenant header',
      );

      const grpc = await grpcExport(receiver.grpcAddress!, [['x-t2t-tenant', '-acme']]);
      expect(grpc.code).toBe(status.INVALID_ARGUMENT);
      expect(grpc.details).toContain('invalid tenant "-acme" from the x-t2t-tenant metadata');

      const twice = await grpcExport(receiver.grpcAddress!, [
        ['x-t2t-tenant', 'acme'],
        ['x-t2t-tenant', 'globex'],
      ]);
      expect(twice.code).toBe(status.INVALID_ARGUMENT);

      expect(await readTopic(kafka, topic)).toHaveLength(0);
    } finally {
      await receiver.close();
    }
  });

  it('reads and writes the header TENANT_HEADER names', async () => {
    const { receiver, topic } = await start({ TENANT_HEADER: 'x-org' });
    try {
      expect((await post(receiver.url, { 'x-org': 'initech' })).status).toBe(200);
      expect((await grpcExport(receiver.grpcAddress!, [['x-org', 'hooli']])).code).toBe(status.OK);
      // The default header means nothing now.
      expect((await post(receiver.url, { 'x-t2t-tenant': 'Not A Tenant' })).status).toBe(200);

      const records = await readTopic(kafka, topic);
      expect(records.map((r) => headerOf(r, 'x-org'))).toEqual(['initech', 'hooli', undefined]);
      expect(records.every((r) => headerOf(r, 'x-t2t-tenant') === undefined)).toBe(true);
    } finally {
      await receiver.close();
    }
  });
});
