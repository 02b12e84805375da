import type { Setup, Trigger } from './test-spec.model';

/**
 * `{{name}}` placeholders in triggers: fixture fields (`{{user.id}}`) and values captured by
 * earlier journey steps (`{{order.id}}`). The runner resolves them just before sending; the
 * validator checks that each one names something.
 */
const PLACEHOLDER = /\{\{\s*([A-Za-z_][A-Za-z0-9_.-]*)\s*\}\}/g;
const WHOLE_PLACEHOLDER = /^\{\{\s*([A-Za-z_][A-Za-z0-9_.-]*)\s*\}\}$/;

/** Every placeholder name used anywhere in the trigger (strings, header values, JSON bodies). */
export function placeholdersIn(trigger: Trigger): string[] {
  const names = new Set<string>();
  const visit = (v: unknown): void => {
    if (typeof v === 'string') {
      for (const m of v.matchAll(PLACEHOLDER)) names.add(m[1]);
    } else if (Array.isArray(v)) {
      v.forEach(visit);
    } else if (typeof v === 'object' && v !== null) {
      Object.values(v).forEach(visit);
    }
  };
  visit(trigger);
  return [...names].sort();
}

/** The default variables of a spec: each fixture's recorded values as `fixture.field`. */
export function fixtureVariables(setup: Setup): Record<string, string> {
  const vars: Record<string, string> = {};
  for (const f of setup.fixtures) {
    for (const [field, value] of Object.entries(f.values)) vars[`${f.name}.${field}`] = value;
  }
  return vars;
}

export class UnresolvedPlaceholderError extends Error {
  override readonly name = 'UnresolvedPlaceholderError';
}

/**
 * A copy of the trigger with every placeholder replaced. In a JSON body (or gRPC message, message
 * value) a string that is exactly one placeholder takes the value's JSON type, so `"{{cart.items}}"`
 * becomes the number 11 and `"{{user.likes_potatoes}}"` the boolean true; inside longer strings
 * (paths, headers) values are inserted as text. Throws UnresolvedPlaceholderError naming every
 * missing variable.
 */
export function resolveTrigger(trigger: Trigger, vars: Readonly<Record<string, string>>): Trigger {
  const missing = placeholdersIn(trigger).filter((name) => vars[name] === undefined);
  if (missing.length > 0) {
    throw new UnresolvedPlaceholderError(`unresolved placeholders: ${missing.join(', ')}`);
  }
  const text = (s: string) => s.replace(PLACEHOLDER, (_, name: string) => vars[name]);
  const json = (v: unknown): unknown => {
    if (typeof v === 'string') {
      const whole = WHOLE_PLACEHOLDER.exec(v);
      return whole === null ? text(v) : typedValue(vars[whole[1]]);
    }
    if (Array.isArray(v)) return v.map(json);
    if (typeof v === 'object' && v !== null) {
      return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, json(x)]));
    }
    return v;
  };
  const map = (m: Record<string, string>) =>
    Object.fromEntries(Object.entries(m).map(([k, v]) => [k, text(v)]));
  switch (trigger.type) {
    case 'http':
      return {
        ...trigger,
        path: text(trigger.path),
        headers: map(trigger.headers),
        ...(trigger.body === undefined ? {} : { body: json(trigger.body) }),
      };
    case 'grpc':
      return { ...trigger, message: json(trigger.message), metadata: map(trigger.metadata) };
    case 'message':
      return {
        ...trigger,
        ...(trigger.key === undefined ? {} : { key: text(trigger.key) }),
        value: json(trigger.value),
        headers: map(trigger.headers),
      };
  }
}

/**
 * A stored attribute string as the JSON value a request would carry: `true`/`false` as booleans,
 * safe integers and plain decimals as numbers, everything else as the string.
 */
export function typedValue(value: string): unknown {
  if (value === 'true') return true;
  if (value === 'false') return false;
  if (/^-?(0|[1-9]\d{0,14})$/.test(value)) return Number(value);
  if (/^-?(0|[1-9]\d*)\.\d+$/.test(value) && value.length <= 17) return Number(value);
  return value;
}
