import { apiKeyEntries, parseApiKeyEntry, parseApiKeys, roleAllows } from './api-key';

const KEY = 'k-0123456789abcdef';

function problem(entry: string): string {
  try {
    parseApiKeyEntry(entry, 'entry 1 of GRAPHQL_API_KEYS');
  } catch (e) {
    return (e as Error).message;
  }
  throw new Error(`expected ${entry} to be refused`);
}

describe('API key entries', () => {
  it('reads <tenant>:<role>:<key>', () => {
    expect(parseApiKeyEntry(`acme:read:${KEY}`, 'x')).toEqual({
      key: KEY,
      tenant: 'acme',
      role: 'read',
    });
    expect(parseApiKeyEntry(` eu-1.shop : generate : ${KEY} `, 'x')).toEqual({
      key: KEY,
      tenant: 'eu-1.shop',
      role: 'generate',
    });
    // The key is everything after the second colon.
    expect(parseApiKeyEntry(`acme:admin:${KEY}:more`, 'x').key).toBe(`${KEY}:more`);
  });

  it('reads a bare key as tenant default with role admin, as every key was before tenants', () => {
    expect(parseApiKeyEntry(KEY, 'x')).toEqual({ key: KEY, tenant: 'default', role: 'admin' });
  });

  it('refuses a bad tenant, an unknown role, a short key, a lone colon', () => {
    expect(problem(`Acme:read:${KEY}`)).toMatch(
      /invalid tenant "Acme" from entry 1 of GRAPHQL_API_KEYS/,
    );
    expect(problem(`:read:${KEY}`)).toMatch(/invalid tenant ""/);
    expect(problem(`acme:owner:${KEY}`)).toBe(
      'entry 1 of GRAPHQL_API_KEYS has the unknown role "owner": one of read, generate, admin',
    );
    expect(problem('acme:read:short')).toBe(
      'entry 1 of GRAPHQL_API_KEYS has a key shorter than 16 characters',
    );
    expect(problem('short')).toMatch(/shorter than 16/);
    expect(problem(`acme:${KEY}`)).toMatch(/has one ":"; a scoped key is <tenant>:<role>:<key>/);
    expect(problem('acme:read:k-0123456 789abcdef')).toMatch(/white space/);
  });

  it('never shows the key in a message', () => {
    for (const entry of [`Acme:read:${KEY}`, `acme:owner:${KEY}`, `acme:${KEY}`]) {
      expect(problem(entry)).not.toContain(KEY);
    }
  });

  it('refuses the same key twice, whatever its tenant and role', () => {
    const { keys, problems } = parseApiKeys(
      apiKeyEntries(`a:read:${KEY}, b:admin:${KEY}, ${KEY}x`),
    );
    expect(keys.map((k) => k.tenant)).toEqual(['a', 'default']);
    expect(problems.map((p) => p.message)).toEqual([
      'entry 2 of GRAPHQL_API_KEYS repeats the key of entry 1 of GRAPHQL_API_KEYS',
    ]);
  });

  it('splits on commas, and on lines with # comments (the GRAPHQL_API_KEYS_FILE form)', () => {
    expect(apiKeyEntries(` ${KEY} ,, ${KEY}x `)).toEqual([
      { entry: KEY, from: 'entry 1 of GRAPHQL_API_KEYS' },
      { entry: `${KEY}x`, from: 'entry 2 of GRAPHQL_API_KEYS' },
    ]);
    const file = `# tenant a\na:read:${KEY}\r\n\n  # b's keys\nb:admin:${KEY}1, b:read:${KEY}2\n`;
    expect(apiKeyEntries(file)).toEqual([
      { entry: `a:read:${KEY}`, from: 'line 2, entry 1 of GRAPHQL_API_KEYS' },
      { entry: `b:admin:${KEY}1`, from: 'line 5, entry 2 of GRAPHQL_API_KEYS' },
      { entry: `b:read:${KEY}2`, from: 'line 5, entry 3 of GRAPHQL_API_KEYS' },
    ]);
    expect(apiKeyEntries(undefined)).toEqual([]);
  });

  it('orders roles read < generate < admin', () => {
    expect(roleAllows('admin', 'generate')).toBe(true);
    expect(roleAllows('generate', 'generate')).toBe(true);
    expect(roleAllows('generate', 'admin')).toBe(false);
    expect(roleAllows('read', 'generate')).toBe(false);
    expect(roleAllows('read', 'read')).toBe(true);
  });
});
