import { WorkerThread, workerFile } from '@t2t/platform';
import { synthesizeVerifiedTests, type TestSpec } from '@t2t/testgen';
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
});
