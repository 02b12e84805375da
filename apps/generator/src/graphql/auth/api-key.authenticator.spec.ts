import { ApiKeyAuthenticator, presentedKeys } from './api-key.authenticator';

const KEY = 'k-0123456789abcdef';

describe(ApiKeyAuthenticator.name, () => {
  const sut = new ApiKeyAuthenticator([KEY, 'k-second-key-0000000']);

  it('accepts a configured key as a bearer token or in x-api-key', () => {
    expect(() => sut.authenticate({ authorization: `Bearer ${KEY}` })).not.toThrow();
    expect(() => sut.authenticate({ authorization: `bearer  ${KEY} ` })).not.toThrow();
    expect(() => sut.authenticate({ 'x-api-key': 'k-second-key-0000000' })).not.toThrow();
  });

  it('refuses missing and wrong keys with UNAUTHENTICATED and HTTP 401', () => {
    for (const [headers, message] of [
      [{}, 'API key required'],
      [{ authorization: `Basic ${KEY}` }, 'API key required'],
      [{ authorization: `Bearer ${KEY}x` }, 'invalid API key'],
      [{ 'x-api-key': KEY.slice(1) }, 'invalid API key'],
    ] as const) {
      let error: any;
      try {
        sut.authenticate(headers);
      } catch (e) {
        error = e;
      }
      expect(error?.message).toContain(message);
      expect(error?.extensions.code).toBe('UNAUTHENTICATED');
      expect(error?.extensions.http.status).toBe(401);
    }
  });

  it('lets everything through when no key is configured (GRAPHQL_AUTH=off)', () => {
    const open = new ApiKeyAuthenticator([]);
    expect(open.enabled).toBe(false);
    expect(() => open.authenticate({})).not.toThrow();
  });

  it('reads keys from both headers', () => {
    expect(presentedKeys({ authorization: 'Bearer a', 'x-api-key': ' b ' })).toEqual(['a', 'b']);
    expect(presentedKeys({ authorization: 'Bearer' })).toEqual([]);
  });
});
