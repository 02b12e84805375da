import { appendFileSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InProcessBroker, InProcessKafka } from './in-process.kafka';

describe('InProcessBroker with a journal', () => {
  let dir: string;
  const opened: InProcessBroker[] = [];
  const open = (compactAtBytes?: number) => {
    const b = new InProcessBroker({ journalDir: dir, compactAtBytes });
    opened.push(b);
    return b;
  };
  const values = (b: InProcessBroker, topic: string, partition = 0, from = 0) =>
    b.read(topic, partition, from, 1 << 30).map((r) => `${r.offset}:${r.value?.toString()}`);

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 't2t-journal-'));
  });
  afterEach(() => {
    for (const b of opened.splice(0)) b.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('gives a new broker on the same directory every topic, record, header, subscription and commit', () => {
    const a = open();
    a.createTopic('spans', 2);
    a.append('spans', [
      { value: 'one', partition: 0, headers: { h: 'x', multi: ['a', 'b'] } },
      { key: 'k', value: 'two', partition: 1, timestamp: '1700000000000' },
      { value: null, partition: 0 },
    ]);
    a.subscribe('g', 'spans');
    a.commit('g', 'spans', 1, 1, '{"meta":1}');

    const b = open();
    expect(b.listTopics()).toEqual(['spans']);
    expect(values(b, 'spans', 0)).toEqual(['0:one', '1:undefined']);
    const [first] = b.read('spans', 0, 0, 1 << 20);
    expect(String(first.headers.h)).toBe('x');
    expect((first.headers.multi as Buffer[]).map(String)).toEqual(['a', 'b']);
    // Partition 1 was committed past by its only reader: dropped, and its offsets go on.
    expect(values(b, 'spans', 1)).toEqual([]);
    expect(b.highWatermark('spans', 1)).toBe(1);
    expect(b.committedOffset('g', 'spans', 1)).toEqual({ offset: 1, metadata: '{"meta":1}' });
  });

  it('keeps records and their commit together: an atomic entry replays whole', async () => {
    const a = open();
    a.createTopic('in', 1);
    a.createTopic('out', 3);
    const kafka = new InProcessKafka(a);
    await kafka.sendAndCommit({
      sends: [
        {
          topic: 'out',
          messages: [
            { key: 't1', value: 'r1' },
            { key: 't2', value: 'r2' },
          ],
        },
      ],
      commit: { groupId: 'ingest', topic: 'in', partition: 0, offset: '5' },
    });
    const b = open();
    const out = [0, 1, 2].flatMap((p) => values(b, 'out', p).map((v) => `${p}/${v}`));
    expect(out).toHaveLength(2);
    // Keys land on the partitions they did before the restart.
    expect(out.sort()).toEqual(
      [0, 1, 2].flatMap((p) => values(a, 'out', p).map((v) => `${p}/${v}`)).sort(),
    );
    expect(b.committedOffset('ingest', 'in', 0)?.offset).toBe(5);
  });

  it('cuts off a torn last entry (a process killed inside a write) and keeps everything before it', () => {
    const a = open();
    a.createTopic('t', 1);
    a.append('t', [{ value: 'kept', partition: 0 }]);
    a.close();
    opened.splice(0);
    const file = join(dir, 'journal.bin');
    const intact = statSync(file).size;
    // A length prefix promising more than was written.
    appendFileSync(file, Buffer.from([200, 0, 0, 0, 4, 1, 2]));

    const b = open();
    expect(values(b, 't')).toEqual(['0:kept']);
    expect(statSync(file).size).toBe(intact);
    b.append('t', [{ value: 'after', partition: 0 }]);
    const c = open();
    expect(values(c, 't')).toEqual(['0:kept', '1:after']);
  });

  it('compacts to the live state once the journal is mostly records already read, offsets unchanged', () => {
    const a = open(4096);
    a.createTopic('t', 1);
    a.subscribe('g', 't');
    const big = 'x'.repeat(1000);
    for (let i = 0; i < 20; i++) {
      a.append('t', [{ value: `${i}${big}`, partition: 0 }]);
      a.commit('g', 't', 0, i + 1, null);
    }
    a.append('t', [{ value: 'unread', partition: 0 }]);
    a.commit('g', 't', 0, 20, 'last');
    expect(a.journalBytes).toBeLessThan(4096);

    const b = open(4096);
    expect(values(b, 't')).toEqual(['20:unread']);
    expect(b.committedOffset('g', 't', 0)).toEqual({ offset: 20, metadata: 'last' });
    b.append('t', [{ value: 'next', partition: 0 }]);
    expect(values(b, 't', 0, 20)).toEqual(['20:unread', '21:next']);
  });

  it('without a journal keeps nothing across brokers', () => {
    const a = new InProcessBroker();
    a.createTopic('t', 1);
    a.append('t', [{ value: 'v', partition: 0 }]);
    expect(new InProcessBroker().listTopics()).toEqual([]);
    expect(a.journalBytes).toBe(0);
  });
});
