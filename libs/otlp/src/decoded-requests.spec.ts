import { makeResource, makeScope, makeTrace } from '@t2t/test-support';
import { DecodedRequests } from './decoded-requests';

describe(DecodedRequests.name, () => {
  const spans = makeTrace(makeResource('checkout'), makeScope());

  it('hands the spans of a body to the next reader of that same Buffer, once', () => {
    const handoff = new DecodedRequests(100);
    const body = Buffer.from('request bytes');
    handoff.put(body, spans);
    // Same content, another object: not the produced body.
    expect(handoff.take(Buffer.from('request bytes'))).toBeUndefined();
    expect(handoff.take(body)).toBe(spans);
    expect(handoff.take(body)).toBeUndefined();
    expect(handoff.spans).toBe(0);
  });

  it('holds at most maxSpans, giving up the oldest bodies first', () => {
    const handoff = new DecodedRequests(2 * spans.length);
    const bodies = [Buffer.from('a'), Buffer.from('b'), Buffer.from('c')];
    for (const b of bodies) handoff.put(b, spans);
    expect(handoff.spans).toBe(2 * spans.length);
    expect(handoff.take(bodies[0])).toBeUndefined();
    expect(handoff.take(bodies[1])).toBe(spans);
    expect(handoff.take(bodies[2])).toBe(spans);
    handoff.put(Buffer.from('too many'), [...spans, ...spans, ...spans]);
    expect(handoff.spans).toBe(0);
  });
});
