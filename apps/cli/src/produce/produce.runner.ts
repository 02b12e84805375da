import type { Readable, Writable } from 'node:stream';
import { HEADERS, type MessagingClient } from '@t2t/messaging';
import { CONTENT_TYPE, type FormatChoice } from './input-format';
import { describeSource, readInputs } from './input.reader';
import { ProgressReporter } from './progress.reporter';
import { RecordBatchProducer } from './record-batch.producer';

export interface ProduceJob {
  /** Files, directories and `-` (stdin), in the order given. */
  inputs: string[];
  topic: string;
  format: FormatChoice;
  /** Stop at the first bad input instead of reporting it and going on. */
  strict: boolean;
  batchRecords: number;
  batchBytes: number;
  compression: 'gzip' | 'none';
  /** 0 turns progress lines off. */
  progressIntervalMs: number;
  /** How long to wait for the brokers before giving up. */
  connectTimeoutMs: number;
}

export interface ProduceIo {
  kafka: MessagingClient;
  /** For messages only. */
  brokers: readonly string[];
  stdin: () => Readable;
  stdout: Writable;
  stderr: Writable;
  /** The Kafka client's last logged error, to say why connecting failed. */
  lastClientError: () => string | undefined;
}

function message(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/**
 * Produces every valid request of the inputs to the topic, as it is (no re-encoding), and returns
 * the exit code: 0 when everything was produced, 1 when an input was skipped or producing failed.
 * Bad inputs are reported on stderr as `file[:line]: reason`; the summary line goes to stdout.
 */
export async function runProduce(job: ProduceJob, io: ProduceIo): Promise<number> {
  const { stdout, stderr } = io;
  // Keys are partitioned with Java-compatible murmur2, like every other producer of the pipeline.
  const producer = io.kafka.producer();
  try {
    await withTimeout(
      (async () => {
        await ensureTopicExists(io.kafka, job.topic);
        await producer.connect();
      })(),
      job.connectTimeoutMs,
      () => {
        const last = io.lastClientError();
        return `no connection within ${job.connectTimeoutMs / 1000} s${last ? ` (last error: ${last})` : ''}`;
      },
    );
  } catch (e) {
    stderr.write(`cannot produce to ${job.topic} on ${io.brokers.join(',')}: ${message(e)}\n`);
    await producer.disconnect().catch(() => undefined);
    return 1;
  }

  const sink = new RecordBatchProducer(producer, {
    topic: job.topic,
    maxRecords: job.batchRecords,
    maxBytes: job.batchBytes,
    compression: job.compression,
  });
  const progress = new ProgressReporter(
    stderr,
    () => ({ records: sink.produced, bytes: sink.bytes }),
    job.progressIntervalMs,
  );
  const files = new Set<string>();
  let skipped = 0;
  let stoppedEarly = false;
  let failure: unknown;
  progress.start();
  try {
    for await (const item of readInputs(job.inputs, { format: job.format, stdin: io.stdin })) {
      if (item.kind === 'ignored') {
        stderr.write(`${item.file}: ignored: ${item.reason}\n`);
      } else if (item.kind === 'bad') {
        skipped++;
        stderr.write(`${describeSource(item)}: ${item.reason}\n`);
        if (job.strict) {
          stoppedEarly = true;
          break;
        }
      } else {
        files.add(item.file);
        await sink.add({
          value: item.value,
          headers: { [HEADERS.contentType]: CONTENT_TYPE[item.format] },
        });
      }
    }
    // Under --strict too: what came before the bad input was valid and is produced.
    await sink.flush();
  } catch (e) {
    failure = e;
  } finally {
    progress.stop();
    await producer.disconnect().catch(() => undefined);
  }

  if (stoppedEarly) stderr.write('stopped at the first bad input (--strict)\n');
  if (failure !== undefined) {
    stderr.write(
      `producing to ${job.topic} failed after ${sink.produced} acknowledged records: ${message(failure)}\n`,
    );
  }
  stdout.write(
    `produced ${sink.produced} records (${sink.bytes} bytes) from ${files.size} files to ${job.topic}; skipped ${skipped}\n`,
  );
  return failure !== undefined || skipped > 0 ? 1 : 0;
}

/**
 * The pipeline's brokers run with topic auto-creation off (a typo must not create a topic), and
 * the client would retry a missing topic for a minute before saying so: ask once, up front.
 */
async function ensureTopicExists(kafka: MessagingClient, topic: string): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const topics = await admin.listTopics();
    if (!topics.includes(topic)) {
      throw new Error(`topic ${topic} does not exist (create it first; auto-creation is off)`);
    }
  } finally {
    await admin.disconnect();
  }
}

/**
 * The client's own retries take about a minute to give up on unreachable brokers; a person at a
 * terminal should hear sooner. The abandoned attempt's rejection is swallowed, not left unhandled.
 */
async function withTimeout<T>(work: Promise<T>, ms: number, why: () => string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(why())), ms);
  });
  work.catch(() => undefined);
  try {
    return await Promise.race([work, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
