/** What the ingest integration tests share: the service under test and its input and output. */
import type { INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import type { Span } from '@t2t/domain';
import type { MessagingClient } from '@t2t/messaging';
import { CLICKHOUSE, type ClickHouseHandle, SpanRepository, type SpanRow } from '@t2t/storage';
import {
  freshStorageConfig,
  makeResource,
  makeScope,
  makeTrace,
  testBrokers,
  uniqueTopic,
} from '@t2t/test-support';
import { ingestEnv } from '../src/ingest.env';
import { IngestModule } from '../src/ingest.module';

/**
 * A SpanRepository whose inserts fail while `down` is set (ClickHouse unavailable, as seen by
 * ingest) and wait while `hold` is set.
 */
export class FlakySpanRepository extends SpanRepository {
  down = false;
  failures = 0;
  /** While set, inserts wait for it (a write in flight); `held` counts the inserts that waited. */
  hold: Promise<void> | undefined;
  held = 0;
  override async insert(...args: Parameters<SpanRepository['insert']>): Promise<void> {
    if (this.hold !== undefined) {
      this.held++;
      await this.hold;
    }
    if (this.down) {
      this.failures++;
      throw Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:8123 (simulated outage)'), {
        code: 'ECONNREFUSED',
      });
    }
    return super.insert(...args);
  }
}

export interface Ingest {
  app: INestApplication;
  topics: { input: string; output: string; dlq: string };
  groupId: string;
  spans: FlakySpanRepository;
  ch: ClickHouseHandle;
  close(): Promise<void>;
}

export async function startIngest(env: Record<string, string> = {}): Promise<Ingest> {
  const storage = freshStorageConfig();
  const input = uniqueTopic('otlp_spans');
  const topics = { input, output: uniqueTopic('spans_by_trace'), dlq: `${input}.dlq` };
  const groupId = uniqueTopic('ingest');
  const config = ingestEnv.parse({
    HTTP_PORT: '0',
    CLICKHOUSE_DATA_PATH: storage.config.dataPath,
    KAFKA_BROKERS: testBrokers().join(','),
    INGEST_TOPIC: topics.input,
    INGEST_OUTPUT_TOPIC: topics.output,
    INGEST_DLQ_TOPIC: topics.dlq,
    INGEST_GROUP_ID: groupId,
    INGEST_TOPIC_PARTITIONS: '3',
    INGEST_BATCH_MAX_WAIT: '100ms',
    INGEST_FETCH_MIN_BYTES: '1',
    INGEST_RETRY_MIN: '50ms',
    INGEST_RETRY_MAX: '200ms',
    ...env,
  });
  const ref = await Test.createTestingModule({ imports: [IngestModule.forRoot(config)] })
    .overrideProvider(SpanRepository)
    .useFactory({
      factory: (h: ClickHouseHandle) => new FlakySpanRepository(h),
      inject: [CLICKHOUSE],
    })
    .compile();
  const app = ref.createNestApplication({ logger: ['error', 'warn'] });
  await app.init();
  return {
    app,
    topics: {
      input: config.ingest.topic,
      output: config.ingest.outputTopic,
      dlq: config.ingest.dlqTopic,
    },
    groupId,
    spans: app.get(SpanRepository),
    ch: app.get<ClickHouseHandle>(CLICKHOUSE),
    close: async () => {
      await app.close();
      storage.cleanup();
    },
  };
}

export async function produce(
  kafka: MessagingClient,
  topic: string,
  messages: { value: Buffer; headers?: Record<string, string>; partition?: number }[],
): Promise<void> {
  const p = kafka.producer();
  await p.connect();
  // One message per request keeps each record batch under the broker's 1 MiB limit.
  for (const m of messages) await p.send({ topic, messages: [m], acks: -1 });
  await p.disconnect();
}

export async function storedRows(ch: ClickHouseHandle): Promise<SpanRow[]> {
  const rs = await ch.client.query({
    query: `SELECT * EXCEPT (Timestamp, Duration, \`Events.Timestamp\`),
              toString(toUnixTimestamp64Nano(Timestamp)) AS Timestamp, toString(Duration) AS Duration,
              arrayMap(t -> toString(toUnixTimestamp64Nano(t)), Events.Timestamp) AS \`Events.Timestamp\`
            FROM {db:Identifier}.spans`,
    query_params: { db: ch.database },
    format: 'JSONEachRow',
  });
  return rs.json<SpanRow>();
}

/** Messages as the collector's kafka exporter writes them: several resources, traces split across messages. */
export function collectorMessages(): { messages: Span[][]; all: Span[] } {
  const checkout = makeResource('checkout', { 'deployment.environment': 'test', 'host.cores': 8n });
  const potato = makeResource('potato-handler');
  const httpScope = makeScope();
  const dbScope = makeScope('@opentelemetry/instrumentation-pg', '0.50.0');
  const traces = Array.from({ length: 12 }, (_, i) =>
    makeTrace(
      i % 2 ? checkout : potato,
      i % 3 ? httpScope : dbScope,
      1_767_225_600_000_000_000n + BigInt(i) * 1_000_000_000n,
    ),
  );
  const all = traces.flat();
  // Six messages of six spans each; a trace's three spans straddle message boundaries.
  const messages = Array.from({ length: 6 }, (_, m) => all.slice(m * 6, m * 6 + 6));
  return { messages, all };
}
