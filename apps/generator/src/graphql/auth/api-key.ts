import { DEFAULT_TENANT, InvalidTenantError, parseTenant } from '@t2t/wire';

/**
 * What an API key may do, each role including the one before it: `read` runs queries, `generate`
 * also the mutations that generate, verify or record test runs, `admin` everything.
 */
export const API_ROLES = ['read', 'generate', 'admin'] as const;

export type ApiRole = (typeof API_ROLES)[number];

/** Shortest API key accepted: anything shorter is guessable by brute force over HTTP. */
export const MIN_API_KEY_LENGTH = 16;

/** Whether a key of role `held` may do what needs role `needed`. */
export function roleAllows(held: ApiRole, needed: ApiRole): boolean {
  return API_ROLES.indexOf(held) >= API_ROLES.indexOf(needed);
}

/** One configured key: the secret, and the tenant and role every request with it acts as. */
export interface ApiKeyEntry {
  key: string;
  tenant: string;
  role: ApiRole;
}

/**
 * One entry of `GRAPHQL_API_KEYS` (or a line of `GRAPHQL_API_KEYS_FILE`): `<tenant>:<role>:<key>`,
 * or a bare `<key>`, which is tenant `default` with role `admin` (what every key meant before keys
 * had tenants, so existing installations keep working). An entry with a `:` is always read as
 * scoped: the key is everything after the second `:`. Throws with a message that names `from`
 * but never shows the key.
 */
export function parseApiKeyEntry(entry: string, from: string): ApiKeyEntry {
  const text = entry.trim();
  const first = text.indexOf(':');
  if (first < 0) return checkedKey({ key: text, tenant: DEFAULT_TENANT, role: 'admin' }, from);
  const second = text.indexOf(':', first + 1);
  if (second < 0) {
    throw new Error(
      `${from} has one ":"; a scoped key is <tenant>:<role>:<key> (a bare key has no ":")`,
    );
  }
  const tenantText = text.slice(0, first).trim();
  const roleText = text.slice(first + 1, second).trim();
  let tenant: string;
  try {
    tenant = parseTenant(tenantText, from);
  } catch (e) {
    if (e instanceof InvalidTenantError) throw new Error(e.message);
    throw e;
  }
  if (!(API_ROLES as readonly string[]).includes(roleText)) {
    throw new Error(
      `${from} has the unknown role ${JSON.stringify(roleText.slice(0, 40))}: one of ${API_ROLES.join(', ')}`,
    );
  }
  return checkedKey(
    { key: text.slice(second + 1).trim(), tenant, role: roleText as ApiRole },
    from,
  );
}

function checkedKey(entry: ApiKeyEntry, from: string): ApiKeyEntry {
  if (entry.key.length < MIN_API_KEY_LENGTH) {
    throw new Error(`${from} has a key shorter than ${MIN_API_KEY_LENGTH} characters`);
  }
  if (/\s/.test(entry.key)) throw new Error(`${from} has a key with white space in it`);
  return entry;
}

/**
 * The entries of a `GRAPHQL_API_KEYS` value, each with where it is (for messages): separated by
 * commas, or by lines when the value comes from `GRAPHQL_API_KEYS_FILE`, where lines starting with
 * `#` are comments. Empty entries are left out.
 */
export function apiKeyEntries(value: string | undefined): { entry: string; from: string }[] {
  const lines = (value ?? '').split(/\r?\n/);
  const out: { entry: string; from: string }[] = [];
  for (const [l, line] of lines.entries()) {
    if (line.trim().startsWith('#')) continue;
    for (const entry of line.split(',').map((e) => e.trim())) {
      if (entry === '') continue;
      const where = lines.length > 1 ? `line ${l + 1}, ` : '';
      out.push({ entry, from: `${where}entry ${out.length + 1} of GRAPHQL_API_KEYS` });
    }
  }
  return out;
}

/**
 * The parsed keys, and every problem found, each with the entry it is about: one per bad entry,
 * and one per key given again (even with the same tenant and role: a repeated secret is a copy
 * and paste mistake, and with different ones it could not say which tenant a request is for).
 */
export function parseApiKeys<E extends { entry: string; from: string }>(
  entries: readonly E[],
): { keys: ApiKeyEntry[]; problems: { at: E; message: string }[] } {
  const keys: ApiKeyEntry[] = [];
  const problems: { at: E; message: string }[] = [];
  const seen = new Map<string, string>();
  for (const at of entries) {
    let parsed: ApiKeyEntry;
    try {
      parsed = parseApiKeyEntry(at.entry, at.from);
    } catch (e) {
      problems.push({ at, message: e instanceof Error ? e.message : String(e) });
      continue;
    }
    const earlier = seen.get(parsed.key);
    if (earlier !== undefined) {
      problems.push({ at, message: `${at.from} repeats the key of ${earlier}` });
      continue;
    }
    seen.set(parsed.key, at.from);
    keys.push(parsed);
  }
  return { keys, problems };
}
