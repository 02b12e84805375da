import type { AssertionResult } from './assertion-result.model';

/**
 * The failure report the runner prints and Jest shows: one block per failed assertion with what
 * was expected, what was found, the spans involved and, for conditional assertions, which branch
 * applied and why. Passing results are summarised in the first line only.
 */
export function formatAssertionResults(
  results: readonly AssertionResult[],
  title?: string,
): string {
  const failed = results.filter((r) => !r.passed);
  const head = `${title === undefined ? '' : `${title}: `}${results.length - failed.length}/${results.length} assertions passed`;
  const blocks = failed.map((r) => {
    const lines = [
      `✗ ${r.description} [${r.id}] at ${r.path}`,
      `    expected: ${r.expected}`,
      `    found:    ${r.found}`,
    ];
    if (r.spans.length > 0) {
      lines.push(
        `    spans:    ${r.spans.map((s) => `${s.service} ${s.kind} "${s.name}" (${s.spanId})`).join(', ')}`,
      );
    }
    if (r.branch !== undefined) {
      lines.push(
        `    because:  ${r.branch.condition} ${r.branch.holds ? 'holds' : 'does not hold'} (${r.branch.values})`,
      );
    }
    return lines.join('\n');
  });
  return [head, ...blocks].join('\n');
}
