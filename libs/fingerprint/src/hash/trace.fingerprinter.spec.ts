import { assembleGoldenTrace, type GoldenSpan } from '../../test/golden/golden-case.fixture';
import type { AssembledTrace } from '../trace.model';
import { seededRandom } from '../window/synthetic-traces.fixture';
import { FINGERPRINT_VERSION, fingerprintTrace } from './trace.fingerprinter';

const SERVER = 2;
const CLIENT = 3;
const PRODUCER = 4;
const CONSUMER = 5;

/** An internal span of service `s`: the shape of the ordering tests. */
function internal(
  spanId: string,
  parentSpanId: string,
  name: string,
  startUs: number,
  durationUs: number,
): GoldenSpan {
  return {
    spanId,
    parentSpanId,
    name,
    kind: 1,
    serviceName: 's',
    attributes: {},
    startUs,
    durationUs,
  };
}

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
      internal('r', '', 'job', 0, 100_000),
      internal('a', 'r', 'A', 10_000, 10_000),
      internal('b', 'r', 'B', 30_000, 10_000),
    ];
    const ab = fingerprintTrace(assembleGoldenTrace({ traceId: 't', baseStartNs: '0', spans }));
    const swapped = spans.map((s) => ({
      ...s,
      startUs: s.spanId === 'a' ? 30_000 : s.spanId === 'b' ? 10_000 : 0,
    }));
    const ba = fingerprintTrace(
      assembleGoldenTrace({ traceId: 't', baseStartNs: '0', spans: swapped }),
    );
    expect(ab.canonical).toBe('s|internal|job|\n  > s|internal|A|\n  > s|internal|B|');
    expect(ba.hash).not.toBe(ab.hash);
    // Overlapping, they are concurrent: then the order they started in does not matter.
    const overlapping = spans.map((s) => ({
      ...s,
      durationUs: s.spanId === 'r' ? 100_000 : 50_000,
    }));
    const overlappingSwapped = overlapping.map((s) => ({
      ...s,
      startUs: s.spanId === 'a' ? 30_000 : s.spanId === 'b' ? 10_000 : 0,
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

  it('treats calls within the clock granularity (1 ms) as simultaneous, so millisecond timestamps give one fingerprint', () => {
    // The OpenTelemetry JS SDK stamps starts in whole milliseconds: two sequential sub-millisecond
    // calls can show the same start, in either order.
    const trace = (first: 'a' | 'b', bStartUs = 1_000): AssembledTrace =>
      assembleGoldenTrace({
        traceId: 't',
        baseStartNs: '0',
        spans: [
          internal('r', '', 'job', 0, 5_000),
          internal('a', 'r', 'A', 1_000, first === 'a' ? 300 : 600),
          internal('b', 'r', 'B', bStartUs, first === 'a' ? 600 : 300),
        ],
      });
    expect(fingerprintTrace(trace('a')).hash).toBe(fingerprintTrace(trace('b')).hash);
    // The same two calls, the second stamped one tick later (it crossed a millisecond boundary).
    expect(fingerprintTrace(trace('a', 2_000)).hash).toBe(fingerprintTrace(trace('a')).hash);
    // Clearly later (more than a tick), it is a sequential step again.
    expect(fingerprintTrace(trace('a', 3_000)).canonical).toBe(
      's|internal|job|\n  > s|internal|A|\n  > s|internal|B|',
    );
  });

  it('gives a handler traced with a millisecond clock one fingerprint, whatever the rounding', () => {
    // The OpenTelemetry JS SDK's clock: start = Date.now() (whole ms), duration high-resolution.
    // A handler awaits two quick queries, then runs two calls at once, then a slower step.
    const random = seededRandom(42);
    const between = (lo: number, hi: number): number => lo + random() * (hi - lo);
    const hashes = new Map<string, string>();
    for (let i = 0; i < 300; i++) {
      const t0 = Math.floor(between(0, 1e9)); // real time, µs
      const real: Array<[string, number, number]> = [];
      const a = t0 + between(20, 200);
      const aDur = between(100, 600);
      const b = a + aDur + between(10, 300);
      const bDur = between(100, 500);
      const c = b + bDur + between(3_000, 4_000);
      const d = c + between(5, 50);
      const cDur = between(500, 3_000);
      const dDur = between(500, 3_000);
      const e = Math.max(c + cDur, d + dDur) + between(3_000, 4_000);
      real.push(['A', a, aDur], ['B', b, bDur], ['C', c, cDur], ['D', d, dDur], ['E', e, 800]);
      const spans: GoldenSpan[] = [
        {
          spanId: 'r',
          parentSpanId: '',
          name: 'handle',
          kind: SERVER,
          serviceName: 's',
          attributes: {},
          startUs: Math.floor(t0 / 1000) * 1000,
          durationUs: e + 1_000 - t0,
        },
        ...real.map(([name, start, duration]) => ({
          spanId: name,
          parentSpanId: 'r',
          name,
          kind: 1,
          serviceName: 's',
          attributes: {},
          startUs: Math.floor(start / 1000) * 1000,
          durationUs: Math.round(duration),
        })),
      ];
      const fp = fingerprintTrace(
        assembleGoldenTrace({ traceId: `t${i}`, baseStartNs: '0', spans }),
      );
      hashes.set(fp.hash, fp.canonical);
    }
    expect(hashes.size).toBe(1);
    // {A, B} then {C, D} then E: three stages, one concurrent call in each of the first two.
    const canonical = [...hashes.values()][0];
    expect(canonical.split('\n').filter((l) => l.startsWith('  > '))).toHaveLength(3);
    expect(canonical.split('\n').filter((l) => l.startsWith('  & '))).toHaveLength(2);
    expect(canonical.split('\n').pop()).toBe('  > s|internal|E|');
  });

  it('keeps exact ordering for a precise clock: sub-millisecond sequential calls stay sequential', () => {
    const spans = (aStart: number, bStart: number): GoldenSpan[] => [
      internal('r', '', 'job', 0, 2_000),
      internal('a', 'r', 'A', aStart, 200),
      internal('b', 'r', 'B', bStart, 200),
    ];
    const ab = fingerprintTrace(
      assembleGoldenTrace({ traceId: 't', baseStartNs: '0', spans: spans(101, 350) }),
    );
    const ba = fingerprintTrace(
      assembleGoldenTrace({ traceId: 't', baseStartNs: '0', spans: spans(350, 101) }),
    );
    expect(ab.canonical).toBe('s|internal|job|\n  > s|internal|A|\n  > s|internal|B|');
    expect(ba.hash).not.toBe(ab.hash);
    // Whether the starts are whole milliseconds is read from absolute time: one tick apart on a
    // millisecond clock, two calls share a stage; the same relative times 0.5 ms later are not
    // whole milliseconds, so the clock is precise and they are sequential.
    const msClock = fingerprintTrace(
      assembleGoldenTrace({ traceId: 't', baseStartNs: '0', spans: spans(1_000, 2_000) }),
    );
    expect(msClock.canonical).toBe('s|internal|job|\n  > s|internal|A|\n  & s|internal|B|');
    const precise = fingerprintTrace(
      assembleGoldenTrace({ traceId: 't', baseStartNs: '500000', spans: spans(1_000, 2_000) }),
    );
    expect(precise.canonical).toBe('s|internal|job|\n  > s|internal|A|\n  > s|internal|B|');
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
