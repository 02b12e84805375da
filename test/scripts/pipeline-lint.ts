/**
 * Finds pipelines whose reader may stop before its writer is done (`cmd | head`, `cmd | grep -q`,
 * `cmd | awk '… exit'`, `cmd | sed 'q'`). Under `set -o pipefail` the writer then dies of SIGPIPE
 * whenever it is slower than the reader, which a busy machine makes likely, and the script fails
 * with nothing said. shellcheck has no rule for it, so the project checks it itself.
 */

export interface EarlyReaderFinding {
  line: number;
  text: string;
  reader: string;
}

/** Readers that can exit before reading all their input. */
const EARLY_READERS: Array<{ name: string; test: RegExp }> = [
  { name: 'head', test: /^head\b/ },
  { name: 'grep -q/-m', test: /^grep\b.*\s(-[a-zA-Z]*[qm]|--quiet\b|--silent\b|--max-count\b)/ },
  { name: 'awk with exit', test: /^awk\b.*\bexit\b/ },
  { name: 'sed with q', test: /^sed\b.*[\s;'"0-9$/]q(\s|['";]|$)/ },
];

/**
 * The line without its trailing comment, with pipes inside quoted text blanked out. Command
 * substitutions (`"$(a | head)"`) are code again inside double quotes, so quoting is tracked as a
 * stack: `$(` pushes a fresh code context, its `)` pops back to the enclosing quote.
 */
function codeOf(line: string): string {
  let out = '';
  // Each entry: the quote character in force in that context ('' = unquoted code).
  const stack: string[] = [''];
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    const quote = stack[stack.length - 1];
    if (quote === "'") {
      if (c === "'") stack.pop();
      out += c === '|' ? ' ' : c;
      continue;
    }
    if (c === '\\') {
      out += c + (line[i + 1] ?? '');
      i++;
      continue;
    }
    if (c === '$' && line[i + 1] === '(') {
      stack.push('$(');
      out += '$(';
      i++;
      continue;
    }
    if (quote === '"') {
      if (c === '"') stack.pop();
      out += c === '|' ? ' ' : c;
      continue;
    }
    // Unquoted code, at top level or inside $( ).
    if (c === ')' && quote === '$(') stack.pop();
    else if (c === '"' || c === "'") stack.push(c);
    else if (c === '#' && (i === 0 || /[\s;]/.test(line[i - 1]))) break;
    out += c;
  }
  return out;
}

/** Every pipeline stage after the first that is an early reader, in a script that sets pipefail. */
export function findEarlyReaders(script: string): EarlyReaderFinding[] {
  if (!/set\s+-[a-zA-Z]*o\s+pipefail|set\s+-o\s+pipefail/.test(script)) return [];
  const findings: EarlyReaderFinding[] = [];
  script.split('\n').forEach((raw, index) => {
    const code = codeOf(raw);
    // Split on single pipes (not `||`); `|&` pipes stderr too.
    const stages = code.split(/(?<!\|)\|&?(?!\|)/).slice(1);
    for (const stage of stages) {
      const cmd = stage.trim().replace(/^(command|exec)\s+/, '');
      const hit = EARLY_READERS.find((r) => r.test.test(cmd));
      if (hit) findings.push({ line: index + 1, text: raw.trim(), reader: hit.name });
    }
  });
  return findings;
}
