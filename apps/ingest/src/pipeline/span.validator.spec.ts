import { attrs, makeResource, makeScope, makeSpan, T0 } from '@t2t/test-support';
import { MIN_START_UNIX_NANO, validateSpans } from './span.validator';

const resource = makeResource('checkout');
const scope = makeScope();
const now = T0 + 60_000_000_000n;
const opts = { nowUnixNano: now, maxFutureSkewNano: 3_600_000_000_000n };

describe(validateSpans.name, () => {
  it('accepts a valid span unchanged, with its service name', () => {
    const span = makeSpan({ resource, scope });
    const r = validateSpans([span], opts);
    expect(r.accepted).toEqual([{ span, serviceName: 'checkout' }]);
    expect(r.accepted[0].span).toBe(span);
    expect(r.rejected).toEqual([]);
    expect(r.repairs).toEqual({});
  });

  it.each([
    ['an 8-byte trace id', { traceId: '0123456789abcdef' }, 'invalid_trace_id'],
    ['an all-zero trace id', { traceId: '0'.repeat(32) }, 'invalid_trace_id'],
    ['an empty span id', { spanId: '' }, 'invalid_span_id'],
    ['an all-zero span id', { spanId: '0'.repeat(16) }, 'invalid_span_id'],
    ['a start time of 0', { startTimeUnixNano: 0n }, 'start_too_old'],
    ['a start time before 2000', { startTimeUnixNano: MIN_START_UNIX_NANO - 1n }, 'start_too_old'],
    [
      'a start two hours ahead of now',
      { startTimeUnixNano: now + 7_200_000_000_000n },
      'start_in_future',
    ],
  ])('rejects %s', (_, overrides, reason) => {
    const r = validateSpans([makeSpan({ resource, scope, ...overrides })], opts);
    expect(r.accepted).toEqual([]);
    expect(r.rejected.map((x) => x.reason)).toEqual([reason]);
  });

  it('repairs what can be repaired and counts each repair', () => {
    const link = {
      traceId: 'ab',
      spanId: '00f067aa0ba902b7',
      traceState: '',
      attributes: attrs({}),
      droppedAttributesCount: 0,
      flags: 0,
    };
    const goodLink = { ...link, traceId: '4bf92f3577b34da6a3ce929d0e0e4736' };
    const span = makeSpan({
      resource: makeResource(''),
      scope,
      parentSpanId: 'abcd',
      startTimeUnixNano: T0,
      endTimeUnixNano: T0 - 5n,
      links: [link, goodLink],
    });
    const r = validateSpans([span], opts);
    expect(r.rejected).toEqual([]);
    expect(r.accepted).toHaveLength(1);
    const fixed = r.accepted[0];
    expect(fixed.span).toMatchObject({ parentSpanId: '', endTimeUnixNano: T0, links: [goodLink] });
    expect(fixed.serviceName).toBe('unknown_service');
    expect(r.repairs).toEqual({
      invalid_parent_span_id: 1,
      end_before_start: 1,
      invalid_link: 1,
      missing_service_name: 1,
    });
    // The input span is not modified.
    expect(span.parentSpanId).toBe('abcd');
  });

  it('treats an all-zero parent id as a root', () => {
    const r = validateSpans(
      [makeSpan({ resource, scope, parentSpanId: '0000000000000000' })],
      opts,
    );
    expect(r.accepted[0].span.parentSpanId).toBe('');
  });
});
