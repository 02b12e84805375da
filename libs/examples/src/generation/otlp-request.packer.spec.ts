import {
  decodeTraceRequestJson,
  decodeTraceRequestProto,
  encodeTraceRequestJson,
  encodeTraceRequestProto,
} from '@t2t/otlp';
import { checkoutSystem } from '../systems/checkout.system';
import { potatoSystem } from '../systems/potato.system';
import { toOtlpRequests } from './otlp-request.packer';
import { generateTraces } from './trace.generator';

describe(toOtlpRequests.name, () => {
  const traces = generateTraces(checkoutSystem, { seed: 6, traces: 300, noise: true });
  const total = traces.reduce((s, t) => s + t.spans.length, 0);

  it('packs every span exactly once, in requests of the given size', () => {
    const requests = toOtlpRequests(traces, { spansPerRequest: 100, mixTraces: true });
    expect(requests.slice(0, -1).every((r) => r.length === 100)).toBe(true);
    expect(requests.flat()).toHaveLength(total);
    expect(new Set(requests.flat()).size).toBe(total);
  });

  it('mixes traces like a collector: many traces per request, traces split across requests', () => {
    const requests = toOtlpRequests(traces, { spansPerRequest: 100, mixTraces: true });
    const perRequest = requests.map((r) => new Set(r.map((s) => s.traceId)).size);
    expect(Math.min(...perRequest)).toBeGreaterThan(3);
    const requestsPerTrace = new Map<string, Set<number>>();
    requests.forEach((r, i) => {
      for (const s of r)
        requestsPerTrace.set(s.traceId, (requestsPerTrace.get(s.traceId) ?? new Set()).add(i));
    });
    expect([...requestsPerTrace.values()].filter((set) => set.size > 1).length).toBeGreaterThan(10);
  });

  it('sends spans roughly in the order they end', () => {
    const requests = toOtlpRequests(traces, { spansPerRequest: 50 });
    for (let i = 1; i < requests.length; i++) {
      const lastEnd = requests[i - 1].reduce(
        (m, s) => (s.endTimeUnixNano > m ? s.endTimeUnixNano : m),
        0n,
      );
      const firstEnd = requests[i].reduce(
        (m, s) => (s.endTimeUnixNano < m ? s.endTimeUnixNano : m),
        lastEnd,
      );
      expect(firstEnd).toBeGreaterThanOrEqual(lastEnd);
    }
  });

  it('keeps traces whole and in generation order without mixing', () => {
    const requests = toOtlpRequests(traces, { spansPerRequest: 64, mixTraces: false });
    const placed = new Map<string, Set<number>>();
    requests.forEach((r, i) => {
      for (const s of r) placed.set(s.traceId, (placed.get(s.traceId) ?? new Set()).add(i));
    });
    expect([...placed.values()].every((set) => set.size === 1)).toBe(true);
    const requestOf = traces.map((t) => [...placed.get(t.traceId)!][0]);
    expect(requestOf).toEqual([...requestOf].sort((a, b) => a - b));
    for (const r of requests) {
      expect(r.length <= 64 || new Set(r.map((s) => s.traceId)).size === 1).toBe(true);
    }
    expect(requests.flat()).toHaveLength(total);
  });

  it('round-trips through the OTLP protobuf and JSON codecs', () => {
    for (const request of toOtlpRequests(generateTraces(potatoSystem, { seed: 2, traces: 100 }), {
      spansPerRequest: 128,
    })) {
      expect(decodeTraceRequestProto(encodeTraceRequestProto(request))).toEqual(request);
      expect(decodeTraceRequestJson(encodeTraceRequestJson(request))).toEqual(request);
    }
    for (const request of toOtlpRequests(traces, { spansPerRequest: 500 })) {
      const decoded = decodeTraceRequestProto(encodeTraceRequestProto(request));
      expect(decoded).toEqual(request);
      // Spans of one resource share one decoded Resource object, as ingest sees them.
      expect(new Set(decoded.map((s) => s.resource)).size).toBe(
        new Set(request.map((s) => s.resource)).size,
      );
    }
  });

  it('refuses a request size below one', () => {
    expect(() => toOtlpRequests(traces, { spansPerRequest: 0 })).toThrow(RangeError);
  });
});
