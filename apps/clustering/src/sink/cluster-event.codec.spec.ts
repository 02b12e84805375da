import { ClusterEventError, parseClusterEvent } from './cluster-event.codec';

const members = (extra: Record<string, unknown> = {}) =>
  Buffer.from(
    JSON.stringify({
      v: 1,
      type: 'members',
      partition: 0,
      endpoint: 'cart|HTTP GET /cart/{id}',
      fingerprint: '0123456789abcdef',
      traceIds: ['00000000000000000000000000100000'],
      startNs: ['1767225600000000000'],
      errors: [0],
      ...extra,
    }),
  );

describe(parseClusterEvent.name, () => {
  it('keeps the tenant the event names', () => {
    expect(parseClusterEvent(members({ tenant: 'acme' }), { 't2t-tenant': 'acme' }).tenant).toBe(
      'acme',
    );
  });

  it('takes the header when the event names none, else the implicit tenant', () => {
    expect(parseClusterEvent(members(), { 't2t-tenant': 'globex' }).tenant).toBe('globex');
    expect(parseClusterEvent(members()).tenant).toBe('default');
  });

  it('refuses a malformed tenant, or an event and header that disagree', () => {
    expect(() => parseClusterEvent(members({ tenant: 'Acme' }))).toThrow(
      new ClusterEventError('invalid tenant "Acme"'),
    );
    expect(() => parseClusterEvent(members({ tenant: 7 }))).toThrow(ClusterEventError);
    expect(() => parseClusterEvent(members(), { 't2t-tenant': "x' OR 1=1" })).toThrow(
      ClusterEventError,
    );
    expect(() =>
      parseClusterEvent(members({ tenant: 'acme' }), { 't2t-tenant': 'globex' }),
    ).toThrow('the event names tenant "acme", its header "globex"');
  });
});
