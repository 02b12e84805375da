import { isIdToken, isIpAddress } from './id-token.classifier';

/** What replaces a per-request value in a path or a span name. */
export const ID_PLACEHOLDER = '{id}';

/**
 * The route-like form of a URL path: every segment that is a per-request value (see isIdToken)
 * becomes `{id}`, static segments stay. Accepts a path (`/users/42?x=1`) or a full URL
 * (`https://api.example.com/users/42`, whose scheme and authority are dropped). The query, the
 * fragment and matrix parameters (`;jsessionid=…`) are dropped: they carry values, not routes. A
 * trailing slash is dropped too (`/users/` → `/users`), since clients differ there, not routes.
 */
export function normalizeUrlPath(url: string): string {
  let end = url.length;
  const query = url.indexOf('?');
  if (query >= 0) end = query;
  const fragment = url.indexOf('#');
  if (fragment >= 0 && fragment < end) end = fragment;
  const start = pathStart(url, end);
  if (start >= end) return start > 0 ? '/' : '';

  let out = '';
  let changed = start !== 0 || end !== url.length;
  let segStart = start;
  let semicolon = url.indexOf(';', start);
  for (let i = start; i <= end; i++) {
    if (i < end && url.charCodeAt(i) !== 47 /* / */) continue;
    let segEnd = i;
    if (semicolon >= 0 && semicolon < segStart) semicolon = url.indexOf(';', segStart);
    if (semicolon >= 0 && semicolon < segEnd) {
      segEnd = semicolon;
      changed = true;
    }
    if (segStart > start) out += '/';
    if (isIdToken(url, segStart, segEnd)) {
      out += ID_PLACEHOLDER;
      changed = true;
    } else {
      out += url.slice(segStart, segEnd);
    }
    segStart = i + 1;
  }
  if (out.length > 1 && out.charCodeAt(out.length - 1) === 47) {
    out = out.slice(0, -1);
    changed = true;
  }
  return changed ? out : url;
}

/** Where the path starts: after `scheme://authority` for an absolute URL, else 0. */
function pathStart(url: string, end: number): number {
  const scheme = url.indexOf('://');
  if (scheme <= 0 || scheme >= end || !isScheme(url, scheme)) return 0;
  const slash = url.indexOf('/', scheme + 3);
  return slash < 0 || slash >= end ? end : slash;
}

function isScheme(url: string, end: number): boolean {
  for (let i = 0; i < end; i++) {
    const c = url.charCodeAt(i) | 0x20;
    if (!(
      (c >= 97 && c <= 122) ||
      (i > 0 && (isDigitCode(c) || c === 0x2b || c === 0x2d || c === 0x2e))
    )) {
      return false;
    }
  }
  return true;
}

function isDigitCode(c: number): boolean {
  return c >= 48 && c <= 57;
}

/**
 * The host of a URL (`https://user@api.example.com:8443/x` → `api.example.com`), or '' when `url`
 * is not absolute.
 */
export function urlHost(url: string): string {
  const scheme = url.indexOf('://');
  if (scheme <= 0 || !isScheme(url, scheme)) return '';
  let start = scheme + 3;
  let end = url.length;
  for (let i = start; i < url.length; i++) {
    const c = url.charCodeAt(i);
    if (c === 47 || c === 63 || c === 35) {
      end = i;
      break;
    }
  }
  const at = url.lastIndexOf('@', end);
  if (at >= start) start = at + 1;
  return stripPort(url.slice(start, end));
}

/** `api.example.com:8443` → `api.example.com`; IPv6 literals keep their colons. */
export function stripPort(host: string): string {
  if (host.charCodeAt(0) === 91 /* [ */) {
    const close = host.indexOf(']');
    return close > 0 ? host.slice(0, close + 1) : host;
  }
  const colon = host.lastIndexOf(':');
  if (colon < 0 || host.indexOf(':') !== colon) return host;
  for (let i = colon + 1; i < host.length; i++) if (!isDigitCode(host.charCodeAt(i))) return host;
  return host.slice(0, colon);
}

/**
 * A peer host as a label may hold it: IP literals become `{ip}` (they differ per pod and
 * replica), DNS labels that are per-request values (`10-0-3-17.pod…`, generated pod names) become
 * `{id}`; ports are dropped.
 */
export function normalizeHost(host: string): string {
  const bare = stripPort(host);
  if (isIpAddress(bare)) return '{ip}';
  let out = '';
  let changed = bare !== host;
  let start = 0;
  for (let i = 0; i <= bare.length; i++) {
    if (i < bare.length && bare.charCodeAt(i) !== 46 /* . */) continue;
    if (start > 0) out += '.';
    if (isIdToken(bare, start, i)) {
      out += ID_PLACEHOLDER;
      changed = true;
    } else out += bare.slice(start, i);
    start = i + 1;
  }
  return changed ? out : host;
}
