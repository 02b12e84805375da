import type { INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { generateTraces, potatoSystem, toOtlpRequests } from '@t2t/examples';
import type { SystemModel } from '@t2t/model';
import { encodeTraceRequestProto } from '@t2t/otlp';
import { OtlpGrpcReceiverService, OtlpReceiverService } from '@t2t/receiver';
import { ModelRepository } from '@t2t/storage';
import { eventually, freshStorageConfig, testBrokers, uniqueTopic } from '@t2t/test-support';
import { allInOneEnv } from '../src/all-in-one.env';
import { AllInOneModule } from '../src/all-in-one.module';

/** The all-in-one server with KAFKA_BROKERS set: the same stages, over the real broker. */
describe('all-in-one server over Kafka', () => {
  let app: INestApplication | undefined;
  let storage: ReturnType<typeof freshStorageConfig>;

  afterAll(async () => {
    await app?.close();
    storage?.cleanup();
  });

  it('takes OTLP/HTTP in and builds the model through Kafka topics', async () => {
    storage = freshStorageConfig();
    const p = uniqueTopic('aio');
    const config = allInOneEnv.parse({
      CLICKHOUSE_DATA_PATH: storage.config.dataPath,
      KAFKA_BROKERS: testBrokers().join(','),
      HTTP_PORT: '0',
      OTLP_HTTP_PORT: '0',
      OTLP_GRPC_PORT: '0',
      GRAPHQL_AUTH: 'off',
      GENERATOR_SCHEDULE: 'off',
      INGEST_TOPIC: `${p}.otlp_spans`,
      INGEST_OUTPUT_TOPIC: `${p}.spans_by_trace`,
      INGEST_DLQ_TOPIC: `${p}.dlq`,
      INGEST_GROUP_ID: `${p}.ingest`,
      INGEST_TOPIC_PARTITIONS: '2',
      INGEST_BATCH_MAX_WAIT: '200ms',
      CLUSTERING_INPUT_TOPIC: `${p}.spans_by_trace`,
      CLUSTERING_EVENTS_TOPIC: `${p}.cluster_events`,
      CLUSTERING_SINK_DLQ_TOPIC: `${p}.cluster_events.dlq`,
      CLUSTERING_GROUP_ID: `${p}.clustering`,
      CLUSTERING_SINK_GROUP_ID: `${p}.sink`,
      CLUSTERING_TOPIC_PARTITIONS: '2',
      CLUSTERING_IDLE_GAP: '1s',
      CLUSTERING_WINDOW: '10s',
      CLUSTERING_ALLOWED_LATENESS: '2s',
      CLUSTERING_IDLE_ADVANCE_AFTER: '1s',
      MODELING_EVENTS_TOPIC: `${p}.cluster_events`,
      MODELING_OUTPUT_TOPIC: `${p}.model_events`,
      MODELING_GROUP_ID: `${p}.modeling`,
      MODELING_LEADER_GROUP: `${p}.modeling-leader`,
      MODELING_DEBOUNCE: '500ms',
    });
    app = await NestFactory.create(AllInOneModule.forRoot(config), { logger: ['error', 'warn'] });
    await app.listen(0, '127.0.0.1');
    const port = app.get(OtlpReceiverService).address()!.port;
    // OTLP/gRPC is served beside OTLP/HTTP by default (libs/receiver tests its protocol).
    expect(app.get(OtlpGrpcReceiverService).address()?.port).toBeGreaterThan(0);

    const traces = generateTraces(potatoSystem, {
      seed: 5,
      traces: 400,
      startNs: BigInt(Date.now() - 20_000) * 1_000_000n,
      ratePerSecond: 200,
    });
    for (const spans of toOtlpRequests(traces, { spansPerRequest: 300, mixTraces: true })) {
      const res = await fetch(`http://127.0.0.1:${port}/v1/traces`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-protobuf' },
        body: encodeTraceRequestProto(spans),
      });
      expect(res.status).toBe(200);
    }
    const models = app.get(ModelRepository);
    await eventually(
      async () => {
        const v = await models.latestVersion();
        return (
          v !== undefined &&
          (JSON.parse(v.model) as SystemModel).rules.some(
            (r) => r.condition === 'user.likes_potatoes = true',
          )
        );
      },
      'the potato model over Kafka',
      90_000,
    );
  });
});
