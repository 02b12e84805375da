/**
 * Environment options, declared once with their documentation, parsed once at boot.
 *
 * A schema maps property names to options; each option names its environment key, its default and
 * what it does. `parseEnv` reads a plain record (main.ts passes `process.env`; tests pass literals)
 * and either returns a fully typed object or throws one `EnvValidationError` listing every bad key,
 * so a misconfigured deployment fails at start-up with all of its problems at once.
 *
 * Secrets (options declared `secret: true`) come from the environment or from a file: `<KEY>_FILE`
 * names a file holding the value (a mounted Kubernetes Secret, a Docker secret), read here at
 * parse time with one trailing newline dropped. A secret's value never appears in an error message.
 */
import { accessSync, constants as fsConstants, readFileSync, statSync } from 'node:fs';

export interface OptionDoc {
  key: string;
  type: string;
  default: string;
  doc: string;
  /** A secret: also read from the file `<key>_FILE` names. */
  secret?: boolean;
}

export interface Option<T> {
  readonly key: string;
  readonly doc: string;
  readonly type: string;
  /** Printed default; undefined for required options. */
  readonly defaultText: string | undefined;
  /** A secret: may come from the file `<key>_FILE` names, and is never echoed in an error. */
  readonly secret?: boolean;
  parse(raw: string | undefined): T;
}

class OptionError extends Error {
  constructor(
    message: string,
    /** The key to report when it is not the option's own (`<KEY>_FILE`). */
    readonly key?: string,
  ) {
    super(message);
  }
}

/** The environment key that names a file holding secret `key`'s value. */
export function secretFileKey(key: string): string {
  return `${key}_FILE`;
}

/**
 * The raw value of a secret option: `source[key]`, or the content of the file
 * `source[<key>_FILE]` names (one trailing newline dropped, as editors and `echo` add it). Both set
 * is refused: which one wins would be a guess. Messages name keys and paths, never the value.
 */
function secretRaw(
  key: string,
  source: Readonly<Record<string, string | undefined>>,
): string | undefined {
  const fileKey = secretFileKey(key);
  const direct = source[key];
  const path = source[fileKey];
  if (!isSet(path)) return direct;
  if (isSet(direct)) {
    throw new OptionError(`is set together with ${fileKey}: set only one of them`);
  }
  const file = path.trim();
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new OptionError(`cannot read ${file}: ${fsReason(e)}`, fileKey);
  }
  const value = text.replace(/\r?\n$/, '');
  if (value.trim() === '') throw new OptionError(`${file} is empty`, fileKey);
  return value;
}

/** Why a file could not be used, without Node's "ENOENT: ..., open '<path>'" repetition. */
function fsReason(e: unknown): string {
  const code = (e as NodeJS.ErrnoException).code;
  switch (code) {
    case 'ENOENT':
      return 'no such file';
    case 'EACCES':
    case 'EPERM':
      return 'permission denied';
    case 'EISDIR':
      return 'is a directory';
    default:
      return code ?? (e instanceof Error ? e.message : String(e));
  }
}

/** One problem with one key, as reported to the operator. */
export interface EnvProblem {
  key: string;
  problem: string;
}

export class EnvValidationError extends Error {
  constructor(
    readonly problems: EnvProblem[],
    readonly scope: string,
  ) {
    super(
      `invalid ${scope} configuration:\n` +
        problems.map((p) => `  - ${p.key}: ${p.problem}`).join('\n'),
    );
    this.name = 'EnvValidationError';
  }
}

function isSet(raw: string | undefined): raw is string {
  return raw !== undefined && raw.trim() !== '';
}

interface Base<T> {
  key: string;
  doc: string;
  default?: T;
}

function make<T>(
  spec: Base<T>,
  type: string,
  convert: (raw: string) => T,
  show: (v: T) => string = String,
): Option<T> {
  return {
    key: spec.key,
    doc: spec.doc,
    type,
    defaultText: spec.default === undefined ? undefined : show(spec.default),
    parse(raw) {
      if (!isSet(raw)) {
        if (spec.default === undefined) throw new OptionError('is required but not set');
        return spec.default;
      }
      return convert(raw.trim());
    },
  };
}

