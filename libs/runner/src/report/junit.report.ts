/**
 * JUnit XML, the format CI servers read (Jenkins, GitLab, GitHub actions' test reporters): one
 * `<testsuite>` per spec (or per verified test), one `<testcase>` per trigger, `<failure>` when an
 * assertion failed (the body is the formatted report), `<error>` when the run could not be
 * evaluated, `<skipped>` when there was nothing to evaluate.
 */
export interface JUnitCase {
  name: string;
  classname: string;
  timeMs: number;
  failure?: { message: string; type: string; body: string };
  error?: { message: string; type: string; body: string };
  skipped?: string;
  systemOut?: string;
}

export interface JUnitSuite {
  name: string;
  id?: string;
  timestamp: string;
  properties?: Record<string, string>;
  cases: JUnitCase[];
}

export function renderJUnit(name: string, suites: readonly JUnitSuite[]): string {
  const count = (pick: (c: JUnitCase) => unknown, cases: readonly JUnitCase[]) =>
    cases.filter((c) => pick(c) !== undefined).length;
  const all = suites.flatMap((s) => s.cases);
  const secs = (ms: number) => (ms / 1000).toFixed(3);
  const total = all.reduce((t, c) => t + c.timeMs, 0);
  const lines = [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="${attr(name)}" tests="${all.length}" failures="${count((c) => c.failure, all)}" errors="${count((c) => c.error, all)}" skipped="${count((c) => c.skipped, all)}" time="${secs(total)}">`,
  ];
  for (const s of suites) {
    const time = s.cases.reduce((t, c) => t + c.timeMs, 0);
    lines.push(
      `  <testsuite name="${attr(s.name)}"${s.id === undefined ? '' : ` id="${attr(s.id)}"`} tests="${s.cases.length}" failures="${count((c) => c.failure, s.cases)}" errors="${count((c) => c.error, s.cases)}" skipped="${count((c) => c.skipped, s.cases)}" time="${secs(time)}" timestamp="${attr(s.timestamp)}">`,
    );
    const props = Object.entries(s.properties ?? {});
    if (props.length > 0) {
      lines.push('    <properties>');
      for (const [k, v] of props)
        lines.push(`      <property name="${attr(k)}" value="${attr(v)}"/>`);
      lines.push('    </properties>');
    }
    for (const c of s.cases) {
      lines.push(
        `    <testcase name="${attr(c.name)}" classname="${attr(c.classname)}" time="${secs(c.timeMs)}">`,
      );
      for (const [tag, x] of [
        ['failure', c.failure],
        ['error', c.error],
      ] as const) {
        if (x !== undefined) {
          lines.push(
            `      <${tag} message="${attr(x.message)}" type="${attr(x.type)}">${text(x.body)}</${tag}>`,
          );
        }
      }
      if (c.skipped !== undefined) lines.push(`      <skipped message="${attr(c.skipped)}"/>`);
      if (c.systemOut !== undefined)
        lines.push(`      <system-out>${text(c.systemOut)}</system-out>`);
      lines.push('    </testcase>');
    }
    lines.push('  </testsuite>');
  }
  lines.push('</testsuites>', '');
  return lines.join('\n');
}

/** Characters XML 1.0 cannot carry at all (control characters other than tab, LF, CR). */
// eslint-disable-next-line no-control-regex
const INVALID_XML = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/g;

function text(s: string): string {
  return s
    .replace(INVALID_XML, '\uFFFD')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;');
}

function attr(s: string): string {
  return text(s)
    .replace(/"/g, '&quot;')
    .replace(/\n/g, '&#10;')
    .replace(/\r/g, '&#13;')
    .replace(/\t/g, '&#9;');
}
