import type { SourceRecord } from '@t2t/messaging';
import { DecodedRequests, decodeTraceRequestJson, encodeTraceRequestJson } from '@t2t/otlp';
import { makeResource, makeScope, makeTrace } from '@t2t/test-support';
import { OtlpMessagePreparer, type PreparedMessage } from './otlp-message.preparer';

const spans = makeTrace(makeResource('checkout'), makeScope());

function record(value: Buffer, headers: Record<string, string> = {}): SourceRecord {
  return {
    topic: 'otlp_spans',
    partition: 0,
    offset: '0',
    key: null,
    value,
    headers: { 'content-type': 'application/json', ...headers },
    timestamp: '0',
  };
}

function spansOf(p: PreparedMessage): Extract<PreparedMessage, { kind: 'spans' }> {
  if (p.kind !== 'spans') throw new Error(`expected spans, got ${p.kind}: ${p.detail}`);
  return p;
}

/** Tenant per stored span, by span name (the names of one test trace are distinct). */
function tenantsByName(p: PreparedMessage): Record<string, string | undefined> {
  return Object.fromEntries(spansOf(p).rows.map((r) => [r.SpanName, r.Tenant]));
}

describe(OtlpMessagePreparer.name, () => {
  const options = {
    defaultEncoding: 'otlp_json' as const,
    maxMessageBytes: 1024 * 1024,
    maxFutureSkewMs: 3_600_000,
    now: () => Number(spans[0].startTimeUnixNano / 1_000_000n),
  };

  it('takes the spans the receiver decoded from the same Buffer instead of decoding it again', () => {
    const decoded = new DecodedRequests(1000);
    const body = Buffer.from(encodeTraceRequestJson(spans));
    // Marked: a second decode would give the original names back.
    const handed = decodeTraceRequestJson(body).map((s) => ({ ...s, name: `handed ${s.name}` }));
    decoded.put(body, handed);
    const sut = new OtlpMessagePreparer({ ...options, decoded });

    const first = sut.prepare(record(body));
    expect(first.kind).toBe('spans');
    if (first.kind !== 'spans') return;
    expect(first.rows.map((r) => r.SpanName)).toEqual(spans.map((s) => `handed ${s.name}`));
    expect(decoded.spans).toBe(0);

    // Taken once: the same record prepared again (a retried chunk) is decoded from its bytes.
    const again = sut.prepare(record(body));
    expect(again.kind === 'spans' && again.rows.map((r) => r.SpanName)).toEqual(
      spans.map((s) => s.name),
    );
  });

  it('decodes a value that is not the produced Buffer', () => {
    const decoded = new DecodedRequests(1000);
    const body = Buffer.from(encodeTraceRequestJson(spans));
    decoded.put(body, decodeTraceRequestJson(body));
    const sut = new OtlpMessagePreparer({ ...options, decoded });
    const prepared = sut.prepare(record(Buffer.from(body)));
    expect(prepared.kind === 'spans' && prepared.rows).toHaveLength(spans.length);
    expect(decoded.spans).toBe(spans.length);
  });

  describe('tenants', () => {
    const sut = new OtlpMessagePreparer(options);
    const scope = makeScope();
    const T = spans[0].startTimeUnixNano;
    const globex = makeTrace(makeResource('checkout', { 't2t.tenant': 'globex' }), scope, T);
    const unnamed = makeTrace(makeResource('cart'), scope, T);
    // Same trace id under two tenants: two resources of one request, as a shared gateway sends.
    const twin = makeTrace(makeResource('cart'), scope, T).map((s) => ({
      ...s,
      traceId: globex[0].traceId,
      spanId: s.spanId.replace(/^./, 'f'),
    }));
    const body = Buffer.from(encodeTraceRequestJson([...globex, ...unnamed, ...twin]));

    it('takes the record header over every resource attribute', () => {
      const p = spansOf(sut.prepare(record(body, { 'x-t2t-tenant': 'acme' })));
      expect(new Set(p.rows.map((r) => r.Tenant))).toEqual(new Set(['acme']));
      expect([...p.byTrace.values()].every((t) => t.tenant === 'acme')).toBe(true);
    });

    it('without a header, takes each resource attribute, else the implicit tenant; keeps one trace id of two tenants apart', () => {
      const p = spansOf(sut.prepare(record(body)));
      const want = (list: typeof spans, tenant: string) =>
        Object.fromEntries(list.map((s) => [s.spanId, tenant]));
      expect(Object.fromEntries(p.rows.map((r) => [r.SpanId, r.Tenant]))).toEqual({
        ...want(globex, 'globex'),
        ...want(unnamed, 'default'),
        ...want(twin, 'default'),
      });
      const traces = [...p.byTrace.values()].map(
        (t) => `${t.tenant}/${t.traceId}/${t.spans.length}`,
      );
      expect(traces.sort()).toEqual(
        [
          `globex/${globex[0].traceId}/${globex.length}`,
          `default/${unnamed[0].traceId}/${unnamed.length}`,
          `default/${globex[0].traceId}/${twin.length}`,
        ].sort(),
      );
    });

    it('dead-letters a message whose header names a malformed tenant, with the reason', () => {
      const p = sut.prepare(record(body, { 'x-t2t-tenant': 'ACME' }));
      expect(p).toMatchObject({ kind: 'dead', reason: 'invalid_tenant' });
      expect(p.kind === 'dead' && p.detail).toContain(
        'invalid tenant "ACME" from the x-t2t-tenant record header',
      );
    });

    it('rejects the spans of a resource naming a malformed tenant and keeps the others', () => {
      const bad = makeTrace(makeResource('evil', { 't2t.tenant': "x' OR 1=1" }), scope, T);
      const numeric = makeTrace(makeResource('odd', { 't2t.tenant': 42n }), scope, T);
      const p = spansOf(
        sut.prepare(record(Buffer.from(encodeTraceRequestJson([...bad, ...globex, ...numeric])))),
      );
      expect(p.rows.map((r) => r.SpanId).sort()).toEqual(globex.map((s) => s.spanId).sort());
      expect(p.rejected.map((r) => r.span.spanId).sort()).toEqual(
        [...bad, ...numeric].map((s) => s.spanId).sort(),
      );
      expect(new Set(p.rejected.map((r) => r.reason))).toEqual(new Set(['invalid_tenant']));
      expect(p.rejected[0].detail).toContain('from the t2t.tenant resource attribute');
      const odd = p.rejected.find((r) => r.span.resource.attributes['service.name'] === 'odd');
      expect(odd?.detail).toContain('must be a string');
    });

    it('reads the header and attribute the options name', () => {
      const own = new OtlpMessagePreparer({
        ...options,
        tenantHeader: 'x-org',
        tenantResourceAttribute: 'org.id',
      });
      const named = makeTrace(
        makeResource('a', { 'org.id': 'initech', 't2t.tenant': 'x' }),
        scope,
        T,
      );
      const bodyOf = Buffer.from(encodeTraceRequestJson([...named, ...globex]));
      expect(tenantsByName(own.prepare(record(bodyOf, { 'x-t2t-tenant': 'ignored' })))).toEqual({
        ...Object.fromEntries(named.map((s) => [s.name, 'initech'])),
        ...Object.fromEntries(globex.map((s) => [s.name, 'default'])),
      });
      expect(
        new Set(
          spansOf(own.prepare(record(bodyOf, { 'x-org': 'hooli' }))).rows.map((r) => r.Tenant),
        ),
      ).toEqual(new Set(['hooli']));
    });
  });
});
