import type { MessageProducer, RecordHeaders } from '@t2t/messaging';

export interface RecordBatchOptions {
  topic: string;
  /** Records per produce request. */
  maxRecords: number;
  /**
   * Value bytes per produce request. The Kafka client puts all records for one partition into one
   * record batch and does not split it; the broker refuses batches above `message.max.bytes` (1 MiB by
   * default), so capping the uncompressed bytes keeps every request acceptable.
   */
  maxBytes: number;
  compression: 'gzip' | 'none';
}

export interface OutgoingRecord {
  value: Buffer;
  headers: RecordHeaders;
}

/**
 * Sends records in batches and waits for every acknowledgement (acks = all in-sync replicas).
 * One batch is in flight while the next one fills, so reading and sending overlap without letting
 * memory grow beyond two batches. `produced`/`bytes` count acknowledged records only.
 */
export class RecordBatchProducer {
  produced = 0;
  bytes = 0;
  private batch: OutgoingRecord[] = [];
  private batchBytes = 0;
  /** The send in flight; never rejects (its error lands in `failure`). */
  private inFlight: Promise<void> | undefined;
  private failure: { error: unknown } | undefined;

  constructor(
    private readonly producer: Pick<MessageProducer, 'send'>,
    private readonly options: RecordBatchOptions,
  ) {}

  /** Queues a record; waits when a full batch has to wait for the one in flight. */
  async add(record: OutgoingRecord): Promise<void> {
    const full =
      this.batch.length >= this.options.maxRecords ||
      (this.batch.length > 0 && this.batchBytes + record.value.length > this.options.maxBytes);
    if (full) await this.dispatch();
    this.batch.push(record);
    this.batchBytes += record.value.length;
  }

  /** Sends what is queued and waits for all acknowledgements; throws the first send error. */
  async flush(): Promise<void> {
    if (this.batch.length > 0) await this.dispatch();
    await this.settle();
  }

  private async dispatch(): Promise<void> {
    const messages = this.batch;
    const bytes = this.batchBytes;
    this.batch = [];
    this.batchBytes = 0;
    await this.settle();
    this.inFlight = this.producer
      .send({
        topic: this.options.topic,
        messages,
        acks: -1,
        compression: this.options.compression,
      })
      .then(
        () => {
          this.produced += messages.length;
          this.bytes += bytes;
        },
        (error: unknown) => {
          this.failure = { error };
        },
      );
  }

  private async settle(): Promise<void> {
    await this.inFlight;
    this.inFlight = undefined;
    if (this.failure) throw this.failure.error;
  }
}
