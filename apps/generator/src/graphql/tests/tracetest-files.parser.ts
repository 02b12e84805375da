export interface EmittedFile {
  fileName: string;
  content: string;
}

const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * The Tracetest files of a test from the `tracetest_yaml` column. The generator stores a spec's
 * files (libs/testgen emitTracetestYaml) as one text: each file as `# <fileName>` followed by its
 * content, joined with `---` lines (test-generation.service.ts, toStored). A split is taken only
 * where the next part starts with a file name the emitter gives this test
 * (`<id>.tracetest.yaml`, `<id>.step-N.tracetest.yaml`, `<id>.variant-N.tracetest.yaml`): the
 * emitter writes every string double-quoted, so such a line cannot occur inside a file's content.
 * Text without a header (written otherwise) comes back whole, as `<id>.tracetest.yaml`.
 */
export function splitTracetestFiles(stored: string, testId: string): EmittedFile[] {
  if (stored === '') return [];
  const name = `${escapeRegExp(testId)}(?:\\.(?:step|variant)-\\d+)?\\.tracetest\\.yaml`;
  const header = new RegExp(`^# (${name})\\n`);
  return stored.split(new RegExp(`\\n---\\n(?=# ${name}\\n)`)).map((part) => {
    const match = header.exec(part);
    return match
      ? { fileName: match[1], content: part.slice(match[0].length) }
      : { fileName: `${testId}.tracetest.yaml`, content: part };
  });
}
