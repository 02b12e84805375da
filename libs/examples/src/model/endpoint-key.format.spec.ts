import { SpanKind, StatusCode, type Span } from '@t2t/domain';
import {
  entryEndpoint,
  fingerprintTrace,
  spanEndpoint,
  spanLabel,
  type SpanFacts,
} from '@t2t/fingerprint';
import { attributesToStringMap } from '@t2t/otlp';
import { endpointOf, serviceOf } from '../../test/trace.observer';
import type { GeneratedTrace } from '../generation/generated-trace.model';
import { generateTraces } from '../generation/trace.generator';
import { bankSystem } from '../systems/bank.system';
import { checkoutSystem } from '../systems/checkout.system';
import { deliverySystem } from '../systems/delivery.system';
import { potatoSystem } from '../systems/potato.system';
import { railwaySystem } from '../systems/railway.system';
import { endpointKey, endpointName } from './endpoint-key.format';
import { consume, grpc, http } from './system.dsl';

function facts(s: Span): SpanFacts {
  return {
    name: s.name,
    kind: s.kind,
    serviceName: serviceOf(s),
    parentSpanId: s.parentSpanId,
    attributes: attributesToStringMap(s.attributes),
  };
}

/** A generated trace as clustering assembles it, for libs/fingerprint. */
function fingerprint(trace: GeneratedTrace) {
  const base = trace.spans[0].startTimeUnixNano;
  return fingerprintTrace({
    traceId: trace.traceId,
    baseStartNs: base,
    spans: trace.spans.map((s) => {
      const f = facts(s);
      const endpoint =
        s.parentSpanId === '' || s.kind === SpanKind.Server || s.kind === SpanKind.Consumer
          ? spanEndpoint(f)
          : undefined;
      return {
        spanId: s.spanId,
        parentSpanId: s.parentSpanId,
        label: spanLabel(f),
        startUs: Number((s.startTimeUnixNano - base) / 1000n),
        durationUs: Number((s.endTimeUnixNano - s.startTimeUnixNano) / 1000n),
        error: s.status.code === StatusCode.Error,
        ...(endpoint === undefined ? {} : { endpoint: endpoint.key }),
        ...(endpoint?.lookThrough === undefined ? {} : { lookThrough: endpoint.lookThrough }),
      };
    }),
  });
}

describe(endpointKey.name, () => {
  it('formats HTTP, RPC and consumer endpoints', () => {
    expect(endpointKey('orders', http('POST', '/orders'))).toBe('orders|HTTP POST /orders');
    expect(endpointKey('pay', grpc('checkout.PaymentService', 'Charge'))).toBe(
      'pay|RPC grpc checkout.PaymentService/Charge',
    );
    expect(endpointKey('writer', consume('orders', { group: 'w', propagation: 'child' }))).toBe(
      'writer|CONSUME orders',
    );
    expect(endpointName(http('GET', '/orders/{id}'))).toBe('GET /orders/{id}');
  });

  describe.each([
    ['potato', potatoSystem, false],
    ['checkout', checkoutSystem, false],
    ['checkout with noise', checkoutSystem, true],
    ['bank', bankSystem, false],
    ['bank with noise', bankSystem, true],
    ['delivery', deliverySystem, false],
    ['delivery with noise', deliverySystem, true],
    ['railway', railwaySystem, false],
    ['railway with noise', railwaySystem, true],
  ])('%s, read by libs/fingerprint', (_, system, noise) => {
    const traces = generateTraces(system, { seed: 31, traces: 1_000, noise });

    it('has the endpoint keys entryEndpoint() computes from the spans', () => {
      for (const t of traces) {
        expect(entryEndpoint(facts(t.spans[0]))).toBe(t.endpoint);
        for (const s of t.spans) {
          if (s.kind === SpanKind.Server || s.kind === SpanKind.Consumer)
            expect(entryEndpoint(facts(s))).toBe(endpointOf(s));
        }
      }
    });

    it('has exactly one structural fingerprint per behaviour, and a different one for each', () => {
      const hashes = new Map<string, Set<string>>();
      for (const t of traces) {
        const f = fingerprint(t);
        // Behind a gateway's catch-all route, the API the trace serves is its endpoint.
        expect(f.endpoint).toBe(t.apiEndpoint);
        const key = `${t.apiEndpoint} ${t.behaviour}`;
        hashes.set(key, (hashes.get(key) ?? new Set()).add(f.hash));
      }
      for (const [behaviour, set] of hashes) expect([behaviour, set.size]).toEqual([behaviour, 1]);
      const all = [...hashes.values()].map((set) => [...set][0]);
      expect(new Set(all).size).toBe(all.length);
    });
  });
});
