import { threadId } from 'node:worker_threads';
import { exampleEvidence } from '../../test/example-evidence.fixture';
import { synthesizeVerifiedTests } from '../deterministic.generator';
import { SynthesisThread } from './synthesis.thread';

describe(SynthesisThread.name, () => {
  const thread = new SynthesisThread();
  afterAll(() => thread.close());

  it('synthesizes and verifies on a worker thread exactly what the caller would have', async () => {
    const { model, evidence } = exampleEvidence('checkout');
    const specs = await thread.run(model, evidence);
    expect(thread.threadId).toBeDefined();
    expect(thread.threadId).not.toBe(threadId);
    expect(specs.length).toBeGreaterThan(0);
    expect(specs).toEqual(synthesizeVerifiedTests(model, evidence));
  });

  it('fails the request when synthesis throws, and answers the next one', async () => {
    const { model, evidence } = exampleEvidence('potato');
    const broken = { ...model, endpoints: null } as unknown as typeof model;
    await expect(thread.run(broken, evidence)).rejects.toThrow(/synthesis failed/);
    expect((await thread.run(model, evidence)).length).toBeGreaterThan(0);
  });

  it('is replaced after it is closed', async () => {
    const { model, evidence } = exampleEvidence('potato');
    await thread.close();
    expect(thread.threadId).toBeUndefined();
    expect((await thread.run(model, evidence)).length).toBeGreaterThan(0);
  });
});
