import { potatoTrace } from '../../test/model-trace.fixture';
import {
  duplicateSpan,
  flipCondition,
  insertSpan,
  moveSpans,
  removeSpans,
  reparentSpans,
  satisfying,
  setAttribute,
  setDuration,
  setStatus,
  violating,
} from './trace.mutations';

const ids = (t: { spans: { spanId: string }[] }) => t.spans.map((s) => s.spanId);

describe('trace mutations', () => {
  it('never touch their input', () => {
    const trace = potatoTrace();
    const before = structuredClone(trace);
    removeSpans(trace, ['os']);
    setAttribute(trace, ['gw'], 'user.id', undefined);
    setStatus(trace, ['gw'], 2);
    setDuration(trace, ['gw'], 1);
    reparentSpans(trace, ['ph'], '');
    moveSpans(trace, ['auth'], 0n);
    duplicateSpan(trace, 'ins', 2);
    flipCondition(
      trace,
      [{ attribute: 'user.likes_potatoes', op: '=', value: 'true' }],
      true,
      'gw',
    );
    expect(trace).toEqual(before);
  });

  it('removeSpans takes the subtree along', () => {
    expect(ids(removeSpans(potatoTrace(), ['os']))).toEqual(['gw', 'auth', 'call']);
  });

  it('setAttribute sets or removes; setStatus, setDuration, reparentSpans and moveSpans change one field', () => {
    const t = potatoTrace();
    expect(setAttribute(t, ['gw'], 'user.id', '7').spans[0].attributes['user.id']).toBe('7');
    expect('user.id' in setAttribute(t, ['gw'], 'user.id', undefined).spans[0].attributes).toBe(
      false,
    );
    expect(setStatus(t, ['gw'], 2).spans[0].statusCode).toBe(2);
    expect(setDuration(t, ['gw'], 5).spans[0].durationNs).toBe(5);
    expect(reparentSpans(t, ['ph'], 'gw').spans.find((s) => s.spanId === 'ph')!.parentSpanId).toBe(
      'gw',
    );
    expect(moveSpans(t, ['auth'], 9n).spans[1].startNs).toBe(9n);
  });

  it('duplicateSpan and insertSpan add spans with fresh ids', () => {
    const d = duplicateSpan(potatoTrace(), 'ins', 2);
    expect(new Set(ids(d)).size).toBe(d.spans.length);
    expect(d.spans.filter((s) => s.name === 'INSERT orders')).toHaveLength(3);
    const t = potatoTrace();
    const inserted = insertSpan(t, { ...t.spans[1], spanId: 'auth' }, 'gw');
    expect(inserted.spans).toHaveLength(t.spans.length + 1);
    expect(new Set(ids(inserted)).size).toBe(inserted.spans.length);
  });

  it('flipCondition changes the deciding attribute everywhere it is carried, not the structure', () => {
    const t = potatoTrace({ likesPotatoes: true });
    const { trace, request } = flipCondition(
      t,
      [{ attribute: 'user.likes_potatoes', op: '=', value: 'true' }],
      true,
      'gw',
      {
        'user.likes_potatoes': 'true',
      },
    );
    expect(
      trace.spans
        .filter((s) => s.attributes['user.likes_potatoes'] !== undefined)
        .map((s) => s.attributes['user.likes_potatoes']),
    ).toEqual(['false', 'false']);
    expect(ids(trace)).toEqual(ids(t));
    expect(request).toEqual({ 'user.likes_potatoes': 'false' });
    // A false conjunction needs every atom made true; a missing attribute goes on the fallback span.
    const flipped = flipCondition(
      t,
      [
        { attribute: 'cart.items', op: '>=', value: '10' },
        { attribute: 'payment.method', op: '!=', value: 'gift-card' },
      ],
      false,
      'gw',
    ).trace;
    expect(flipped.spans[0].attributes).toMatchObject({
      'cart.items': '10',
      'payment.method': 'gift-card-other',
    });
  });

  it('satisfying and violating values for each operator', () => {
    const atoms = [
      { attribute: 'a', op: '=', value: 'true' },
      { attribute: 'a', op: '!=', value: 'card' },
      { attribute: 'a', op: '>=', value: '10' },
      { attribute: 'a', op: '<', value: '10' },
    ] as const;
    expect(atoms.map(satisfying)).toEqual(['true', 'card-other', '10', '9']);
    expect(atoms.map(violating)).toEqual(['false', 'card', '9', '10']);
  });
});
