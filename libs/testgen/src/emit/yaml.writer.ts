/**
 * Just enough YAML for the emitters: block maps and lists of scalars, maps and lists, with comment
 * lines. Every string is written double-quoted with JSON escaping (a JSON string is a valid YAML
 * double-quoted scalar), so no value can be misread as a number, boolean, anchor or comment.
 * No dependency: the YAML packages in node_modules are dev dependencies of this repository.
 */
export type YamlValue = string | number | boolean | null | YamlValue[] | YamlMap;

/** A map in insertion order; keys starting with `#` are comments (their string value is the text). */
export interface YamlMap {
  [key: string]: YamlValue | undefined;
}

export function toYaml(value: YamlMap): string {
  return writeMap(value, 0).join('\n') + '\n';
}

function writeMap(map: YamlMap, indent: number): string[] {
  const pad = ' '.repeat(indent);
  const lines: string[] = [];
  for (const [key, value] of Object.entries(map)) {
    if (value === undefined) continue;
    if (key.startsWith('#')) {
      const text = typeof value === 'string' ? value : JSON.stringify(value);
      for (const line of text.split('\n')) lines.push(`${pad}# ${line}`);
      continue;
    }
    const k = /^[A-Za-z_][A-Za-z0-9_.-]*$/.test(key) ? key : JSON.stringify(key);
    if (isScalar(value)) lines.push(`${pad}${k}: ${scalar(value)}`);
    else if (Array.isArray(value) && value.length === 0) lines.push(`${pad}${k}: []`);
    else if (!Array.isArray(value) && Object.keys(value).length === 0) lines.push(`${pad}${k}: {}`);
    else {
      lines.push(`${pad}${k}:`);
      lines.push(
        ...(Array.isArray(value) ? writeList(value, indent + 2) : writeMap(value, indent + 2)),
      );
    }
  }
  return lines;
}

function writeList(list: YamlValue[], indent: number): string[] {
  const pad = ' '.repeat(indent);
  const lines: string[] = [];
  for (const item of list) {
    if (isScalar(item)) {
      lines.push(`${pad}- ${scalar(item)}`);
    } else if (Array.isArray(item)) {
      lines.push(`${pad}-`, ...writeList(item, indent + 2));
    } else {
      const inner = writeMap(item, indent + 2);
      // Comments cannot start a list item's map ("- # x" would swallow the first key): put them above.
      const firstKey = inner.findIndex((l) => !l.trimStart().startsWith('#'));
      const comments = inner.slice(0, Math.max(0, firstKey)).map((l) => `${pad}${l.trimStart()}`);
      const rest = inner.slice(Math.max(0, firstKey));
      lines.push(...comments);
      if (rest.length === 0) lines.push(`${pad}- {}`);
      else lines.push(`${pad}- ${rest[0].trimStart()}`, ...rest.slice(1));
    }
  }
  return lines;
}

function isScalar(v: YamlValue): v is string | number | boolean | null {
  return v === null || typeof v !== 'object';
}

function scalar(v: string | number | boolean | null): string {
  if (v === null) return 'null';
  if (typeof v === 'string') return JSON.stringify(v);
  return String(v);
}
