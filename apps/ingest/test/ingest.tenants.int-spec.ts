import { CONTENT_TYPES, HEADERS } from '@t2t/messaging';
import { decodeTraceRequestJson, encodeTraceRequestProto } from '@t2t/otlp';
import { MetricsRegistry } from '@t2t/platform';
import {
  consumeUntil,
  eventually,
  makeResource,
  makeScope,
  makeTrace,
  testKafka,
} from '@t2t/test-support';
import { decodeTraceRecord, TENANT_RECORD_HEADER } from '@t2t/wire';
import { produce, startIngest, storedRows } from './ingest.fixture';

describe('ingest: tenants (real broker, embedded ClickHouse)', () => {
  const kafka = testKafka('ingest-tenant-test');

  it('stamps each span with the tenant of its record header, else of its resource attribute, else default; dead-letters malformed names with the reason and stores the rest', async () => {
    const ingest = await startIngest();
    try {
      const scope = makeScope();
      const globex = makeResource('checkout', { 't2t.tenant': 'globex' });
      const plain = makeResource('cart');
      const headerWins = makeTrace(globex, scope);
      const ofGlobex = makeTrace(globex, scope);
      const ofDefault = makeTrace(plain, scope);
      // The same trace id as ofGlobex, from a resource naming no tenant: another tenant's trace.
      const twin = makeTrace(plain, scope).map((s) => ({ ...s, traceId: ofGlobex[0].traceId }));
      const refused = makeTrace(globex, scope);
      const badResource = makeTrace(makeResource('evil', { 't2t.tenant': '../etc' }), scope);
      const besideBad = makeTrace(globex, scope);
      const proto = (spans: typeof headerWins) => Buffer.from(encodeTraceRequestProto(spans));

      // One partition, so the offsets below are the order here.
      await produce(kafka, ingest.topics.input, [
        { value: proto(headerWins), headers: { 'x-t2t-tenant': 'acme' }, partition: 0 },
        { value: proto([...ofGlobex, ...ofDefault, ...twin]), partition: 0 },
        { value: proto(refused), headers: { 'x-t2t-tenant': 'Acme Corp' }, partition: 0 },
        { value: proto([...badResource, ...besideBad]), partition: 0 },
      ]);

      const stored = [...headerWins, ...ofGlobex, ...ofDefault, ...twin, ...besideBad];
      await eventually(
        async () => (await storedRows(ingest.ch)).length >= stored.length,
        'the spans of valid tenants stored',
      );
      const rows = await storedRows(ingest.ch);
      expect(rows).toHaveLength(stored.length);
      const tenantOf = new Map(rows.map((r) => [r.SpanId, r.Tenant]));
      const expected = new Map<string, string>([
        ...headerWins.map((s) => [s.spanId, 'acme'] as const),
        ...ofGlobex.map((s) => [s.spanId, 'globex'] as const),
        ...ofDefault.map((s) => [s.spanId, 'default'] as const),
        ...twin.map((s) => [s.spanId, 'default'] as const),
        ...besideBad.map((s) => [s.spanId, 'globex'] as const),
      ]);
      expect(tenantOf).toEqual(expected);

      // spans_by_trace: one record per (tenant, trace), with the tenant in its header; the trace id
      // two tenants share is two records, each holding only its tenant's spans.
      const records = await consumeUntil(
        kafka,
        ingest.topics.output,
        (rs) =>
          rs.reduce((n, r) => n + decodeTraceRecord(r.value).spans.length, 0) >= stored.length,
      );
      const traces = records.map((r) => {
        const rec = decodeTraceRecord(r.value);
        expect(r.key).toBe(rec.traceId);
        return {
          tenant: r.headers[TENANT_RECORD_HEADER],
          traceId: rec.traceId,
          spans: rec.spans.map((s) => s.spanId).sort(),
        };
      });
      const want = (tenant: string, spans: typeof headerWins) => ({
        tenant,
        traceId: spans[0].traceId,
        spans: spans.map((s) => s.spanId).sort(),
      });
      const byKey = (a: { tenant?: string; traceId: string }) => `${a.tenant}/${a.traceId}`;
      expect(traces.sort((a, b) => byKey(a).localeCompare(byKey(b)))).toEqual(
        [
          want('acme', headerWins),
          want('globex', ofGlobex),
          want('default', ofDefault),
          want('default', twin),
          want('globex', besideBad),
        ].sort((a, b) => byKey(a).localeCompare(byKey(b))),
      );

      // Dead letters: the message whose header names a malformed tenant, whole; the spans of the
      // resource naming one, alone.
      const dlq = await consumeUntil(kafka, ingest.topics.dlq, (rs) => rs.length >= 2);
      expect(dlq).toHaveLength(2);
      const byOffset = new Map(dlq.map((r) => [r.headers[HEADERS.dlqSourceOffset], r]));
      const whole = byOffset.get('2')!;
      expect(whole.value.equals(proto(refused))).toBe(true);
      expect(whole.headers[HEADERS.dlqReason]).toBe(
        `invalid_tenant: invalid tenant "Acme Corp" from the x-t2t-tenant record header: 1–63 characters of a-z, 0-9, '.', '_', '-', starting with a letter or digit`,
      );
      expect(whole.headers['x-t2t-tenant']).toBe('Acme Corp');
      const spans = byOffset.get('3')!;
      expect(spans.headers[HEADERS.contentType]).toBe(CONTENT_TYPES.otlpJson);
      expect(
        decodeTraceRequestJson(spans.value)
          .map((s) => s.spanId)
          .sort(),
      ).toEqual(badResource.map((s) => s.spanId).sort());
      expect(spans.headers[HEADERS.dlqReason]).toContain(
        `of trace ${badResource[0].traceId}: invalid_tenant: invalid tenant "../etc" from the t2t.tenant resource attribute`,
      );

      const metrics = await ingest.app.get(MetricsRegistry).text();
      expect(metrics).toMatch(
        /^t2t_ingest_dead_letters_total\{reason="invalid_tenant",service="ingest"\} 1$/m,
      );
      expect(metrics).toMatch(
        new RegExp(
          `^t2t_ingest_spans_total\\{outcome="rejected",reason="invalid_tenant",service="ingest"\\} ${badResource.length}$`,
          'm',
        ),
      );
    } finally {
      await ingest.close();
    }
  });
});