/** A string; `pattern` rejects values that do not match. */
export function str(
  spec: Base<string> & { pattern?: RegExp; patternHint?: string },
): Option<string> {
  return make(spec, 'string', (raw) => {
    if (spec.pattern && !spec.pattern.test(raw)) {
      throw new OptionError(
        `"${raw}" ${spec.patternHint ?? `does not match ${String(spec.pattern)}`}`,
      );
    }
    return raw;
  });
}

/** A string that may be absent; absent means undefined, not "". `pattern` rejects values that do not match. */
export function optionalStr(spec: {
  key: string;
  doc: string;
  secret?: boolean;
  pattern?: RegExp;
  patternHint?: string;
}): Option<string | undefined> {
  return {
    key: spec.key,
    doc: spec.doc,
    type: spec.secret ? 'string (secret)' : 'string',
    defaultText: '(unset)',
    secret: spec.secret ?? false,
    parse(raw) {
      if (!isSet(raw)) return undefined;
      const value = raw.trim();
      if (spec.pattern && !spec.pattern.test(value)) {
        const hint = spec.patternHint ?? `does not match ${String(spec.pattern)}`;
        throw new OptionError(spec.secret ? `the value ${hint}` : `"${value}" ${hint}`);
      }
      return value;
    },
  };
}

/**
 * A path to a file the service reads (a CA certificate, a client key): absent is undefined;
 * set, it must name a readable regular file at start-up, so a wrong mount fails with the key and
 * the path named instead of as a TLS error on the first connection.
 */
export function file(spec: { key: string; doc: string }): Option<string | undefined> {
  return {
    key: spec.key,
    doc: spec.doc,
    type: 'file path',
    defaultText: '(unset)',
    parse(raw) {
      if (!isSet(raw)) return undefined;
      const path = raw.trim();
      try {
        if (!statSync(path).isFile()) throw new OptionError(`${path} is not a regular file`);
        accessSync(path, fsConstants.R_OK);
      } catch (e) {
        if (e instanceof OptionError) throw e;
        throw new OptionError(`cannot read ${path}: ${fsReason(e)}`);
      }
      return path;
    },
  };
}

export function int(
  spec: Base<number> & { min?: number; max?: number; unit?: string },
): Option<number> {
  const type = spec.unit ? `integer (${spec.unit})` : 'integer';
  return make(spec, type, (raw) => {
    if (!/^-?\d+$/.test(raw)) throw new OptionError(`"${raw}" is not an integer`);
    const n = Number(raw);
    if (!Number.isSafeInteger(n)) throw new OptionError(`"${raw}" is out of range`);
    if (spec.min !== undefined && n < spec.min)
      throw new OptionError(`${n} is below the minimum ${spec.min}`);
    if (spec.max !== undefined && n > spec.max)
      throw new OptionError(`${n} is above the maximum ${spec.max}`);
    return n;
  });
}

export function bool(spec: Base<boolean>): Option<boolean> {
  return make(spec, 'boolean', (raw) => {
    const v = raw.toLowerCase();
    if (['1', 'true', 'yes', 'on'].includes(v)) return true;
    if (['0', 'false', 'no', 'off'].includes(v)) return false;
    throw new OptionError(`"${raw}" is not a boolean (use true/false)`);
  });
}

export function oneOf<const V extends string>(spec: Base<V> & { values: readonly V[] }): Option<V> {
  return make(spec, spec.values.join(' \\| '), (raw) => {
    if (!(spec.values as readonly string[]).includes(raw)) {
      throw new OptionError(`"${raw}" is not one of ${spec.values.join(', ')}`);
    }
    return raw as V;
  });
}

const DURATION_UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** A duration such as `250ms`, `10s`, `5m`; a bare number is milliseconds. Parsed to milliseconds. */
export function duration(spec: Base<number> & { min?: number }): Option<number> {
  const showMs = (ms: number) => (ms % 1000 === 0 ? `${ms / 1000}s` : `${ms}ms`);
  return make(
    spec,
    'duration',
    (raw) => {
      const m = /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/.exec(raw);
      if (!m) throw new OptionError(`"${raw}" is not a duration (examples: 500ms, 10s, 5m)`);
      const ms = Math.round(Number(m[1]) * DURATION_UNITS[m[2] ?? 'ms']);
      if (spec.min !== undefined && ms < spec.min) {
        throw new OptionError(`${raw} is below the minimum ${showMs(spec.min)}`);
      }
      return ms;
    },
    showMs,
  );
}

