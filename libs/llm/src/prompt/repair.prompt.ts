/**
 * The message of a repair round, sent after the model's previous answer (which stays in the
 * conversation, so it is not repeated here). Only the invalid specs are asked for again: valid ones
 * are already kept, and a model asked to resend everything tends to break what was right.
 */

export interface InvalidDraft {
  /** Position in the answer it came from. */
  index: number;
  id: string | undefined;
  /** `<json path>: <problem>`, paths relative to the spec. */
  errors: string[];
}

/** Errors shown per spec: enough to fix the first problems, short enough not to drown them. */
const MAX_ERRORS_SHOWN = 15;

/**
 * `unreadable`: why the last answer could not be parsed at all. Then `invalid` lists what was
 * still wanted from the answer before it (empty: the whole array).
 */
export function buildRepairMessage(invalid: readonly InvalidDraft[], unreadable?: string): string {
  const lines: string[] = [];
  if (unreadable !== undefined) {
    lines.push(`Your answer could not be used: ${unreadable}.`);
    if (invalid.length === 0) {
      lines.push('Answer again with the complete JSON array of specs. JSON only, no prose.');
      return lines.join('\n');
    }
  } else {
    lines.push(
      `${invalid.length} spec(s) in your answer are invalid; the others were accepted and must not be sent again.`,
    );
  }
  lines.push(
    `Answer with a JSON array holding only the corrected version${invalid.length === 1 ? '' : 's'} of ${invalid.length === 1 ? 'this spec' : `these ${invalid.length} specs`}, in this order. JSON only, no prose.`,
    'Each error is `<JSON path inside the spec>: <problem>`.',
  );
  for (const d of invalid) {
    lines.push('', `Spec at index ${d.index}${d.id === undefined ? '' : ` (id "${d.id}")`}:`);
    for (const e of d.errors.slice(0, MAX_ERRORS_SHOWN)) lines.push(`- ${e}`);
    if (d.errors.length > MAX_ERRORS_SHOWN) {
      lines.push(`- … and ${d.errors.length - MAX_ERRORS_SHOWN} more`);
    }
  }
  return lines.join('\n');
}
