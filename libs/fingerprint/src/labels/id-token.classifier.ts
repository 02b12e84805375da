/**
 * Decides whether a piece of text (a URL segment, a word of a span name, a cache-key part) is a
 * value that varies per request: an id, a number, a token, an email, a date. Such values must never
 * reach a label or an endpoint key, or every request would get its own fingerprint.
 *
 * One pass over the characters with flags instead of a list of regular expressions: this runs for
 * every segment of every span name and URL (100k+ spans/s), and a scan cannot backtrack.
 */

/** Long opaque tokens (API keys, base64url ids, JWT parts) are at least this long. */
const LONG_TOKEN_MIN = 16;
/** Shorter hex strings are too often real words or short codes (`cafe`, `add`). */
const HEX_MIN = 8;

/** Whether `s[start, end)` is a per-request value. An empty range is not. */
export function isIdToken(s: string, start = 0, end = s.length): boolean {
  const len = end - start;
  if (len <= 0) return false;
  let digits = 0;
  let letters = 0;
  let hexOnly = true;
  // Characters of numbers, decimals, dates, times and IPv4 addresses: 0-9 . , : + - _
  let numericOnly = true;
  // base64url plus what JWTs and percent-encoding add: A-Z a-z 0-9 - _ . ~ = % +
  let tokenOnly = true;
  let at = -1;
  let dotAfterAt = false;
  for (let i = start; i < end; i++) {
    const c = s.charCodeAt(i);
    if (c >= 48 && c <= 57) {
      digits++;
      continue;
    }
    const lower = c | 0x20;
    if (lower >= 97 && lower <= 122) {
      letters++;
      numericOnly = false;
      if (lower > 102) hexOnly = false;
      continue;
    }
    hexOnly = false;
    switch (c) {
      case 45: // -
      case 95: // _
      case 43: // +
        break;
      case 46: // .
        if (at >= 0) dotAfterAt = true;
        break;
      case 44: // ,
      case 58: // :
        tokenOnly = false;
        break;
      case 126: // ~
        numericOnly = false;
        break;
      case 61: // =: base64 padding at the end only; inside, it is `key=value`
        numericOnly = false;
        if (i + 1 < end && s.charCodeAt(i + 1) !== 61) tokenOnly = false;
        break;
      case 37: // %: an encoded '@' (%40) still makes an email
        numericOnly = false;
        if (at < 0 && i + 2 < end && s.charCodeAt(i + 1) === 52 && s.charCodeAt(i + 2) === 48) {
          at = i;
        }
        break;
      case 64: // @
        numericOnly = false;
        tokenOnly = false;
        if (at < 0) at = i;
        break;
      default:
        numericOnly = false;
        tokenOnly = false;
    }
  }
  if (digits === len) return true;
  if (hexOnly && len >= HEX_MIN) return true;
  if (numericOnly && digits > 0 && startsNumeric(s, start, end)) return true;
  if (at > start && dotAfterAt) return true;
  if (len === 36 && isUuid(s, start)) return true;
  if (isIsoDate(s, start, end)) return true;
  return (
    tokenOnly && len >= LONG_TOKEN_MIN && digits > 0 && letters > 0 && !isWordSlug(s, start, end)
  );
}

/**
 * Words joined by `-`, `_` or `.`, each letters with at most two trailing digits
 * (`oauth2-authorization-server`, `s3-presigned-upload`): a long static name, not a token. Random
 * tokens almost never split that way (`ch_3MqBfL2eZvKYlo2C`, `checkout-7f9c6d5b8-x2k4q` do not).
 */
function isWordSlug(s: string, start: number, end: number): boolean {
  let letters = 0;
  let digits = 0;
  for (let i = start; i <= end; i++) {
    const c = i < end ? s.charCodeAt(i) : 45;
    if (c === 45 || c === 95 || c === 46) {
      if (letters === 0 || digits > 2) return false;
      letters = 0;
      digits = 0;
    } else if (isDigit(c)) {
      digits++;
    } else {
      const lower = c | 0x20;
      if (digits > 0 || lower < 97 || lower > 122) return false;
      letters++;
    }
  }
  return true;
}

function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}

function isHex(c: number): boolean {
  const lower = c | 0x20;
  return isDigit(c) || (lower >= 97 && lower <= 102);
}

/** A digit first, or a sign then a digit: `-12.5`, `2024-01-15`, `10.0.0.1`, `52.5,13.4`. */
function startsNumeric(s: string, start: number, end: number): boolean {
  const c = s.charCodeAt(start);
  if (isDigit(c)) return true;
  return (c === 43 || c === 45) && start + 1 < end && isDigit(s.charCodeAt(start + 1));
}

/** 8-4-4-4-12 hex digits. */
function isUuid(s: string, start: number): boolean {
  for (let i = 0; i < 36; i++) {
    const c = s.charCodeAt(start + i);
    if (i === 8 || i === 13 || i === 18 || i === 23) {
      if (c !== 45) return false;
    } else if (!isHex(c)) return false;
  }
  return true;
}

/** YYYY-MM-DD with anything after it (`2024-01-15T10:00:00Z`). Dates without letters are numeric anyway. */
function isIsoDate(s: string, start: number, end: number): boolean {
  if (end - start < 10) return false;
  for (let i = 0; i < 10; i++) {
    const c = s.charCodeAt(start + i);
    if (i === 4 || i === 7 ? c !== 45 : !isDigit(c)) return false;
  }
  return true;
}

/** An IPv4 or IPv6 literal (optionally bracketed): peer addresses that change with every pod. */
export function isIpAddress(host: string): boolean {
  let colons = 0;
  let dots = 0;
  let hexLetters = false;
  for (let i = 0; i < host.length; i++) {
    const c = host.charCodeAt(i);
    if (c === 58) colons++;
    else if (c === 46) dots++;
    else if (c === 91 || c === 93 || isDigit(c)) continue;
    else if (isHex(c)) hexLetters = true;
    else return false;
  }
  if (colons >= 2) return true;
  return colons === 0 && dots === 3 && !hexLetters;
}
