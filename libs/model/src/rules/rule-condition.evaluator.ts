import type { RuleAtom } from '../model.types';

/**
 * Semantics of rule conditions over string attributes (as spans are stored): `=` and `!=` compare
 * the text, `>=` and `<` compare numbers. An absent attribute satisfies only `!=`, so `x != v` is
 * exactly the complement of `x = v` (the same convention as libs/examples' conditions); a value
 * that is not a number satisfies neither numeric comparison.
 */
export function evaluateAtom(atom: RuleAtom, value: string | undefined): boolean {
  if (value === undefined) return atom.op === '!=';
  switch (atom.op) {
    case '=':
      return value === atom.value;
    case '!=':
      return value !== atom.value;
    case '>=':
    case '<': {
      const x = parseNumber(value);
      const t = parseNumber(atom.value);
      if (x === undefined || t === undefined) return false;
      return atom.op === '>=' ? x >= t : x < t;
    }
  }
}

/** Whether every atom holds for `attributes` (a conjunction; no atoms holds trivially). */
export function evaluateCondition(
  atoms: readonly RuleAtom[],
  attributes: Readonly<Record<string, string | undefined>> | ReadonlyMap<string, string>,
): boolean {
  const get = isMap(attributes) ? (k: string) => attributes.get(k) : (k: string) => attributes[k];
  return atoms.every((a) => evaluateAtom(a, get(a.attribute)));
}

function isMap(
  x: Readonly<Record<string, string | undefined>> | ReadonlyMap<string, string>,
): x is ReadonlyMap<string, string> {
  return x instanceof Map;
}

/** `user.likes_potatoes = true`, `cart.items >= 10 and payment.method != gift-card`. */
export function describeCondition(atoms: readonly RuleAtom[]): string {
  return atoms.map((a) => `${a.attribute} ${a.op} ${a.value}`).join(' and ');
}

const NUMBER = /^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/;

/** A finite number written as one (not `0x1f`, not `''`, not `Infinity`), else undefined. */
export function parseNumber(text: string): number | undefined {
  if (!NUMBER.test(text)) return undefined;
  const n = Number(text);
  return Number.isFinite(n) ? n : undefined;
}
