import { CONTENT_TYPES, HEADERS } from '@t2t/messaging';
import { MetricsRegistry } from '@t2t/platform';
import { decodeTraceRequestJson, encodeTraceRequestJson, encodeTraceRequestProto } from '@t2t/otlp';
import {
  consumeUntil,
  eventually,
  makeResource,
  makeScope,
  makeTrace,
  testKafka,
  uniqueTopic,
} from '@t2t/test-support';
import { decodeTraceRecord } from '@t2t/wire';
import { collectorMessages, produce, startIngest, storedRows } from './ingest.fixture';

describe('ingest (real broker, embedded ClickHouse)', () => {
  const kafka = testKafka('ingest-test');

  it('stores every span of proto and JSON collector messages once, with all fields, and re-keys each trace to one partition', async () => {
    const ingest = await startIngest();
    try {
      const { messages, all } = collectorMessages();
      await produce(
        kafka,
        ingest.topics.input,
        messages.map((spans, i) =>
          i % 2 === 0
            ? { value: Buffer.from(encodeTraceRequestProto(spans)) } // the exporter's default: no header
            : {
                value: Buffer.from(encodeTraceRequestJson(spans)),
                headers: { [HEADERS.contentType]: CONTENT_TYPES.otlpJson },
              },
        ),
      );
      await eventually(
        async () => (await storedRows(ingest.ch)).length >= all.length,
        'all spans stored',
      );
      const rows = await storedRows(ingest.ch);
      expect(rows).toHaveLength(all.length);

      const byId = new Map(rows.map((r) => [`${r.TraceId}/${r.SpanId}`, r]));
      for (const span of all) {
        const row = byId.get(`${span.traceId}/${span.spanId}`)!;
        expect(row).toBeDefined();
        expect(row).toMatchObject({
          Timestamp: span.startTimeUnixNano.toString(),
          Duration: (span.endTimeUnixNano - span.startTimeUnixNano).toString(),
          ParentSpanId: span.parentSpanId,
          SpanName: span.name,
          ServiceName: span.resource.attributes['service.name'],
          ScopeName: span.scope.name,
          ScopeVersion: span.scope.version,
          Flags: span.flags,
          StatusMessage: span.status.message,
          'Events.Timestamp': span.events.map((e) => e.timeUnixNano.toString()),
          'Events.Name': span.events.map((e) => e.name),
          'Links.TraceId': span.links.map((l) => l.traceId),
          'Links.SpanId': span.links.map((l) => l.spanId),
          'Links.TraceState': span.links.map((l) => l.traceState),
        });
        expect(Object.keys(row.SpanAttributes).sort()).toEqual(Object.keys(span.attributes).sort());
      }
      const dbRow = rows.find((r) => r.SpanName === 'SELECT users')!;
      expect(dbRow.SpanKind).toBe('Client');
      expect(dbRow.SpanAttributes).toEqual({
        'db.system': 'postgresql',
        'db.statement': 'SELECT * FROM users WHERE id = $1',
        'db.rows': '1',
        cached: 'false',
      });
      expect(dbRow['Events.Attributes']).toEqual([{ bytes: '120' }]);
      const errorRow = rows.find((r) => r.SpanName === 'POST /potatoes')!;
      expect(errorRow).toMatchObject({ StatusCode: 'Error', StatusMessage: 'potato overflow' });
      expect(errorRow.SpanAttributes.ratio).toBe('0.25');
      expect(rows.find((r) => r.ServiceName === 'checkout')!.ResourceAttributes).toEqual({
        'service.name': 'checkout',
        'deployment.environment': 'test',
        'host.cores': '8',
      });

      // spans_by_trace: every span arrives, every record holds one trace, a trace never spans two partitions.
      const records = await consumeUntil(
        kafka,
        ingest.topics.output,
        (rs) => rs.reduce((n, r) => n + decodeTraceRecord(r.value).spans.length, 0) >= all.length,
      );
      const partitionsOfTrace = new Map<string, Set<number>>();
      const rekeyed = new Set<string>();
      for (const r of records) {
        const rec = decodeTraceRecord(r.value);
        expect(r.key).toBe(rec.traceId);
        partitionsOfTrace.set(
          rec.traceId,
          (partitionsOfTrace.get(rec.traceId) ?? new Set()).add(r.partition),
        );
        for (const s of rec.spans) rekeyed.add(`${rec.traceId}/${s.spanId}`);
      }
      expect(rekeyed).toEqual(new Set(all.map((s) => `${s.traceId}/${s.spanId}`)));
      expect([...partitionsOfTrace.values()].every((p) => p.size === 1)).toBe(true);
      expect(new Set([...partitionsOfTrace.values()].map((p) => [...p][0])).size).toBeGreaterThan(
        1,
      );
    } finally {
      await ingest.close();
    }
  });

  it('dead-letters a corrupt message, an oversized one and an invalid span with reasons; the good messages around them land', async () => {
    const ingest = await startIngest({ INGEST_MAX_MESSAGE_BYTES: '65536' });
    try {
      const resource = makeResource('checkout');
      const scope = makeScope();
      const good1 = makeTrace(resource, scope);
      const good2 = makeTrace(resource, scope);
      const withBadSpan = makeTrace(resource, scope);
      const badSpan = { ...withBadSpan[2], traceId: '0123456789abcdef' }; // 8-byte trace id
      const corrupt = Buffer.from([0x0a, 0xff, 0xff, 0xff, 0xff, 0x0f, 0x01, 0x02]);
      const oversized = Buffer.from(
        encodeTraceRequestProto(
          makeTrace(makeResource('big', { blob: 'x'.repeat(70_000) }), scope),
        ),
      );
      // Everything on one partition, so "around" means by offset.
      await produce(
        kafka,
        ingest.topics.input,
        [good1, null, null, [withBadSpan[0], withBadSpan[1], badSpan], good2].map((spans, i) => ({
          value:
            i === 1 ? corrupt : i === 2 ? oversized : Buffer.from(encodeTraceRequestProto(spans!)),
          partition: 0,
        })),
      );
      const expectedGood = [...good1, ...good2, withBadSpan[0], withBadSpan[1]];
      await eventually(
        async () => (await storedRows(ingest.ch)).length >= expectedGood.length,
        'good spans stored',
      );
      const dlq = await consumeUntil(kafka, ingest.topics.dlq, (rs) => rs.length >= 3);
      const rows = await storedRows(ingest.ch);
      expect(new Set(rows.map((r) => r.SpanId))).toEqual(
        new Set(expectedGood.map((s) => s.spanId)),
      );
      expect(rows).toHaveLength(expectedGood.length);

      expect(dlq).toHaveLength(3);
      const byOffset = new Map(dlq.map((r) => [r.headers[HEADERS.dlqSourceOffset], r]));
      const c = byOffset.get('1')!;
      expect(c.value.equals(corrupt)).toBe(true);
      expect(c.headers[HEADERS.dlqReason]).toMatch(/^undecodable: cannot decode as otlp_proto: /);
      expect(c.headers[HEADERS.dlqSourceTopic]).toBe(ingest.topics.input);
      expect(c.headers[HEADERS.dlqSourcePartition]).toBe('0');
      const o = byOffset.get('2')!;
      expect(o.value.equals(oversized)).toBe(true);
      expect(o.headers[HEADERS.dlqReason]).toBe(
        `oversized: message of ${oversized.length} bytes exceeds INGEST_MAX_MESSAGE_BYTES (65536)`,
      );
      const s = byOffset.get('3')!;
      expect(s.headers[HEADERS.dlqReason]).toContain(
        `span ${badSpan.spanId} of trace 0123456789abcdef: invalid_trace_id`,
      );
      expect(s.headers[HEADERS.contentType]).toBe(CONTENT_TYPES.otlpJson);
      expect(decodeTraceRequestJson(s.value).map((x) => x.spanId)).toEqual([badSpan.spanId]);

      const metrics = await ingest.app.get(MetricsRegistry).text();
      expect(metrics).toMatch(
        /^t2t_ingest_dead_letters_total\{reason="undecodable",service="ingest"\} 1$/m,
      );
      expect(metrics).toMatch(
        /^t2t_ingest_dead_letters_total\{reason="oversized",service="ingest"\} 1$/m,
      );
      expect(metrics).toMatch(
        /^t2t_ingest_spans_total\{outcome="rejected",reason="invalid_trace_id",service="ingest"\} 1$/m,
      );
      expect(metrics).toMatch(
        new RegExp(
          `^t2t_ingest_spans_total\\{outcome="stored",reason="",service="ingest"\\} ${expectedGood.length}$`,
          'm',
        ),
      );
    } finally {
      await ingest.close();
    }
  });

  it('reads JSON without a header when configured to (INGEST_ENCODING), repairs and counts, dead-letters an empty message and cuts a large dead letter', async () => {
    const ingest = await startIngest({
      INGEST_ENCODING: 'otlp_json',
      INGEST_DLQ_MAX_VALUE_BYTES: '1024',
    });
    try {
      const trace = makeTrace(makeResource('checkout'), makeScope());
      // One span ends before it starts: stored, with its end repaired, and counted.
      const backwards = {
        ...trace[1],
        endTimeUnixNano: trace[1].startTimeUnixNano - 1_000n,
      };
      const spans = [trace[0], backwards, trace[2]];
      const garbage = Buffer.alloc(4096, 0x7b); // '{{{{…': not JSON
      await produce(kafka, ingest.topics.input, [
        { value: Buffer.from(encodeTraceRequestJson(spans)), partition: 0 }, // no content-type header
        { value: Buffer.alloc(0), partition: 0 },
        { value: garbage, partition: 0 },
      ]);
      await eventually(
        async () => (await storedRows(ingest.ch)).length >= spans.length,
        'the JSON spans stored',
      );
      const dlq = await consumeUntil(kafka, ingest.topics.dlq, (rs) => rs.length >= 2);
      const byOffset = new Map(dlq.map((r) => [r.headers[HEADERS.dlqSourceOffset], r]));
      expect(byOffset.get('1')?.headers[HEADERS.dlqReason]).toBe('empty: message has no value');
      const cut = byOffset.get('2')!;
      expect(cut.headers[HEADERS.dlqReason]).toMatch(/^undecodable: cannot decode as otlp_json/);
      expect(cut.headers[HEADERS.dlqTruncated]).toBe('4096');
      expect(cut.value.equals(garbage.subarray(0, 1024))).toBe(true);

      const metrics = await ingest.app.get(MetricsRegistry).text();
      expect(metrics).toMatch(
        /^t2t_ingest_dead_letters_total\{reason="empty",service="ingest"\} 1$/m,
      );
      expect(metrics).toMatch(
        /^t2t_ingest_spans_total\{outcome="repaired",reason="end_before_start",service="ingest"\} 1$/m,
      );
    } finally {
      await ingest.close();
    }
  });

  it('re-keys a chunk whose trace records exceed the broker batch limit (1 MiB) onto a single partition', async () => {
    // Everything is on the topic before ingest starts, so the first fetch forms one large chunk.
    const input = uniqueTopic('otlp_spans');
    const output = uniqueTopic('spans_by_trace');
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics([
      { topic: input, partitions: 1 },
      { topic: output, partitions: 1 },
    ]);
    await admin.disconnect();
    const resource = makeResource('checkout', { 'host.name': 'node-1' });
    const scope = makeScope();
    const messages = Array.from({ length: 30 }, () =>
      Array.from({ length: 167 }, () => makeTrace(resource, scope)).flat(),
    );
    const total = messages.reduce((n, m) => n + m.length, 0);
    await produce(
      kafka,
      input,
      messages.map((spans) => ({ value: Buffer.from(encodeTraceRequestProto(spans)) })),
    );

    const ingest = await startIngest({
      INGEST_TOPIC: input,
      INGEST_OUTPUT_TOPIC: output,
      INGEST_DLQ_TOPIC: `${input}.dlq`,
    });
    try {
      await eventually(
        async () => (await storedRows(ingest.ch)).length >= total,
        'all spans stored',
      );
      const records = await consumeUntil(kafka, output, (rs) => rs.length >= 30 * 167);
      expect(records).toHaveLength(30 * 167);
      expect(records.reduce((n, r) => n + r.value.length, 0)).toBeGreaterThan(2 * 1024 * 1024);
      const metrics = await ingest.app.get(MetricsRegistry).text();
      expect(metrics).toMatch(/^t2t_ingest_chunk_rows_count\{service="ingest"\} 1$/m);
    } finally {
      await ingest.close();
    }
  });

  it('holds everything back while ClickHouse is down, commits nothing early, and catches up by itself', async () => {
    const ingest = await startIngest();
    try {
      ingest.spans.down = true;
      const { messages, all } = collectorMessages();
      await produce(
        kafka,
        ingest.topics.input,
        messages.map((spans) => ({ value: Buffer.from(encodeTraceRequestProto(spans)) })),
      );
      await eventually(() => ingest.spans.failures >= 3, 'failed insert attempts');

      const admin = kafka.admin();
      await admin.connect();
      const committedBefore = await admin.fetchOffsets(ingest.groupId, ingest.topics.input);
      // Nothing is committed past unwritten data: every partition is still at its start.
      for (const p of committedBefore) expect(['-1', '0']).toContain(p.offset);
      expect(await storedRows(ingest.ch)).toHaveLength(0);

      ingest.spans.down = false;
      await eventually(async () => (await storedRows(ingest.ch)).length >= all.length, 'catch-up');
      await eventually(async () => {
        const partitions = await admin.fetchOffsets(ingest.groupId, ingest.topics.input);
        return (
          partitions.reduce((n, p) => n + Math.max(0, Number(p.offset)), 0) === messages.length
        );
      }, 'offsets committed');
      await admin.disconnect();
      const rows = await storedRows(ingest.ch);
      expect(rows).toHaveLength(all.length);
      expect(new Set(rows.map((r) => r.SpanId)).size).toBe(all.length);
    } finally {
      await ingest.close();
    }
  });
});
