import type { ClusterEvent } from '@t2t/fingerprint';
import {
  type Chunk,
  type ChunkWriter,
  HEADERS,
  type MessageProducer,
  type OutgoingMessage,
  type RecordHeaders,
  type SourceRecord,
} from '@t2t/messaging';
import type { ClusterRepository } from '@t2t/storage';
import { ClusterEventError, parseClusterEvent } from './cluster-event.codec';

type Prepared =
  { ok: true; event: ClusterEvent; bytes: number } | { ok: false; reason: string; bytes: number };

/** Writes chunks of cluster events to ClickHouse; unreadable events go to the sink's dead-letter topic. */
export class ClusterEventsWriter implements ChunkWriter<Prepared> {
  constructor(
    private readonly clusters: ClusterRepository,
    private readonly producer: MessageProducer,
    private readonly dlqTopic: string,
    private readonly onWritten: (events: number, refused: number) => void,
  ) {}

  prepare(record: SourceRecord): Prepared {
    const bytes = record.value?.length ?? 0;
    try {
      return { ok: true, event: parseClusterEvent(record.value), bytes };
    } catch (e) {
      if (!(e instanceof ClusterEventError)) throw e;
      return { ok: false, reason: e.message, bytes };
    }
  }

  weight(p: Prepared): { rows: number; bytes: number } {
    return {
      rows: p.ok && p.event.type === 'members' ? p.event.traceIds.length : 1,
      bytes: p.bytes,
    };
  }

  async write(chunk: Chunk<Prepared>): Promise<void> {
    const events: ClusterEvent[] = [];
    const dead: OutgoingMessage[] = [];
    for (const { record, prepared } of chunk.items) {
      if (prepared.ok) events.push(prepared.event);
      else dead.push(this.toDeadLetter(record, prepared.reason));
    }
    await Promise.all([
      this.clusters.write(events),
      dead.length > 0
        ? this.producer.send({ topic: this.dlqTopic, messages: dead, acks: -1 })
        : undefined,
    ]);
    this.onWritten(events.length, dead.length);
  }

  async deadLetter(chunk: Chunk<Prepared>, error: Error): Promise<void> {
    await this.producer.send({
      topic: this.dlqTopic,
      messages: chunk.items.map((i) =>
        this.toDeadLetter(i.record, `write refused: ${error.message}`),
      ),
      acks: -1,
    });
    this.onWritten(0, chunk.items.length);
  }

  private toDeadLetter(record: SourceRecord, reason: string): OutgoingMessage {
    const headers: RecordHeaders = {
      ...record.headers,
      [HEADERS.dlqReason]: reason,
      [HEADERS.dlqSourceTopic]: record.topic,
      [HEADERS.dlqSourcePartition]: String(record.partition),
      [HEADERS.dlqSourceOffset]: record.offset,
    };
    return { key: record.key, value: record.value, headers };
  }
}
