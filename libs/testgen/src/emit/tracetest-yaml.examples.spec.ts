import {
  bankSystem,
  checkoutSystem,
  deliverySystem,
  potatoSystem,
  railwaySystem,
} from '@t2t/examples';
import { learn, type QualityOptions } from '../../../../test/quality/test-quality.fixture';
import { checkTracetestFile } from '../../test/tracetest.grammar';
import { emitTracetestYaml } from './tracetest-yaml.emitter';

/**
 * Issue 14: every Tracetest file the generator writes for the example systems is valid Tracetest.
 * Tests are learned as production learns them (test/quality's learn: clustering's steps, modeling
 * with measured rules, synthesis and verification; the test-quality spec's settings), the kept specs
 * are emitted, and every selector, assertion and output of every file goes through the grammar
 * written from Tracetest's documentation.
 */
const OPTIONS: QualityOptions = {
  training: 3_000,
  heldBack: 0,
  staging: 0,
  faultsPerKind: 0,
  samplesPerBehaviour: 20,
  seed: 101,
};

const SYSTEMS = [
  ['potato', potatoSystem],
  ['checkout', checkoutSystem],
  ['bank', bankSystem],
  ['delivery', deliverySystem],
  ['railway', railwaySystem],
] as const;

describe('Tracetest files of every example system', () => {
  it.each(SYSTEMS)(
    '%s: every selector, assertion and output is valid Tracetest',
    async (_name, system) => {
      const { specs } = await learn(system, OPTIONS);
      const files = specs.flatMap(emitTracetestYaml);
      const problems: string[] = [];
      let assertions = 0;
      for (const file of files) {
        const check = checkTracetestFile(file.content);
        problems.push(...check.problems.map((p) => `${file.fileName} ${p}`));
        assertions += check.assertions;
      }
      expect(problems.slice(0, 10)).toEqual([]);
      expect(files.length).toBeGreaterThanOrEqual(specs.length);
      expect(assertions).toBeGreaterThan(files.length);
      // The status checks are among them, in Tracetest's names.
      expect(files.some((f) => f.content.includes('tracetest.span.status_code'))).toBe(true);
    },
    60_000,
  );
});
