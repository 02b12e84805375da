import type { SourceRecord } from '@t2t/messaging';
import { DecodedRequests, decodeTraceRequestJson, encodeTraceRequestJson } from '@t2t/otlp';
import { makeResource, makeScope, makeTrace } from '@t2t/test-support';
import { OtlpMessagePreparer } from './otlp-message.preparer';

const spans = makeTrace(makeResource('checkout'), makeScope());

function record(value: Buffer): SourceRecord {
  return {
    topic: 'otlp_spans',
    partition: 0,
    offset: '0',
    key: null,
    value,
    headers: { 'content-type': 'application/json' },
    timestamp: '0',
  };
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
});
