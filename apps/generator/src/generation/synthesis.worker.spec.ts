import { WorkerThread, workerFile } from '@t2t/platform';
import { evidenceOf } from '@t2t/storage';
import { synthesizeVerifiedTests, type TestSpec } from '@t2t/testgen';
import { evidenceTextOf } from '../../../../libs/storage/test/evidence-text.fixture';
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

  it('parses evidence sent as read (span rows as text) on its thread, then synthesizes the same', async () => {
    const { model, evidence } = exampleEvidence('checkout');
    const specs = await thread.run<TestSpec[]>('synthesize', {
      model,
      evidence: evidenceTextOf(evidence),
      tenant: 'acme',
    });
    expect(specs.length).toBeGreaterThan(0);
    expect(specs).toEqual(synthesizeVerifiedTests(model, evidenceOf(evidenceTextOf(evidence))));
  });
});
