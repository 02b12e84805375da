import type { JsonSchema } from './json-schema.model';

/**
 * Checks a parsed JSON value against a schema written in the JsonSchema subset, collecting every
 * problem as `<json path>: <what is wrong>` (`$.assertions[2].select.kind: must be one of …`).
 *
 * Why not ajv or zod: neither is a dependency of this project (both are only present as transitive
 * dependencies of tools), and the LLM repair loop needs short messages with exact paths, which a
 * discriminator-aware interpreter of our own ~15 keywords gives directly. The schema stays the one
 * source of truth: the document we publish is the document this interprets.
 */
export function validateAgainstSchema(
  value: unknown,
  schema: JsonSchema,
  options: { maxErrors?: number } = {},
): string[] {
  const errors: string[] = [];
  const max = options.maxErrors ?? 50;
  const root = schema;
  const report = (path: string, message: string) => {
    if (errors.length < max) errors.push(`${path}: ${message}`);
  };

  const resolve = (s: JsonSchema): JsonSchema => {
    if (s.$ref === undefined) return s;
    const prefix = '#/$defs/';
    const target = s.$ref.startsWith(prefix)
      ? root.$defs?.[s.$ref.slice(prefix.length)]
      : undefined;
    if (target === undefined) throw new Error(`schema: unresolvable $ref ${s.$ref}`);
    return resolve(target);
  };

  const check = (v: unknown, raw: JsonSchema, path: string): void => {
    const s = resolve(raw);
    if (s.oneOf !== undefined) return checkOneOf(v, s.oneOf, path);
    if (s.const !== undefined && v !== s.const) {
      report(path, `must be ${JSON.stringify(s.const)} (got ${preview(v)})`);
      return;
    }
    if (s.enum !== undefined && !s.enum.includes(v as string | number | boolean)) {
      report(path, `must be one of ${s.enum.join(', ')} (got ${preview(v)})`);
      return;
    }
    if (s.type !== undefined && !hasType(v, s.type)) {
      report(path, `must be ${article(s.type)} (got ${typeName(v)})`);
      return;
    }
    if (typeof v === 'string') checkString(v, s, path);
    else if (typeof v === 'number') checkNumber(v, s, path);
    else if (Array.isArray(v)) checkArray(v, s, path);
    else if (isObject(v)) checkObject(v, s, path);
  };

  const checkString = (v: string, s: JsonSchema, path: string) => {
    if (s.minLength !== undefined && v.length < s.minLength) report(path, 'must not be empty');
    if (s.pattern !== undefined && !new RegExp(s.pattern, 'u').test(v)) {
      report(path, `must match ${s.pattern} (got ${preview(v)})`);
    }
    if (s.format === 'regex') {
      try {
        new RegExp(v);
      } catch (error) {
        report(path, `is not a valid regular expression: ${(error as Error).message}`);
      }
    }
  };

  const checkNumber = (v: number, s: JsonSchema, path: string) => {
    if (s.minimum !== undefined && v < s.minimum) report(path, `must be >= ${s.minimum}`);
  };

  const checkArray = (v: unknown[], s: JsonSchema, path: string) => {
    if (s.minItems !== undefined && v.length < s.minItems) {
      report(path, `must have at least ${s.minItems} item${s.minItems === 1 ? '' : 's'}`);
    }
    if (s.items !== undefined) v.forEach((item, i) => check(item, s.items!, `${path}[${i}]`));
  };

  const checkObject = (v: Record<string, unknown>, s: JsonSchema, path: string) => {
    const keys = Object.keys(v);
    if (s.minProperties !== undefined && keys.length < s.minProperties) {
      const names = s.properties === undefined ? '' : `: ${Object.keys(s.properties).join(', ')}`;
      report(path, `must have at least ${s.minProperties} of its fields${names}`);
    }
    for (const name of s.required ?? []) {
      if (v[name] === undefined) report(childPath(path, name), 'is required');
    }
    for (const key of keys) {
      const child = childPath(path, key);
      const known = s.properties?.[key];
      if (known !== undefined) {
        if (v[key] !== undefined) check(v[key], known, child);
      } else if (s.additionalProperties === false) {
        const allowed = Object.keys(s.properties ?? {}).join(', ');
        report(child, `is not allowed here (allowed: ${allowed})`);
      } else if (typeof s.additionalProperties === 'object') {
        check(v[key], s.additionalProperties, child);
      }
    }
  };

  const checkOneOf = (v: unknown, branches: JsonSchema[], path: string) => {
    const resolved = branches.map(resolve);
    const discriminator = discriminatorOf(resolved);
    if (discriminator !== undefined) {
      if (!isObject(v)) {
        report(path, `must be an object (got ${typeName(v)})`);
        return;
      }
      const tag = v[discriminator];
      const branch = resolved.find((b) => b.properties![discriminator].const === tag);
      if (branch === undefined) {
        const tags = resolved.map((b) => b.properties![discriminator].const).join(', ');
        report(childPath(path, discriminator), `must be one of ${tags} (got ${preview(tag)})`);
        return;
      }
      check(v, branch, path);
      return;
    }
    // No discriminator: report the branch that came closest.
    let best: string[] | undefined;
    for (const branch of resolved) {
      const branchErrors = validateAgainstSchema(v, { ...branch, $defs: root.$defs }, options);
      if (branchErrors.length === 0) return;
      if (best === undefined || branchErrors.length < best.length) best = branchErrors;
    }
    for (const e of best ?? []) report(path, `matches no alternative; closest: ${e}`);
  };

  check(value, schema, '$');
  return errors;
}

/** The property every branch pins with `const`, if there is one. */
function discriminatorOf(branches: JsonSchema[]): string | undefined {
  const first = branches[0]?.properties;
  if (first === undefined) return undefined;
  return Object.keys(first).find(
    (key) =>
      branches.every((b) => b.type === 'object' && b.properties?.[key]?.const !== undefined) &&
      new Set(branches.map((b) => b.properties![key].const)).size === branches.length,
  );
}

/** `$.a.b`, `$.a[3]`, `$.attributes["url.full"]`. */
export function childPath(path: string, key: string): string {
  return /^[A-Za-z_$][A-Za-z0-9_$]*$/.test(key)
    ? `${path}.${key}`
    : `${path}[${JSON.stringify(key)}]`;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function hasType(v: unknown, type: NonNullable<JsonSchema['type']>): boolean {
  switch (type) {
    case 'object':
      return isObject(v);
    case 'array':
      return Array.isArray(v);
    case 'integer':
      return typeof v === 'number' && Number.isInteger(v);
    case 'number':
      return typeof v === 'number' && Number.isFinite(v);
    default:
      return typeof v === type;
  }
}

function typeName(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  return typeof v === 'object' ? 'an object' : `${typeof v} ${preview(v)}`;
}

function article(type: string): string {
  return /^[aeiou]/.test(type) ? `an ${type}` : `a ${type}`;
}

function preview(v: unknown): string {
  const text = JSON.stringify(v) ?? String(v);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}
