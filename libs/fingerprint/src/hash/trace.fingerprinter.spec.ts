import { assembleGoldenTrace, type GoldenSpan } from '../../test/golden/golden-case.fixture';
import type { AssembledTrace } from '../trace.model';
import { FINGERPRINT_VERSION, fingerprintTrace } from './trace.fingerprinter';

const SERVER = 2;
const CLIENT = 3;
const PRODUCER = 4;
const CONSUMER = 5;

interface Variant {
  /** Added to every span id's number: other span ids. */
  idBase?: number;
  /** Added to every start: another time. */
  shift?: number;
  /** Multiplies durations and gaps. */
  stretch?: number;
  /** The two concurrent queries start in the other order. */
  swapConcurrent?: boolean;
  /** Attempts of the payment call (retries). */
  attempts?: number;
  /** Pages read from the history table. */
  pages?: number;
  /** Id in URLs, keys and statements. */
  userId?: string;
  /** Table of the user query. */
  table?: string;
  /** Topic the order event goes to. */
  topic?: string;
  /** One more call: an audit HTTP call. */
  audit?: boolean;
  /** Reverse the order spans arrive in. */
  reverse?: boolean;
}

/**
 * POST /checkout/{userId}: read the user and their cart concurrently, page through the order
 * history, call payments (maybe retried), publish an event that a worker consumes.
 */
function checkout(v: Variant = {}): AssembledTrace {
  const idBase = v.idBase ?? 0x1000;
  const shift = v.shift ?? 0;
  const k = v.stretch ?? 1;
  const user = v.userId ?? '42';
  const spans: GoldenSpan[] = [];
  let next = idBase;
  const add = (
    parent: GoldenSpan | undefined,
    serviceName: string,
    kind: number,
    name: string,
    attributes: Record<string, string>,
    start: number,
    duration: number,
  ): GoldenSpan => {
    const s: GoldenSpan = {
      spanId: (next++).toString(16).padStart(16, '0'),
      parentSpanId: parent?.spanId ?? '',
      name,
      kind,
      serviceName,
      attributes,
      startUs: shift + start * k,
      durationUs: duration * k,
    };
    spans.push(s);
    return s;
  };
  const root = add(
    undefined,
    'shop',
    SERVER,
    `POST /checkout/${user}`,
    {
      'http.request.method': 'POST',
      'url.path': `/checkout/${user}`,
    },
    0,
    100_000,
  );
  const [first, second] = v.swapConcurrent ? [12, 10] : [10, 12];
  add(
    root,
    'shop',
    CLIENT,
    'SELECT',
    {
      'db.system.name': 'postgresql',
      'db.query.text': `SELECT * FROM ${v.table ?? 'users'} WHERE id = ${user}`,
    },
    first,
    2_000,
  );
  add(
    root,
    'shop',
    CLIENT,
    'GET',
    { 'db.system.name': 'redis', 'db.query.text': `GET cart:${user}` },
    second,
    900,
  );
  let t = 3_000;
  for (let p = 0; p < (v.pages ?? 1); p++, t += 1_000) {
    add(
      root,
      'shop',
      CLIENT,
      'SELECT orders',
      {
        'db.system.name': 'postgresql',
        'db.query.text': `SELECT * FROM orders WHERE user_id = ${user} OFFSET ${p * 20}`,
      },
      t,
      800,
    );
  }
  for (let a = 0; a < (v.attempts ?? 1); a++, t += 10_000) {
    const call = add(
      root,
      'shop',
      CLIENT,
      'POST',
      {
        'http.request.method': 'POST',
        'server.address': 'payments',
        'url.full': `http://payments/users/${user}/charges`,
      },
      t,
      9_000,
    );
    const srv = add(
      call,
      'payments',
      SERVER,
      'POST /users/:id/charges',
      {
        'http.request.method': 'POST',
        'http.route': '/users/:id/charges',
      },
      t + 100,
      8_800,
    );
    add(
      srv,
      'payments',
      CLIENT,
      'INSERT charges',
      {
        'db.system.name': 'postgresql',
        'db.query.text': `INSERT INTO charges (user_id) VALUES (${user})`,
      },
      t + 200,
      1_000,
    );
  }
  if (v.audit) {
    add(
      root,
      'shop',
      CLIENT,
      'POST',
      {
        'http.request.method': 'POST',
        'server.address': 'audit',
        'url.full': 'http://audit/events',
      },
      t,
      500,
    );
    t += 1_000;
  }
  const topic = v.topic ?? 'orders';
  const publish = add(
    root,
    'shop',
    PRODUCER,
    `${topic} publish`,
    {
      'messaging.system': 'kafka',
      'messaging.operation.type': 'send',
      'messaging.destination.name': topic,
    },
    t,
    300,
  );
  const consume = add(
    publish,
    'worker',
    CONSUMER,
    `${topic} process`,
    {
      'messaging.system': 'kafka',
      'messaging.operation.type': 'process',
      'messaging.destination.name': topic,
    },
    t + 50_000,
    4_000,
  );
  add(
    consume,
    'worker',
    CLIENT,
    'UPDATE stats',
    {
      'db.system.name': 'postgresql',
      'db.query.text': `UPDATE stats SET n = n + 1 WHERE user_id = ${user}`,
    },
    t + 50_100,
    1_000,
  );
  if (v.reverse) spans.reverse();
  return assembleGoldenTrace({
    traceId: idBase.toString(16).padStart(32, '0'),
    baseStartNs: '0',
    spans,
  });
}

