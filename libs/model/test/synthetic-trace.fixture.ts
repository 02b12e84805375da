import type { BehaviourEvidence, ModelSpan, ModelTrace } from '../src';

/**
 * Small hand-made traces for unit tests: spans written literally, ids and times filled in.
 */
export interface SpanSpec {
  id: string;
  parent?: string;
  service: string;
  name: string;
  kind: number;
  /** Start and duration in µs from the trace's start. */
  at?: number;
  duration?: number;
  attributes?: Record<string, string>;
  links?: { traceId: string; spanId: string }[];
  error?: boolean;
}

const BASE_NS = 1_767_225_600_000_000_000n;

export function trace(traceId: string, specs: readonly SpanSpec[]): ModelTrace {
  return {
    traceId,
    spans: specs.map((s): ModelSpan => ({
      traceId,
      spanId: s.id,
      parentSpanId: s.parent ?? '',
      service: s.service,
      name: s.name,
      kind: s.kind,
      startNs: BASE_NS + BigInt(Math.round((s.at ?? 0) * 1000)),
      durationNs: (s.duration ?? 1) * 1000,
      statusCode: s.error === true ? 2 : 0,
      attributes: s.attributes ?? {},
      links: s.links ?? [],
    })),
  };
}

export const SERVER = 2;
export const CLIENT = 3;
export const INTERNAL = 1;
export const PRODUCER = 4;
export const CONSUMER = 5;

export const ENDPOINT = 'api|HTTP POST /orders';

export interface RequestSpec {
  /** Attributes of the entry span. */
  attributes: Record<string, string>;
  /** Whether the handler calls worker POST /jobs. */
  effect: boolean;
  /** Spans of the handler before the branch, with their attributes. */
  before?: Record<string, string>[];
  /** A span of the handler after the branch (in both arms). */
  after?: Record<string, string>;
}

/**
 * `api POST /orders` that calls `worker POST /jobs` only when `effect`: the entry span carries
 * `attributes`, the handler first runs one internal span per `before` entry.
 */
export function request(i: number, spec: RequestSpec): ModelTrace {
  const specs: SpanSpec[] = [
    {
      id: 'a0',
      service: 'api',
      name: 'POST /orders',
      kind: SERVER,
      at: 0,
      duration: 100,
      attributes: { 'http.request.method': 'POST', 'http.route': '/orders', ...spec.attributes },
    },
  ];
  (spec.before ?? []).forEach((attributes, n) =>
    specs.push({
      id: `b${n}`,
      parent: 'a0',
      service: 'api',
      name: `step ${n}`,
      kind: INTERNAL,
      at: 1 + 2 * n,
      duration: 1,
      attributes,
    }),
  );
  if (spec.effect) {
    specs.push(
      {
        id: 'c1',
        parent: 'a0',
        service: 'api',
        name: 'POST',
        kind: CLIENT,
        at: 20,
        duration: 10,
        attributes: {
          'http.request.method': 'POST',
          'server.address': 'worker',
          'url.full': 'http://worker:8080/jobs',
        },
      },
      {
        id: 's1',
        parent: 'c1',
        service: 'worker',
        name: 'POST /jobs',
        kind: SERVER,
        at: 21,
        duration: 8,
        attributes: { 'http.request.method': 'POST', 'http.route': '/jobs' },
      },
    );
  }
  if (spec.after !== undefined) {
    specs.push({
      id: 'z1',
      parent: 'a0',
      service: 'api',
      name: 'finish',
      kind: INTERNAL,
      at: 50,
      duration: 1,
      attributes: spec.after,
    });
  }
  return trace(`t${String(i).padStart(6, '0')}`, specs);
}

/** Groups traces into one behaviour per distinct effect outcome, every trace sampled. */
export function evidenceOf(
  traces: readonly ModelTrace[],
  fingerprintOf: (t: ModelTrace) => string = (t) =>
    t.spans.some((s) => s.service === 'worker') ? 'with-call' : 'without-call',
): BehaviourEvidence[] {
  const groups = new Map<string, ModelTrace[]>();
  for (const t of traces) {
    const fp = fingerprintOf(t);
    groups.set(fp, [...(groups.get(fp) ?? []), t]);
  }
  return [...groups].map(([fingerprint, samples]) => ({
    endpoint: ENDPOINT,
    fingerprint,
    traces: samples.length,
    errors: 0,
    p50Us: 100,
    p95Us: 100,
    representative: samples[0],
    samples,
  }));
}

/** A seeded generator for unit tests (mulberry32): the same seed gives the same draws. */
export function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