const RETENTION_UNITS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86_400 };

/**
 * How long data is kept: `30d`, `12h`, `90m`, parsed to whole seconds; `0` means keep forever
 * (parsed as 0), unset is undefined so the caller can fall back to another option. Unlike
 * `duration`, a unit is required: a misread retention deletes data, and a bare `30` could mean
 * days as easily as milliseconds. `min` (seconds) bounds values other than 0.
 */
export function retention(spec: {
  key: string;
  doc: string;
  min?: number;
}): Option<number | undefined> {
  const show = (s: number) => {
    for (const unit of ['d', 'h', 'm'] as const) {
      if (s % RETENTION_UNITS[unit] === 0) return `${s / RETENTION_UNITS[unit]}${unit}`;
    }
    return `${s}s`;
  };
  return {
    key: spec.key,
    doc: spec.doc,
    type: 'duration (s, m, h, d)',
    defaultText: '(unset)',
    parse(raw) {
      if (!isSet(raw)) return undefined;
      const value = raw.trim();
      if (value === '0') return 0;
      const m = /^(\d+)(s|m|h|d)$/.exec(value);
      if (!m) {
        throw new OptionError(
          `"${value}" is not a retention (whole number with unit s, m, h or d, e.g. 30d; 0 keeps forever)`,
        );
      }
      const seconds = Number(m[1]) * RETENTION_UNITS[m[2]];
      if (!Number.isSafeInteger(seconds)) throw new OptionError(`"${value}" is out of range`);
      if (seconds === 0) return 0;
      if (spec.min !== undefined && seconds < spec.min) {
        throw new OptionError(`${value} is below the minimum ${show(spec.min)} (0 keeps forever)`);
      }
      return seconds;
    },
  };
}

/** An http(s) URL, kept as a string (the clients want strings). */
export function url(spec: { key: string; doc: string }): Option<string | undefined> {
  return {
    key: spec.key,
    doc: spec.doc,
    type: 'URL',
    defaultText: '(unset)',
    parse(raw) {
      if (!isSet(raw)) return undefined;
      // A URL may carry a password (`https://user:pw@host`): never echo that part.
      const shown = raw.trim().replace(/\/\/[^/@\s]*@/, '//…@');
      let u: URL;
      try {
        u = new URL(raw.trim());
      } catch {
        throw new OptionError(`"${shown}" is not a URL`);
      }
      if (u.protocol !== 'http:' && u.protocol !== 'https:') {
        throw new OptionError(`"${shown}" must be an http:// or https:// URL`);
      }
      return raw.trim();
    },
  };
}

/** A comma-separated list of `host:port` pairs, e.g. Kafka bootstrap servers. */
export function hostPorts(spec: { key: string; doc: string }): Option<string[] | undefined> {
  return {
    key: spec.key,
    doc: spec.doc,
    type: 'host:port list',
    defaultText: '(unset)',
    parse(raw) {
      if (!isSet(raw)) return undefined;
      const items = raw
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean);
      const bad = items.filter((s) => !/^[A-Za-z0-9.\-_[\]:]+:\d{1,5}$/.test(s));
      if (items.length === 0 || bad.length > 0) {
        throw new OptionError(
          `"${raw}" must be host:port[,host:port...] (bad: ${bad.join(', ') || 'empty'})`,
        );
      }
      return items;
    },
  };
}

export type Schema = Record<string, Option<unknown>>;
export type EnvOf<S extends Schema> = {
  readonly [K in keyof S]: S[K] extends Option<infer T> ? T : never;
};

export interface EnvSpec<S extends Schema> {
  readonly scope: string;
  readonly schema: S;
  parse(source: Readonly<Record<string, string | undefined>>): EnvOf<S>;
  describe(): OptionDoc[];
}

/**
 * Declares the options of one component. `scope` names it in error messages
 * ("invalid ingest configuration: ..."). `check` states rules across its options ("a SASL
 * mechanism needs a user name"), checked once every option parsed.
 */
