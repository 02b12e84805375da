import { buildSystemModel, type SystemModel } from '@t2t/model';
import { WorkerThread, workerFile } from '@t2t/platform';
import { readEvidence, withEvidenceOnThread } from '@t2t/storage';
import { evidencePlanOf, spansOf } from '../../../libs/storage/test/evidence-pages.fixture';
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

  it('builds from evidence sent ahead a page at a time, into the model built from it inline', async () => {
    const { evidence } = exampleEvidence('checkout');
    const plan = evidencePlanOf(evidence);
    const reads: string[][] = [];
    const model = await withEvidenceOnThread(thread, plan, spansOf(evidence, reads), (pages) =>
      thread.run<SystemModel>('build', { pages, tenant: 'acme' }),
    );
    expect(reads.length).toBeGreaterThan(0);
    expect(model.endpoints.length).toBeGreaterThan(0);
    expect(model).toEqual(buildSystemModel(await readEvidence(plan, spansOf(evidence))));
    expect(model.edges).toEqual(buildSystemModel(evidence).edges);
  });

  it('lets go of pages sent ahead when the task that was to take them fails', async () => {
    const { evidence } = exampleEvidence('checkout');
    const plan = evidencePlanOf(evidence);
    let session = '';
    await expect(
      withEvidenceOnThread(thread, plan, spansOf(evidence), async (pages) => {
        session = pages.session;
        throw new Error('the task never ran');
      }),
    ).rejects.toThrow('the task never ran');
    // Dropped: a build naming the session finds no traces (the behaviours have no samples).
    const model = await thread.run<SystemModel>('build', {
      pages: { session, shape: plan },
      tenant: 'acme',
    });
    expect(model.edges).toEqual([]);
  });

  it('refuses a task without a well-formed tenant', async () => {
    const { evidence } = exampleEvidence('checkout');
    await expect(
      thread.run<SystemModel>('build', { evidence, tenant: 'Not A Tenant' }),
    ).rejects.toThrow(/invalid tenant/);
  });
});
