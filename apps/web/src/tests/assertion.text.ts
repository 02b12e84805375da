/** One line of a test's assertions in words, indented under the condition it depends on. */
export interface AssertionLine {
  depth: number;
  text: string;
  /** `performance`: checked only in performance runs. */
  profile?: string;
}

interface SpecAssertion {
  kind?: string;
  description?: string;
  profile?: string;
  when?: { all?: { attribute: string; op: string; value: unknown }[] };
  then?: SpecAssertion[];
  else?: SpecAssertion[];
}

interface SpecStep {
  name?: string;
  assertions?: SpecAssertion[];
}

const conditionText = (when: SpecAssertion['when']) =>
  (when?.all ?? []).map((a) => `${a.attribute} ${a.op} ${String(a.value)}`).join(' and ') ||
  'always';

function lines(assertions: readonly SpecAssertion[] | undefined, depth: number): AssertionLine[] {
  const out: AssertionLine[] = [];
  for (const a of assertions ?? []) {
    if (a.kind === 'conditional') {
      out.push({ depth, text: `if ${conditionText(a.when)}:` });
      out.push(...lines(a.then, depth + 1));
      if ((a.else ?? []).length > 0) {
        out.push({ depth, text: 'otherwise:' });
        out.push(...lines(a.else, depth + 1));
      }
    } else {
      out.push({
        depth,
        text: a.description ?? a.kind ?? 'assertion',
        ...(a.profile ? { profile: a.profile } : {}),
      });
    }
  }
  return out;
}

/**
 * A spec's assertions as sentences (each assertion carries its own description, written by the
 * generator), conditionals as `if …:` with their branches indented, journey steps in order.
 */
export function assertionLines(spec: unknown): AssertionLine[] {
  const s = (spec ?? {}) as { assertions?: SpecAssertion[]; steps?: SpecStep[] };
  const out: AssertionLine[] = [];
  for (const step of s.steps ?? []) {
    out.push({ depth: 0, text: `step ${step.name ?? ''}`.trim() });
    out.push(...lines(step.assertions, 1));
  }
  out.push(...lines(s.assertions, 0));
  return out;
}
