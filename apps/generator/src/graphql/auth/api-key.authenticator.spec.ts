import { ApiKeyAuthenticator, presentedKeys } from './api-key.authenticator';

const KEY = 'k-0123456789abcdef';
const A_READ = 'k-tenant-a-read-000000';
const B_ADMIN = 'k-tenant-b-admin-00000';
const HEADER = 'x-t2t-tenant';

function refusal(run: () => unknown): { message: string; code: unknown; status: unknown } {
  try {
    run();
  } catch (e: any) {
    return { message: e.message, code: e.extensions?.code, status: e.extensions?.http?.status };
  }
  throw new Error('expected a refusal');
}

describe(ApiKeyAuthenticator.name, () => {
  const sut = new ApiKeyAuthenticator(
    [
      { key: KEY, tenant: 'default', role: 'admin' },
      { key: 'k-second-key-0000000', tenant: 'default', role: 'admin' },
      { key: A_READ, tenant: 'a', role: 'read' },
      { key: B_ADMIN, tenant: 'b', role: 'admin' },
    ],
    HEADER,
  );

  it('accepts a configured key as a bearer token or in x-api-key', () => {
    expect(sut.authenticate({ authorization: `Bearer ${KEY}` })).toEqual({
      tenant: 'default',
      role: 'admin',
      keyed: true,
    });
    expect(() => sut.authenticate({ authorization: `bearer  ${KEY} ` })).not.toThrow();
    expect(() => sut.authenticate({ 'x-api-key': 'k-second-key-0000000' })).not.toThrow();
  });

  it("answers the key's tenant and role", () => {
    expect(sut.authenticate({ authorization: `Bearer ${A_READ}` })).toEqual({
      tenant: 'a',
      role: 'read',
      keyed: true,
    });
    expect(sut.authenticate({ 'x-api-key': B_ADMIN })).toMatchObject({
      tenant: 'b',
      role: 'admin',
    });
  });

  it('refuses missing and wrong keys with UNAUTHENTICATED and HTTP 401', () => {
    for (const [headers, message] of [
      [{}, 'API key required'],
      [{ authorization: `Basic ${KEY}` }, 'API key required'],
      [{ authorization: `Bearer ${KEY}x` }, 'invalid API key'],
      [{ 'x-api-key': KEY.slice(1) }, 'invalid API key'],
    ] as const) {
      expect(refusal(() => sut.authenticate(headers))).toEqual({
        message: expect.stringContaining(message),
        code: 'UNAUTHENTICATED',
        status: 401,
      });
    }
  });

  it('refuses two keys of different tenants or roles in one request', () => {
    expect(
      refusal(() => sut.authenticate({ authorization: `Bearer ${A_READ}`, 'x-api-key': B_ADMIN })),
    ).toMatchObject({ code: 'UNAUTHENTICATED', status: 401 });
  });

  it("lets the tenant header repeat the key's tenant, and refuses any other with FORBIDDEN and 403", () => {
    expect(sut.authenticate({ authorization: `Bearer ${B_ADMIN}`, [HEADER]: 'b' }).tenant).toBe(
      'b',
    );
    expect(sut.authenticate({ authorization: `Bearer ${B_ADMIN}`, [HEADER]: ' ' }).tenant).toBe(
      'b',
    );
    for (const asked of ['a', 'default', 'B', 'b, a', "b' OR 1=1"]) {
      const refused = refusal(() =>
        sut.authenticate({ authorization: `Bearer ${B_ADMIN}`, [HEADER]: asked }),
      );
      expect(refused).toMatchObject({ code: 'FORBIDDEN', status: 403 });
      expect(refused.message).toContain('tenant "b"');
      expect(refused.message).toContain(`header ${HEADER}`);
    }
    // A bare key is tenant default: another tenant in the header is refused alike.
    expect(
      refusal(() => sut.authenticate({ authorization: `Bearer ${KEY}`, [HEADER]: 'a' })),
    ).toMatchObject({ code: 'FORBIDDEN' });
  });

  it('checks the key before the header: a wrong key with a tenant header is UNAUTHENTICATED', () => {
    expect(
      refusal(() =>
        sut.authenticate({ authorization: 'Bearer k-nope-0000000000000', [HEADER]: 'a' }),
      ),
    ).toMatchObject({ code: 'UNAUTHENTICATED' });
  });

  describe('with no key configured (GRAPHQL_AUTH=off)', () => {
    const open = new ApiKeyAuthenticator([], HEADER);

    it('lets everything through as admin of the tenant the header names, default without one', () => {
      expect(open.enabled).toBe(false);
      expect(open.authenticate({})).toEqual({ tenant: 'default', role: 'admin', keyed: false });
      expect(open.authenticate({ [HEADER]: 'acme-eu.1' })).toEqual({
        tenant: 'acme-eu.1',
        role: 'admin',
        keyed: false,
      });
    });

    it('refuses a malformed tenant header with BAD_USER_INPUT and 400', () => {
      for (const asked of ['Acme', "a' OR 1=1 --", 'a\u0000', 'x'.repeat(64), 'a, b']) {
        expect(refusal(() => open.authenticate({ [HEADER]: asked }))).toMatchObject({
          code: 'BAD_USER_INPUT',
          status: 400,
        });
      }
    });
  });

  it('reads keys from both headers', () => {
    expect(presentedKeys({ authorization: 'Bearer a', 'x-api-key': ' b ' })).toEqual(['a', 'b']);
    expect(presentedKeys({ authorization: 'Bearer' })).toEqual([]);
  });
});
