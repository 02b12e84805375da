import { buildSystemModel, type SystemModel } from '@t2t/model';
import { WorkerThread, workerFile } from '@t2t/platform';
import { evidenceOf } from '@t2t/storage';
import { evidenceTextOf } from '../../../libs/storage/test/evidence-text.fixture';
import { exampleEvidence } from '../../../libs/testgen/test/example-evidence.fixture';

describe('model build worker', () => {
  const thread = new WorkerThread(
    workerFile(require.resolve('./modeling.service'), 'model-build.worker'),
    'model build',
  );
  afterAll(() => thread.close());

  it('builds on its thread exactly the model modeling would build inline', async () => {
    const { evidence } = exampleEvidence('checkout');
    const model = await thread.run<SystemModel>('build', { evidence, tenant: 'acme' });
    expect(model.endpoints.length).toBeGreaterThan(0);
    expect(model).toEqual(buildSystemModel(evidence));
  });

  it('parses evidence sent as read (span rows as text) on its thread, into the same model', async () => {
    const { evidence } = exampleEvidence('checkout');
    const text = () => evidenceTextOf(evidence);
    const model = await thread.run<SystemModel>('build', { text: text(), tenant: 'acme' });
    expect(model.endpoints.length).toBeGreaterThan(0);
    expect(model).toEqual(buildSystemModel(evidenceOf(text())));
    expect(model.edges).toEqual(buildSystemModel(evidence).edges);
  });

  it('refuses a task without a well-formed tenant', async () => {
    const { evidence } = exampleEvidence('checkout');
    await expect(
      thread.run<SystemModel>('build', { evidence, tenant: 'Not A Tenant' }),
    ).rejects.toThrow(/invalid tenant/);
  });
});
