import type { GraphqlClient } from '@t2t/runner';
import type { TestExecution } from '@t2t/storage';
import { recordExecutionsThroughServer, storedSpecsThroughServer } from './remote-tests';

/** A client that answers from `answer` and remembers what it was sent. */
function fakeClient(answer: (variables: Record<string, unknown>) => unknown) {
  const calls: Record<string, unknown>[] = [];
  const client = {
    url: 'http://t2t/graphql',
    request: async (_query: string, variables: Record<string, unknown>) => {
      calls.push(variables);
      return answer(variables);
    },
  } as unknown as GraphqlClient;
  return { client, calls };
}

const execution = (i: number, report: string): TestExecution => ({
  runId: 'r1',
  testId: `t${i}`,
  mode: 'live',
  target: 'http://shop',
  traceId: i % 2 === 0 ? '' : '0af7651916cd43dd8448eb211c80319c',
  passed: true,
  failures: 0,
  report,
  durationMs: 12,
  startedAt: '2026-11-25 09:00:01.500',
});

describe(recordExecutionsThroughServer.name, () => {
  it('sends the executions as the mutation takes them, in calls below the body limit', async () => {
    const { client, calls } = fakeClient(() => ({ recordTestExecutions: { recorded: 1 } }));
    const big = JSON.stringify({ version: 1, detail: 'x'.repeat(20_000) });
    await recordExecutionsThroughServer(
      client,
      'r1',
      Array.from({ length: 7 }, (_, i) => execution(i, big)),
    );
    const sent = calls.flatMap((c) => c.executions as Record<string, unknown>[]);
    expect(sent.map((e) => e.testId)).toEqual(['t0', 't1', 't2', 't3', 't4', 't5', 't6']);
    expect(calls.length).toBeGreaterThan(1);
    for (const c of calls) {
      expect(c.runId).toBe('r1');
      expect(Buffer.byteLength(JSON.stringify(c))).toBeLessThan(100 * 1024);
    }
    expect(sent[0]).toEqual({
      testId: 't0',
      mode: 'LIVE',
      target: 'http://shop',
      traceId: null,
      passed: true,
      failures: 0,
      report: { version: 1, detail: 'x'.repeat(20_000) },
      durationMs: 12,
      startedAt: '2026-11-25T09:00:01.500Z',
    });
    expect(sent[1].traceId).toBe('0af7651916cd43dd8448eb211c80319c');
  });

  it('sends nothing for a run without executions', async () => {
    const { client, calls } = fakeClient(() => ({}));
    await recordExecutionsThroughServer(client, 'r1', []);
    expect(calls).toEqual([]);
  });
});

describe(storedSpecsThroughServer.name, () => {
  it('pages through each endpoint in sorted order, reporting invalid specs as direct mode does', async () => {
    const pages: Record<string, { testId: string; spec: unknown }[][]> = {
      a: [[{ testId: 'bad', spec: { id: 'bad' } }], []],
      b: [[]],
    };
    const { client, calls } = fakeClient((v) => {
      const endpoint = v.endpoint as string;
      const page = v.after === null ? 0 : Number(v.after);
      return {
        tests: {
          edges: pages[endpoint][page].map((node) => ({ node })),
          pageInfo: {
            hasNextPage: page + 1 < pages[endpoint].length,
            endCursor: String(page + 1),
          },
        },
      };
    });
    const { specs, problems } = await storedSpecsThroughServer(client, ['b', 'a', 'b']);
    expect(calls.map((c) => [c.endpoint, c.after])).toEqual([
      ['a', null],
      ['a', '1'],
      ['b', null],
    ]);
    expect(specs).toEqual([]);
    expect(problems).toEqual([expect.stringMatching(/^test bad: stored spec is not valid: /)]);
  });
});