export function defineEnv<S extends Schema>(
  scope: string,
  schema: S,
  check?: (config: EnvOf<S>) => EnvProblem[],
): EnvSpec<S> {
  const keys = Object.values(schema).flatMap((o) =>
    o.secret ? [o.key, secretFileKey(o.key)] : [o.key],
  );
  const dup = keys.find((k, i) => keys.indexOf(k) !== i);
  if (dup) throw new Error(`${scope}: environment key ${dup} is declared twice`);
  return {
    scope,
    schema,
    parse(source) {
      const out: Record<string, unknown> = {};
      const problems: EnvProblem[] = [];
      for (const [name, opt] of Object.entries(schema)) {
        try {
          out[name] = opt.parse(opt.secret ? secretRaw(opt.key, source) : source[opt.key]);
        } catch (e) {
          if (!(e instanceof OptionError)) throw e;
          problems.push({ key: e.key ?? opt.key, problem: e.message });
        }
      }
      if (problems.length > 0) throw new EnvValidationError(problems, scope);
      const config = Object.freeze(out) as EnvOf<S>;
      const crossProblems = check?.(config) ?? [];
      if (crossProblems.length > 0) throw new EnvValidationError(crossProblems, scope);
      return config;
    },
    describe() {
      return Object.values(schema).map((o) => ({
        key: o.key,
        type: o.type,
        default: o.defaultText ?? '(required)',
        doc: o.doc,
        ...(o.secret ? { secret: true } : {}),
      }));
    },
  };
}

/** A service's options: several components' options under one scope, parsed together. */
export interface ComposedEnv<G extends Record<string, EnvSpec<Schema>>> {
  readonly scope: string;
  readonly groups: G;
  parse(source: Readonly<Record<string, string | undefined>>): {
    readonly [K in keyof G]: ConfigOf<G[K]>;
  };
  describe(): OptionDoc[];
}

/**
 * Groups components' options (`{ platform, storage, kafka, ingest }`) into one service
 * configuration. Parsing reports the problems of all groups at once; a key declared by two groups
 * is a programming error.
 */
export function composeEnv<G extends Record<string, EnvSpec<Schema>>>(
  scope: string,
  groups: G,
  /** Rules across options (e.g. "this service needs KAFKA_BROKERS"), checked once every option parsed. */
  check?: (config: { readonly [K in keyof G]: ConfigOf<G[K]> }) => EnvProblem[],
): ComposedEnv<G> {
  const keys = Object.values(groups).flatMap((g) =>
    g.describe().flatMap((d) => (d.secret ? [d.key, secretFileKey(d.key)] : [d.key])),
  );
  const dup = keys.find((k, i) => keys.indexOf(k) !== i);
  if (dup) throw new Error(`${scope}: environment key ${dup} is declared by two option groups`);
  return {
    scope,
    groups,
    parse(source) {
      const out: Record<string, unknown> = {};
      const problems: EnvProblem[] = [];
      for (const [name, spec] of Object.entries(groups)) {
        try {
          out[name] = spec.parse(source);
        } catch (e) {
          if (!(e instanceof EnvValidationError)) throw e;
          problems.push(...e.problems);
        }
      }
      if (problems.length > 0) throw new EnvValidationError(problems, scope);
      const config = Object.freeze(out) as { readonly [K in keyof G]: ConfigOf<G[K]> };
      const crossProblems = check?.(config) ?? [];
      if (crossProblems.length > 0) throw new EnvValidationError(crossProblems, scope);
      return config;
    },
    describe() {
      return Object.values(groups).flatMap((g) => g.describe());
    },
  };
}

/**
 * Markdown table of a component's options, for READMEs (see scripts/env-docs.ts). A secret's row
 * also names its `_FILE` form.
 */
export function envTable(spec: { describe(): OptionDoc[] }): string {
  const rows = spec
    .describe()
    .map(
      (d) =>
        `| \`${d.key}\` | ${d.type} | ${d.default === '(unset)' || d.default === '(required)' ? d.default : `\`${d.default}\``} | ${d.doc}${d.secret ? ` Or \`${secretFileKey(d.key)}\`: a file holding it.` : ''} |`,
    );
  return ['| variable | type | default | meaning |', '| --- | --- | --- | --- |', ...rows].join(
    '\n',
  );
}

/** The typed object an `EnvSpec` parses to. */
export type ConfigOf<E> = E extends EnvSpec<infer S> ? EnvOf<S> : never;
