import type { StoredTest } from '@t2t/storage';
import type { TestSpec } from '@t2t/testgen';
import { splitTracetestFiles, type EmittedFile } from './tracetest-files.parser';

/**
 * One stored test with its documents parsed once, when a field first needs them. Several fields
 * of a test (trigger, covers, verification, provenance, the spec itself) read the spec; parsing it
 * per field would repeat the work for every field selected, and parsing it up front would do it for
 * listings that only want names.
 */
export class TestDocument {
  private parsedSpec: TestSpec | undefined;
  private tracetest: EmittedFile[] | undefined;

  constructor(readonly row: StoredTest) {}

  get spec(): TestSpec {
    this.parsedSpec ??= JSON.parse(this.row.spec) as TestSpec;
    return this.parsedSpec;
  }

  get tracetestFiles(): EmittedFile[] {
    this.tracetest ??= splitTracetestFiles(this.row.tracetestYaml, this.row.testId);
    return this.tracetest;
  }
}
