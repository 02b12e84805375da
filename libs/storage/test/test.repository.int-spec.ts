import { freshTestStorage, type TestStorage } from '@t2t/test-support';
import { type ClickHouseHandle, openStorage, type StoredTest, TestRepository } from '@t2t/storage';

function test(id: string, endpoint: string, overrides: Partial<StoredTest> = {}): StoredTest {
  return {
    testId: id,
    endpoint,
    fingerprint: 'f'.repeat(16),
    rule: '',
    kind: 'behaviour',
    generator: 'deterministic',
    name: `${endpoint} ${id}`,
    modelHash: 'h1',
    modelVersion: 1,
    generationRunId: 'run-1',
    verdict: 'verified',
    assertionsKept: 5,
    assertionsDropped: 1,
    spec: JSON.stringify({ id }),
    jestFile: '// jest',
    tracetestYaml: 'type: Test',
    createdAt: '2026-01-01 00:00:00.000',
    retired: false,
    ...overrides,
  };
}

describe(TestRepository.name, () => {
  let storage: TestStorage;
  let handle: ClickHouseHandle;
  let sut: TestRepository;

  beforeAll(async () => {
    storage = freshTestStorage();
    handle = await openStorage(storage.config);
    sut = new TestRepository(handle);
  });

  afterAll(async () => {
    await handle.close();
    await storage.cleanup();
  });

  it('keeps the latest version of each test and pages with a keyset', async () => {
    await sut.saveTests([
      test('a', 'svc|HTTP GET /a'),
      test('b', 'svc|HTTP GET /a'),
      test('c', 'svc|HTTP POST /b'),
    ]);
    await sut.saveTests([
      test('a', 'svc|HTTP GET /a', { name: 'renamed', createdAt: '2026-01-02 00:00:00.000' }),
    ]);
    const first = await sut.currentTests({ limit: 2 });
    expect(first.map((t) => t.testId)).toEqual(['a', 'b']);
    expect(first[0].name).toBe('renamed');
    const next = await sut.currentTests({
      limit: 2,
      after: { endpoint: first[1].endpoint, testId: first[1].testId },
    });
    expect(next.map((t) => t.testId)).toEqual(['c']);
    expect(
      (await sut.currentTests({ limit: 10, endpoints: ['svc|HTTP POST /b'] })).map((t) => t.testId),
    ).toEqual(['c']);
  });

  it('filters current tests by kind, verdict and generator', async () => {
    await sut.saveTests([
      test('f1', 'svc|HTTP GET /f', { kind: 'rule' }),
      test('f2', 'svc|HTTP GET /f', { generator: 'llm' }),
      test('f3', 'svc|HTTP GET /f', { verdict: 'rejected', kind: 'rule' }),
    ]);
    const ids = async (filter: { kind?: string; verdict?: string; generator?: string }) =>
      (await sut.currentTests({ limit: 10, endpoints: ['svc|HTTP GET /f'], ...filter })).map(
        (t) => t.testId,
      );
    expect(await ids({})).toEqual(['f1', 'f2', 'f3']);
    expect(await ids({ kind: 'rule' })).toEqual(['f1', 'f3']);
    expect(await ids({ kind: 'rule', verdict: 'verified' })).toEqual(['f1']);
    expect(await ids({ generator: 'llm' })).toEqual(['f2']);
  });

  it('pages the tests of several endpoints in one query, each endpoint after its own cursor', async () => {
    const e1 = 'pages|HTTP GET /one';
    const e2 = 'pages|HTTP GET /two';
    await sut.saveTests([
      ...['p1', 'p2', 'p3', 'p4'].map((id) => test(id, e1)),
      ...['q1', 'q2', 'q3'].map((id) => test(id, e2)),
      test('q4', e2, { kind: 'rule' }),
      test('r1', 'pages|HTTP GET /other'),
    ]);
    const rows = await sut.currentTestsOfEndpoints({
      pages: [
        { endpoint: e1, afterTestId: 'p1' },
        { endpoint: e2, afterTestId: '' },
      ],
      limitPerEndpoint: 2,
    });
    expect(rows.map((t) => t.testId)).toEqual(['p2', 'p3', 'q1', 'q2']);
    const rules = await sut.currentTestsOfEndpoints({
      pages: [
        { endpoint: e1, afterTestId: '' },
        { endpoint: e2, afterTestId: 'q1' },
      ],
      limitPerEndpoint: 10,
      kind: 'rule',
    });
    expect(rules.map((t) => t.testId)).toEqual(['q4']);
    expect(await sut.currentTestsOfEndpoints({ pages: [], limitPerEndpoint: 5 })).toEqual([]);
  });

  it('retires the tests of an endpoint that were not regenerated', async () => {
    await sut.saveTests([test('x', 'svc|HTTP GET /x'), test('y', 'svc|HTTP GET /x')]);
    expect(await sut.retireTests(['svc|HTTP GET /x'], new Set(['x']))).toBe(1);
    expect(
      (await sut.currentTests({ limit: 10, endpoints: ['svc|HTTP GET /x'] })).map((t) => t.testId),
    ).toEqual(['x']);
  });

  it('records generation runs as they progress and reports the last generated model', async () => {
    const run = {
      runId: 'r1',
      trigger: 'schedule',
      status: 'running',
      instance: 'i1',
      modelVersion: 3,
      modelHash: 'h3',
      endpoints: ['svc|HTTP GET /a'],
      testsGenerated: 0,
      testsKept: 0,
      testsRejected: 0,
      assertionsDropped: 0,
      error: '',
      startedAt: '2026-01-01 00:00:00.000',
      finishedAt: null,
    };
    await sut.saveRun(run);
    expect(await sut.lastGeneratedModelHash()).toBeUndefined();
    await new Promise((r) => setTimeout(r, 5));
    await sut.saveRun({
      ...run,
      status: 'succeeded',
      testsGenerated: 4,
      finishedAt: '2026-01-01 00:00:01.000',
    });
    const [stored] = await sut.runs(10);
    expect(stored).toMatchObject({
      runId: 'r1',
      status: 'succeeded',
      testsGenerated: 4,
      finishedAt: '2026-01-01 00:00:01.000',
    });
    expect(await sut.lastGeneratedModelHash()).toBe('h3');
  });

  it('pages runs newest first by (start, id), runs of the same millisecond included, and reads runs by id', async () => {
    const run = (runId: string, startedAt: string) => ({
      runId,
      trigger: 'manual',
      status: 'succeeded',
      instance: 'i1',
      modelVersion: 1,
      modelHash: 'h1',
      endpoints: [],
      testsGenerated: 0,
      testsKept: 0,
      testsRejected: 0,
      assertionsDropped: 0,
      error: '',
      startedAt,
      finishedAt: startedAt,
    });
    for (const r of [
      run('k-a', '2027-01-01 00:00:01.000'),
      run('k-b', '2027-01-01 00:00:02.000'),
      run('k-c', '2027-01-01 00:00:02.000'),
      run('k-d', '2027-01-01 00:00:03.000'),
    ]) {
      await sut.saveRun(r);
    }
    const [newest, second] = await sut.runsPage(2);
    expect([newest.runId, second.runId]).toEqual(['k-d', 'k-c']);
    const rest = await sut.runsPage(2, { startedAt: second.startedAt, runId: second.runId });
    expect(rest.map((r) => r.runId)).toEqual(['k-b', 'k-a']);
    expect((await sut.runsByIds(['k-b', 'k-x', 'k-d'])).map((r) => r.runId).sort()).toEqual([
      'k-b',
      'k-d',
    ]);
    expect(await sut.runsByIds([])).toEqual([]);
  });

  it('stores executions and reads the latest per test in one query', async () => {
    await sut.saveExecutions([
      {
        runId: 'e1',
        testId: 'a',
        mode: 'live',
        target: 'http://x',
        traceId: 't1',
        passed: true,
        failures: 0,
        report: '{}',
        durationMs: 12,
        startedAt: '2026-01-01 00:00:00.000',
      },
      {
        runId: 'e2',
        testId: 'a',
        mode: 'stored',
        target: '',
        traceId: 't2',
        passed: false,
        failures: 2,
        report: '{"f":2}',
        durationMs: 3,
        startedAt: '2026-01-01 00:01:00.000',
      },
      {
        runId: 'e2',
        testId: 'b',
        mode: 'stored',
        target: '',
        traceId: 't3',
        passed: true,
        failures: 0,
        report: '{}',
        durationMs: 3,
        startedAt: '2026-01-01 00:01:00.000',
      },
    ]);
    const rows = await sut.executionsFor(['a', 'b'], 1);
    expect(rows.map((r) => [r.testId, r.runId, r.passed])).toEqual([
      ['a', 'e2', false],
      ['b', 'e2', true],
    ]);
  });
});
