import type { SendRequest } from '@t2t/messaging';
import { RecordBatchProducer } from './record-batch.producer';

function record(bytes: number) {
  return { value: Buffer.alloc(bytes, 0x61), headers: { 'content-type': 'application/json' } };
}

describe(RecordBatchProducer.name, () => {
  const options = {
    topic: 't',
    maxRecords: 3,
    maxBytes: 100,
    compression: 'gzip' as const,
  };

  it('cuts batches by record count and by bytes, in order, and counts only acknowledged records', async () => {
    const sent: SendRequest[] = [];
    const sut = new RecordBatchProducer(
      {
        send: async (r) => {
          sent.push(r);
        },
      },
      options,
    );
    for (const size of [10, 10, 10, 10, 60, 40, 150, 1]) await sut.add(record(size));
    expect(sut.produced).toBeLessThan(8);
    await sut.flush();
    expect(sent.map((r) => r.messages.map((m) => (m.value as Buffer).length))).toEqual([
      [10, 10, 10],
      [10, 60],
      [40],
      [150],
      [1],
    ]);
    expect(sent.every((r) => r.acks === -1 && r.topic === 't')).toBe(true);
    expect(sent[0].compression).toBe('gzip');
    expect({ produced: sut.produced, bytes: sut.bytes }).toEqual({ produced: 8, bytes: 291 });
  });

  it('keeps at most one send in flight while the next batch fills', async () => {
    let inFlight = 0;
    let most = 0;
    const sut = new RecordBatchProducer(
      {
        send: async () => {
          most = Math.max(most, ++inFlight);
          await new Promise((r) => setTimeout(r, 5));
          inFlight--;
        },
      },
      options,
    );
    for (let i = 0; i < 20; i++) await sut.add(record(1));
    await sut.flush();
    expect(most).toBe(1);
    expect(sut.produced).toBe(20);
  });

  it('surfaces a failed send on the next add or flush, without counting its records', async () => {
    const sut = new RecordBatchProducer(
      {
        send: async () => {
          throw new Error('NOT_ENOUGH_REPLICAS');
        },
      },
      options,
    );
    for (let i = 0; i < 3; i++) await sut.add(record(1));
    await sut.add(record(1)); // dispatches the first batch
    await expect(sut.flush()).rejects.toThrow('NOT_ENOUGH_REPLICAS');
    expect(sut.produced).toBe(0);
  });
});
