import { ApiError } from '../errors/api.errors';
import {
  decodeGlobalId,
  encodeGlobalId,
  type GlobalId,
  MAX_GLOBAL_ID_LENGTH,
  ownIdOf,
  parseGlobalId,
} from './global-id.codec';

const base64url = (text: string) => Buffer.from(text, 'utf8').toString('base64url');
/** encodeGlobalId for any decoded id (the typed signature cannot follow a union). */
const encode = (g: GlobalId) =>
  (encodeGlobalId as (type: string, ...key: string[]) => string)(g.type, ...g.key);
const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
/** The id with the last, partly unused character's lowest bit flipped: same bytes when decoded. */
const withTrailingBit = (id: string) =>
  id.slice(0, -1) + ALPHABET[ALPHABET.indexOf(id[id.length - 1]) ^ 1];
const TRACE = '0af7651916cd43dd8448eb211c80319c';
const HASH = '3f2a9c';

describe('global ids', () => {
  it('encodes `<Type>:<key>` as URL-safe base64 without padding', () => {
    const id = encodeGlobalId('Test', 'bhv-orders-1');
    expect(id).toBe(base64url('Test:bhv-orders-1'));
    expect(id).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(encodeURIComponent(id)).toBe(id);
  });

  it.each<GlobalId>([
    { type: 'Test', key: ['bhv-orders-1'] },
    { type: 'GenerationRun', key: ['7c9e6679-7425-40de-944b-e07fc1f90ae7'] },
    { type: 'TestRun', key: ['run:2026-06-01'] },
    { type: 'ModelVersion', key: ['12'] },
    { type: 'Trace', key: [TRACE] },
    { type: 'Service', key: [HASH, 'orders-api'] },
    { type: 'Entity', key: [HASH, 'cache', 'cart:{id}', 'redis'] },
    { type: 'Endpoint', key: [HASH, 'api-gateway|HTTP POST /orders'] },
    { type: 'Behaviour', key: [HASH, 'api-gateway|HTTP POST /orders', 'f00d'] },
  ])('round-trips a $type id', (global) => {
    expect(parseGlobalId(encode(global))).toEqual(global);
  });

  it('keeps key parts apart whatever they contain (separators, escapes, empty, non-ASCII)', () => {
    const tricky = [
      [HASH, 'a:b', 'c'],
      [HASH, 'a', 'b:c'],
      [HASH, '%3A', ':'],
      [HASH, '%25%', ''],
      [HASH, 'große Bestellung ✓', 'x'],
    ] as const;
    const ids = tricky.map(([hash, endpoint, fingerprint]) =>
      encodeGlobalId('Behaviour', hash, endpoint, fingerprint),
    );
    expect(new Set(ids).size).toBe(tricky.length);
    ids.forEach((id, i) =>
      expect(parseGlobalId(id)).toEqual({ type: 'Behaviour', key: tricky[i] }),
    );
  });

  it('gives the same key of different types different ids', () => {
    expect(encodeGlobalId('GenerationRun', 'r1')).not.toBe(encodeGlobalId('TestRun', 'r1'));
  });

  it.each([
    ['empty', ''],
    ['not base64url', 'VGVzdDpi+GgtMQ=='],
    ['padded', `${base64url('Test:bhv-1')}=`],
    ['non-canonical trailing bits', withTrailingBit(base64url('Test:bhv-1'))],
    ['not UTF-8', Buffer.from([0x54, 0x65, 0x73, 0x74, 0x3a, 0xff]).toString('base64url')],
    ['without a type', base64url('bhv-orders-1')],
    ['an unknown type', base64url('Span:abc')],
    ['a type of another case', base64url('test:bhv-1')],
    ['too few key parts', base64url(`Endpoint:${HASH}`)],
    ['too many key parts', base64url('Test:a:b')],
    ['a stray %', base64url(`Endpoint:${HASH}:100%`)],
    ['a lower-case escape', base64url(`Endpoint:${HASH}:a%3ab`)],
    ['a version that is not a number', base64url('ModelVersion:latest')],
    ['a version with a leading zero', base64url('ModelVersion:07')],
    ['a version beyond 2^53', base64url('ModelVersion:9007199254740993')],
    ['a trace id that is not 32 hex', base64url('Trace:0AF7651916CD43DD8448EB211C80319C')],
    ['too long', base64url(`Test:${'x'.repeat(MAX_GLOBAL_ID_LENGTH)}`)],
    ['a prototype property as type', base64url('constructor:x')],
  ])('refuses %s', (_, id) => {
    expect(parseGlobalId(id)).toBeUndefined();
  });

  it('reports a malformed argument as BAD_USER_INPUT naming the argument', () => {
    expect(decodeGlobalId(encodeGlobalId('Trace', TRACE), 'id')).toEqual({
      type: 'Trace',
      key: [TRACE],
    });
    const refusal = (() => {
      try {
        decodeGlobalId('nope', 'ids');
      } catch (e) {
        return e as ApiError;
      }
    })();
    expect(refusal).toBeInstanceOf(ApiError);
    expect(refusal?.extensions).toEqual({ code: 'BAD_USER_INPUT', argument: 'ids' });
  });

  describe(ownIdOf.name, () => {
    it('takes an own id as it is, and a global id of the type as its key', () => {
      expect(ownIdOf('bhv-orders-1', 'Test', 'id')).toBe('bhv-orders-1');
      expect(ownIdOf(encodeGlobalId('Test', 'bhv-orders-1'), 'Test', 'id')).toBe('bhv-orders-1');
      expect(ownIdOf(TRACE, 'Trace', 'id')).toBe(TRACE);
      const run = '7c9e6679-7425-40de-944b-e07fc1f90ae7';
      expect(ownIdOf(encodeGlobalId('GenerationRun', run), 'GenerationRun', 'id')).toBe(run);
    });

    it('refuses a global id of another type', () => {
      expect(() => ownIdOf(encodeGlobalId('GenerationRun', 'r1'), 'Test', 'id')).toThrow(
        'id is the id of a GenerationRun, not of a Test',
      );
    });
  });
});
