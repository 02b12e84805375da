import { isIdToken, isIpAddress } from './id-token.classifier';
import { normalizeHost, normalizeUrlPath, stripPort, urlHost } from './url-path.normalizer';

describe(normalizeUrlPath.name, () => {
  it.each([
    // decimal numbers
    ['/users/42', '/users/{id}'],
    ['/users/42/orders/7', '/users/{id}/orders/{id}'],
    // UUIDs, upper and lower case
    ['/carts/550e8400-e29b-41d4-a716-446655440000', '/carts/{id}'],
    ['/carts/550E8400-E29B-41D4-A716-446655440000/items', '/carts/{id}/items'],
    // hex strings of 8+ characters (object ids, hashes), not shorter ones
    ['/files/507f1f77bcf86cd799439011', '/files/{id}'],
    ['/commits/deadbeef', '/commits/{id}'],
    ['/colors/beef', '/colors/beef'],
    // long mixed tokens (≥ 16, digits and letters, base64url-ish)
    ['/charges/ch_3MqBfL2eZvKYlo2C0Xa7dPWn', '/charges/{id}'],
    ['/t/eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.abc123', '/t/{id}'],
    ['/pods/checkout-7f9c6d5b8-x2k4q', '/pods/{id}'],
    // ...but long static names stay, even with a digit
    ['/.well-known/oauth2-authorization-server', '/.well-known/oauth2-authorization-server'],
    ['/api/customer-preferences', '/api/customer-preferences'],
    // emails, also percent-encoded
    ['/users/jane.doe@example.com/settings', '/users/{id}/settings'],
    ['/users/jane%40example.com', '/users/{id}'],
    // dates, times, decimals, coordinates, versions
    ['/reports/2024-01-15', '/reports/{id}'],
    ['/reports/2024-01-15T10:00:00Z', '/reports/{id}'],
    ['/geo/52.52,13.40', '/geo/{id}'],
    ['/pkg/lodash/4.17.21', '/pkg/lodash/{id}'],
    // static segments and templates stay
    ['/v1/users', '/v1/users'],
    ['/api/v2/items/{id}', '/api/v2/items/{id}'],
    ['/users/:id', '/users/:id'],
    ['/@scope/package', '/@scope/package'],
    // query, fragment, matrix parameters and trailing slash go
    ['/search?q=42&page=3', '/search'],
    ['/docs#section-2', '/docs'],
    ['/cart;jsessionid=A1B2C3D4E5/items', '/cart/items'],
    ['/users/', '/users'],
    ['/', '/'],
    ['', ''],
    // absolute URLs lose scheme and authority
    ['https://api.example.com/v1/users/42?expand=1', '/v1/users/{id}'],
    ['http://user:pw@10.0.0.7:8080/orders/9', '/orders/{id}'],
    ['https://api.example.com', '/'],
    ['https://api.example.com?x=1', '/'],
  ])('%s → %s', (input, expected) => {
    expect(normalizeUrlPath(input)).toBe(expected);
  });

  it('returns the same string when nothing changes (no copy on the hot path)', () => {
    const path = '/v1/users/{id}';
    expect(normalizeUrlPath(path)).toBe(path);
  });
});

describe(isIdToken.name, () => {
  it.each([
    ['42', true],
    ['-12.5', true],
    ['10:30:00', true],
    ['0', true],
    ['v1', false],
    ['abc123', false],
    ['users', false],
    ['cafebabe', true],
    ['Accepted', false],
    ['s3-presigned-upload-v2', false],
    ['cus_NffrFeUfNV2Hib', true],
    ['', false],
  ])('%s → %s', (input, expected) => {
    expect(isIdToken(input)).toBe(expected);
  });

  it('reads only the given range', () => {
    expect(isIdToken('ab42cd', 2, 4)).toBe(true);
    expect(isIdToken('ab42cd', 0, 2)).toBe(false);
  });
});

describe('hosts', () => {
  it.each([
    ['10.0.3.17', true],
    ['::1', true],
    ['[2001:db8::1]', true],
    ['fe80::1ff:fe23:4567:890a', true],
    ['1.2.3', false],
    ['api.example.com', false],
    ['cafe', false],
  ])('isIpAddress(%s) → %s', (host, expected) => {
    expect(isIpAddress(host)).toBe(expected);
  });

  it.each([
    ['api.example.com', 'api.example.com'],
    ['api.example.com:8443', 'api.example.com'],
    ['10.0.3.17:8080', '{ip}'],
    ['[::1]:8080', '{ip}'],
    ['10-0-3-17.default.pod.cluster.local', '{id}.default.pod.cluster.local'],
    ['checkout-7f9c6d5b8-x2k4q.checkout.svc', '{id}.checkout.svc'],
  ])('normalizeHost(%s) → %s', (host, expected) => {
    expect(normalizeHost(host)).toBe(expected);
  });

  it('extracts and strips', () => {
    expect(urlHost('https://user:pw@api.example.com:8443/x?y#z')).toBe('api.example.com');
    expect(urlHost('/relative/path')).toBe('');
    expect(stripPort('[::1]:80')).toBe('[::1]');
    expect(stripPort('fe80::1')).toBe('fe80::1');
  });
});
