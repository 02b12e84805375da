import { BadUserInputError } from '../errors/api.errors';

/**
 * The key parts of each type's global id, in order. Objects of a model version (services,
 * entities, endpoints, behaviours) are keyed by the version's model hash first: the same endpoint
 * key names a different object in another version. A model version itself is keyed by its
 * number, a trace by its trace id, tests and runs by the ids they are stored under.
 */
export interface NodeKeys {
  Test: [testId: string];
  GenerationRun: [runId: string];
  TestRun: [runId: string];
  ModelVersion: [version: string];
  Trace: [traceId: string];
  Service: [modelHash: string, name: string];
  Entity: [modelHash: string, kind: string, name: string, system: string];
  Endpoint: [modelHash: string, endpoint: string];
  Behaviour: [modelHash: string, endpoint: string, fingerprint: string];
}

export type NodeTypeName = keyof NodeKeys;

/** A decoded global id: the GraphQL type it names and that type's key. */
export type GlobalId = { [T in NodeTypeName]: { type: T; key: NodeKeys[T] } }[NodeTypeName];

/**
 * Per type: how many key parts, and what each part must look like where the API can tell. A
 * version number and a trace id are checked because they go into lookups as such; the others are
 * any text (a missing object is then simply not found).
 */
const KEY_SHAPES: { [T in NodeTypeName]: { parts: number; valid?: (key: string[]) => boolean } } = {
  Test: { parts: 1 },
  GenerationRun: { parts: 1 },
  TestRun: { parts: 1 },
  ModelVersion: {
    parts: 1,
    valid: ([v]) => /^(0|[1-9][0-9]*)$/.test(v) && Number.isSafeInteger(Number(v)),
  },
  Trace: { parts: 1, valid: ([t]) => /^[0-9a-f]{32}$/.test(t) },
  Service: { parts: 2 },
  Entity: { parts: 4 },
  Endpoint: { parts: 2 },
  Behaviour: { parts: 3 },
};

export const NODE_TYPE_NAMES = Object.keys(KEY_SHAPES) as NodeTypeName[];

/**
 * Longest id decoded. Ids this API issues are far shorter (endpoint keys and routes are the long
 * parts); the bound keeps a client from making the server decode megabytes per id.
 */
export const MAX_GLOBAL_ID_LENGTH = 4096;

const SEPARATOR = ':';
const BASE64URL = /^[A-Za-z0-9_-]+$/;

/**
 * Key parts may contain the separator (endpoint keys, entity names like `cart:{id}`), so `%` and
 * `:` are escaped in each part: splitting on `:` then finds exactly the parts that were joined.
 */
const escapePart = (part: string) => part.replace(/%/g, '%25').replace(/:/g, '%3A');
const unescapePart = (part: string) =>
  part.replace(/%(25|3A)/g, (_, code: string) => (code === '25' ? '%' : ':'));
/** A `%` that does not start one of the two escapes: not produced by escapePart. */
const STRAY_PERCENT = /%(?!25|3A)/;

/**
 * The global id of an object: URL-safe base64 (no padding) of `<Type>:<key part>[:<key part>…]`.
 * Opaque to clients (they pass it back as received), stable (the same object always has the same
 * id), and unique across types (the type is part of it), which is what Relay's `node(id:)` needs.
 */
export function encodeGlobalId<T extends NodeTypeName>(type: T, ...key: NodeKeys[T]): string {
  const text = [type, ...key.map(escapePart)].join(SEPARATOR);
  return Buffer.from(text, 'utf8').toString('base64url');
}

/**
 * The type and key of a global id; undefined for anything this API cannot have issued: not
 * canonical base64url, not UTF-8, an unknown type, the wrong number of key parts, a key of the
 * wrong shape. Whether the object still exists is for the lookup to say.
 */
export function parseGlobalId(id: string): GlobalId | undefined {
  if (id.length === 0 || id.length > MAX_GLOBAL_ID_LENGTH || !BASE64URL.test(id)) return undefined;
  const text = Buffer.from(id, 'base64url').toString('utf8');
  // Node's decoder skips what it cannot read and replaces invalid UTF-8: only an id that encodes
  // back to itself is one we wrote (this also rejects padding and stray trailing bits).
  if (Buffer.from(text, 'utf8').toString('base64url') !== id) return undefined;
  const [type, ...escaped] = text.split(SEPARATOR);
  if (!Object.hasOwn(KEY_SHAPES, type)) return undefined;
  const shape = KEY_SHAPES[type as NodeTypeName];
  if (escaped.length !== shape.parts || escaped.some((p) => STRAY_PERCENT.test(p))) {
    return undefined;
  }
  const key = escaped.map(unescapePart);
  if (shape.valid && !shape.valid(key)) return undefined;
  return { type, key } as GlobalId;
}

/** `parseGlobalId` for an argument: a malformed id is the client's mistake (BAD_USER_INPUT). */
export function decodeGlobalId(id: string, argument: string): GlobalId {
  const decoded = parseGlobalId(id);
  if (!decoded) throw malformedId(argument);
  return decoded;
}

/** `what` names the value in the message (`ids[3]`); `argument` is the argument it came in. */
export function malformedId(argument: string, what = argument): BadUserInputError {
  return new BadUserInputError(
    `${what} is not an id this API issued (pass an object's \`id\` as received)`,
    argument,
  );
}

/**
 * The object's own id from an argument that takes either it or the object's global id
 * (`test(id:)`, `generationRun(id:)`, `trace(id:)`): those lookups predate global ids, and
 * clients keep passing the ids they stored. The two cannot be confused: no own id of these types
 * is canonical base64url of `<Type>:…` (test ids start with `bhv-`, `rule-` or `jrn-`, run ids
 * are UUIDs, trace ids hex). A global id of another type is refused rather than looked up as an
 * own id that cannot exist.
 */
export function ownIdOf<T extends 'Test' | 'GenerationRun' | 'Trace'>(
  id: string,
  type: T,
  argument: string,
): string {
  const decoded = parseGlobalId(id);
  if (!decoded) return id;
  if (decoded.type !== type) {
    throw new BadUserInputError(
      `${argument} is the id of a ${decoded.type}, not of a ${type}`,
      argument,
    );
  }
  return decoded.key[0];
}
