import type { MessagingClient, OutgoingMessage } from '@t2t/messaging';
import { encodeTraceRecord, type RecordSpan, type TraceRecord } from '@t2t/wire';

/** Behaviours of a tiny system, each a distinct trace structure. */
export const BEHAVIOURS = ['orders-potato', 'orders-plain', 'cart-hit', 'cart-miss'] as const;
export type Behaviour = (typeof BEHAVIOURS)[number];

const S = 1_000_000_000n;
export const RECORDS_T0 = 1_767_225_600n * S;

/**
 * The spans of one trace of a behaviour, as ingest re-keys them. Ids and timings vary per trace;
 * the structure (and so the fingerprint) depends only on the behaviour.
 */
export function behaviourTrace(i: number, behaviour: Behaviour, startNs: bigint): TraceRecord {
  const traceId = (0x100000 + i).toString(16).padStart(32, '0');
  const id = (n: number) => (i * 16 + n).toString(16).padStart(16, '0');
  const span = (n: number, parent: number, over: Partial<RecordSpan>): RecordSpan => ({
    spanId: id(n),
    parentSpanId: parent === 0 ? '' : id(parent),
    name: '',
    kind: 3,
    serviceName: 'orders',
    startTimeUnixNano: startNs + BigInt(n) * 1_000_000n,
    durationNano: 2_000_000 + (i % 7) * 100_000,
    statusCode: 0,
    statusMessage: '',
    attributes: {},
    events: [],
    links: [],
    ...over,
  });
  if (behaviour.startsWith('orders')) {
    const spans = [
      span(1, 0, {
        name: 'POST /orders',
        kind: 2,
        durationNano: 30_000_000,
        attributes: {
          'http.request.method': 'POST',
          'http.route': '/orders',
          'user.likes_potatoes': String(behaviour === 'orders-potato'),
        },
      }),
      span(2, 1, {
        name: 'INSERT orders',
        attributes: {
          'db.system': 'postgresql',
          'db.statement': `INSERT INTO orders VALUES (${i})`,
        },
      }),
    ];
    if (behaviour === 'orders-potato') {
      spans.push(
        span(3, 1, {
          name: 'POST',
          attributes: {
            'http.request.method': 'POST',
            'server.address': 'potato-handler',
            'url.full': `http://potato-handler/potatoes/${i}`,
          },
        }),
      );
    }
    return { traceId, spans };
  }
  const spans = [
    span(1, 0, {
      name: 'GET /cart/{id}',
      kind: 2,
      serviceName: 'cart',
      durationNano: 10_000_000,
      attributes: { 'http.request.method': 'GET', 'http.route': '/cart/{id}' },
    }),
    span(2, 1, {
      name: 'GET',
      serviceName: 'cart',
      attributes: { 'db.system': 'redis', 'db.statement': `GET cart:${i}` },
    }),
  ];
  if (behaviour === 'cart-miss') {
    spans.push(
      span(3, 1, {
        name: 'SELECT carts',
        serviceName: 'cart',
        attributes: {
          'db.system': 'postgresql',
          'db.statement': `SELECT * FROM carts WHERE id = ${i}`,
        },
      }),
    );
  }
  return { traceId, spans };
}

export interface BehaviourStream {
  records: { behaviour: Behaviour; record: TraceRecord }[];
  truth: Map<Behaviour, number>;
}

/** `n` traces, behaviours mixed deterministically, starting `spacingNs` apart in event time. */
export function behaviourStream(n: number, spacingNs = 10_000_000n, offset = 0): BehaviourStream {
  const records: BehaviourStream['records'] = [];
  const truth = new Map<Behaviour, number>();
  for (let i = 0; i < n; i++) {
    const behaviour = BEHAVIOURS[(i * 7 + (i >> 3)) % BEHAVIOURS.length];
    truth.set(behaviour, (truth.get(behaviour) ?? 0) + 1);
    records.push({
      behaviour,
      record: behaviourTrace(offset + i, behaviour, RECORDS_T0 + BigInt(offset + i) * spacingNs),
    });
  }
  return { records, truth };
}

/** Produces trace records the way ingest does: one record per trace, keyed by trace id. */
export async function produceTraceRecords(
  kafka: MessagingClient,
  topic: string,
  records: TraceRecord[],
): Promise<void> {
  const producer = kafka.producer();
  await producer.connect();
  for (let i = 0; i < records.length; i += 200) {
    const messages: OutgoingMessage[] = records
      .slice(i, i + 200)
      .map((r) => ({ key: r.traceId, value: encodeTraceRecord(r) }));
    await producer.send({ topic, messages, acks: -1 });
  }
  await producer.disconnect();
}
