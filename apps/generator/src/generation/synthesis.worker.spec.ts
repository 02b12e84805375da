import { WorkerThread, workerFile } from '@t2t/platform';
import { readEvidence, withEvidenceOnThread } from '@t2t/storage';
import { synthesizeVerifiedTests, type TestSpec } from '@t2t/testgen';
import { evidencePlanOf, spansOf } from '../../../../libs/storage/test/evidence-pages.fixture';
import { exampleEvidence } from '../../../../libs/testgen/test/example-evidence.fixture';

describe('synthesis worker', () => {
  const thread = new WorkerThread(
    workerFile(require.resolve('./generation.module'), 'synthesis.worker'),
    'synthesis',
  );
  afterAll(() => thread.close());

  it('synthesizes and verifies on its thread exactly what the generator would inline', async () => {
    const { model, evidence } = exampleEvidence('checkout');
    const specs = await thread.run<TestSpec[]>('synthesize', { model, evidence, tenant: 'acme' });
    expect(specs.length).toBeGreaterThan(0);
    expect(specs).toEqual(synthesizeVerifiedTests(model, evidence));
  });

  it('synthesizes from evidence sent ahead a page at a time what it would from that evidence inline', async () => {
    const { model, evidence } = exampleEvidence('checkout');
    const plan = evidencePlanOf(evidence);
    const specs = await withEvidenceOnThread(thread, plan, spansOf(evidence), (pages) =>
      thread.run<TestSpec[]>('synthesize', { model, pages, tenant: 'acme' }),
    );
    expect(specs.length).toBeGreaterThan(0);
    expect(specs).toEqual(
      synthesizeVerifiedTests(model, await readEvidence(plan, spansOf(evidence))),
    );
  });
});