const base = fingerprintTrace(checkout());

describe(fingerprintTrace.name, () => {
  it('describes the trace', () => {
    expect(base.version).toBe(FINGERPRINT_VERSION);
    expect(base.hash).toMatch(/^[0-9a-f]{16}$/);
    expect(base.endpoint).toBe('shop|HTTP POST /checkout/{id}');
    expect(base.complete).toBe(true);
    expect(base.repeats).toEqual({});
    expect(base.canonical.split('\n')).toEqual([
      'shop|server|POST /checkout/{id}|http POST /checkout/{id}',
      '  > shop|client|GET|cache redis GET cart:*',
      '  & shop|client|SELECT|db postgresql SELECT users',
      '  > shop|client|SELECT orders|db postgresql SELECT orders',
      '  > shop|client|POST|http POST payments /users/{id}/charges',
      '    * payments|server|POST /users/:id/charges|http POST /users/:id/charges',
      '      > payments|client|INSERT charges|db postgresql INSERT charges',
      '  > shop|producer|orders publish|msg kafka send orders',
      '    * worker|consumer|orders process|msg kafka process orders',
      '      > worker|client|UPDATE stats|db postgresql UPDATE stats',
    ]);
  });

  // Issue #4: "traces that differ only in span ids, timestamps, sibling order, retry counts or
  // ids in URLs share a fingerprint; traces that differ in a call, a table or a topic do not".
  describe('shares the fingerprint of traces that differ only in', () => {
    it.each<[string, Variant]>([
      ['span ids', { idBase: 0xabc000 }],
      ['timestamps', { shift: 1_234_567, stretch: 1.7 }],
      ['sibling order (concurrent siblings started the other way round)', { swapConcurrent: true }],
      ['sibling order (spans arrived in reverse)', { reverse: true }],
      ['retry counts', { attempts: 3 }],
      ['loop / page counts', { pages: 5 }],
      ['ids in URLs, keys and statements', { userId: '550e8400-e29b-41d4-a716-446655440000' }],
      [
        'all of these at once',
        {
          idBase: 0x77,
          shift: -500,
          swapConcurrent: true,
          attempts: 2,
          pages: 3,
          userId: '9',
          reverse: true,
        },
      ],
    ])('%s', (_, variant) => {
      const other = fingerprintTrace(checkout(variant));
      expect(other.hash).toBe(base.hash);
      expect(other.canonical).toBe(base.canonical);
    });
  });

  describe('gives a different fingerprint to traces that differ in', () => {
    it.each<[string, Variant]>([
      ['a call', { audit: true }],
      ['a table', { table: 'accounts' }],
      ['a topic', { topic: 'payments' }],
    ])('%s', (_, variant) => {
      expect(fingerprintTrace(checkout(variant)).hash).not.toBe(base.hash);
    });
  });

  it('keeps run lengths in repeats, keyed by label path', () => {
    const f = fingerprintTrace(checkout({ attempts: 3, pages: 4 }));
    const root = 'shop|server|POST /checkout/{id}|http POST /checkout/{id}';
    const call = `${root} > shop|client|POST|http POST payments /users/{id}/charges`;
    const server = `${call} > payments|server|POST /users/:id/charges|http POST /users/:id/charges`;
    expect(f.repeats).toEqual({
      [`${root} > shop|client|SELECT orders|db postgresql SELECT orders`]: 4,
      [call]: 3,
      [server]: 3,
      [`${server} > payments|client|INSERT charges|db postgresql INSERT charges`]: 3,
    });
  });

  it('orders sequential siblings by time: swapping two sequential calls is another fingerprint', () => {
    const spans: GoldenSpan[] = [
      {
        spanId: 'r',
        parentSpanId: '',
        name: 'job',
        kind: 1,
        serviceName: 's',
        attributes: {},
        startUs: 0,
        durationUs: 100,
      },
      {
        spanId: 'a',
        parentSpanId: 'r',
        name: 'A',
        kind: 1,
        serviceName: 's',
        attributes: {},
        startUs: 10,
        durationUs: 10,
      },
      {
        spanId: 'b',
        parentSpanId: 'r',
        name: 'B',
        kind: 1,
        serviceName: 's',
        attributes: {},
        startUs: 30,
        durationUs: 10,
      },
    ];
    const ab = fingerprintTrace(assembleGoldenTrace({ traceId: 't', baseStartNs: '0', spans }));
    const swapped = spans.map((s) => ({
      ...s,
      startUs: s.spanId === 'a' ? 30 : s.spanId === 'b' ? 10 : 0,
    }));
    const ba = fingerprintTrace(
      assembleGoldenTrace({ traceId: 't', baseStartNs: '0', spans: swapped }),
    );
    expect(ab.canonical).toBe('s|internal|job|\n  > s|internal|A|\n  > s|internal|B|');
    expect(ba.hash).not.toBe(ab.hash);
    // Overlapping, they are concurrent: then the order they started in does not matter.
    const overlapping = spans.map((s) => ({ ...s, durationUs: s.spanId === 'r' ? 100 : 50 }));
    const overlappingSwapped = overlapping.map((s) => ({
      ...s,
      startUs: s.spanId === 'a' ? 30 : s.spanId === 'b' ? 10 : 0,
    }));
    expect(
      fingerprintTrace(assembleGoldenTrace({ traceId: 't', baseStartNs: '0', spans: overlapping }))
        .hash,
    ).toBe(
      fingerprintTrace(
        assembleGoldenTrace({ traceId: 't', baseStartNs: '0', spans: overlappingSwapped }),
      ).hash,
    );
  });

  it('hashes exactly its canonical form (SHA-256, first 64 bits)', async () => {
    const { createHash } = await import('node:crypto');
    expect(base.hash).toBe(createHash('sha256').update(base.canonical).digest('hex').slice(0, 16));
  });

  it('returns sorted, unique, hashed shingles: one path and one pair per collapsed node', () => {
    expect(base.shingles).toEqual([...new Set(base.shingles)].sort());
    for (const s of base.shingles) expect(s).toMatch(/^[0-9a-f]{16}$/);
    const nodes = base.canonical.split('\n').length;
    expect(base.shingles.length).toBe(2 * nodes - 1);
    expect(fingerprintTrace(checkout({ attempts: 4, userId: '7' })).shingles).toEqual(
      base.shingles,
    );
  });

  it('is stable across calls (no state leaks between traces)', () => {
    fingerprintTrace(checkout({ attempts: 5, pages: 9, audit: true }));
    expect(fingerprintTrace(checkout())).toEqual(base);
  });

  it('fingerprints an empty trace', () => {
    const f = fingerprintTrace({ traceId: 't', baseStartNs: 0n, spans: [] });
    expect(f).toMatchObject({ endpoint: '(unknown)', complete: false, canonical: '(trace)' });
  });
});
