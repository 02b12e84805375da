import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable, Writable } from 'node:stream';
import { readProcessEnv } from '@t2t/config';
import {
  type ClickHouseHandle,
  openStorage,
  SpanRepository,
  type StoredTest,
  TestRepository,
} from '@t2t/storage';
import { emitJestTest, type TestSpec } from '@t2t/testgen';
import { eventually, freshStorageConfig } from '@t2t/test-support';
import {
  fakeShopSpecs,
  type FakeShop,
  startFakeShop,
  toSpanRow,
} from '../../../libs/runner/test/fake-shop.target';
import type { CliContext } from '../src/cli.context';
import { cliEnv } from '../src/cli.env';
import { CliLogger } from '../src/cli.logger';
import { runCli } from '../src/cli.program';

/**
 * `t2t test run` and `t2t test verify` in-process against the embedded engine, with a fake
 * instrumented target that writes the spans an SDK would record straight into the spans table
 * (the whole OpenTelemetry → receiver → Kafka → ingest path is test/pipeline/runner.pipeline's).
 */
describe('t2t test run / test verify', () => {
  const specs = fakeShopSpecs();
  let storage: ReturnType<typeof freshStorageConfig>;
  let handle: ClickHouseHandle;
  let shop: FakeShop;
  let dir: string;
  let fileStart: string;
  /** Span batches the shop has exported and the table holds (one per request it traced). */
  let exportedBatches = 0;

  beforeAll(async () => {
    fileStart = new Date().toISOString();
    storage = freshStorageConfig();
    handle = await openStorage(storage.config);
    const spans = new SpanRepository(handle);
    shop = await startFakeShop({
      sink: async (batch) => {
        await spans.insert(batch.map((s) => toSpanRow(s)));
        exportedBatches++;
      },
      exportDelayMs: 50,
      endlessEveryMs: 100,
    });
    dir = mkdtempSync(join(tmpdir(), 't2t-cli-test-'));
    writeFileSync(join(dir, 'order.json'), JSON.stringify(specs.order));
    writeFileSync(join(dir, `${specs.rule.id}.json`), JSON.stringify(specs.rule));
    // An emitted Jest file beside its spec: code, which a directory walk passes over.
    writeFileSync(join(dir, `${specs.rule.id}.trace.spec.ts`), emitJestTest(specs.rule));
    writeFileSync(join(dir, 'journey.json'), JSON.stringify([specs.journey]));
  });
  afterAll(async () => {
    await shop?.close();
    await handle?.close();
    storage?.cleanup();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  async function cli(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
    let stdout = '';
    let stderr = '';
    const sink = (append: (s: string) => void) =>
      new Writable({
        write(chunk: Buffer, _enc, done) {
          append(chunk.toString());
          done();
        },
      });
    const ctx: CliContext = {
      config: cliEnv.parse({
        CLICKHOUSE_DATA_PATH: storage.config.dataPath,
        CLICKHOUSE_DATABASE: storage.config.database,
        PATH: readProcessEnv().PATH,
      }),
      stdin: () => Readable.from([]),
      stdinIsTerminal: true,
      stdout: sink((s) => (stdout += s)),
      stderr: sink((s) => (stderr += s)),
      logger: new CliLogger(sink((s) => (stderr += s))),
      exitCode: 0,
    };
    const code = await runCli(['node', 't2t', 'test', ...args], ctx);
    return { code, stdout, stderr };
  }

  const fast = ['--settle', '300ms', '--poll', '50ms', '--first-span-timeout', '3s'];

  it('runs spec files (passing over emitted Jest files) against a healthy target: reports, JUnit XML, test_runs', async () => {
    const junit = join(dir, 'out', 'junit.xml');
    const r = await cli('run', dir, '--target', shop.url, '--junit', junit, ...fast);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const lines = r.stdout.split('\n');
    expect(lines.filter((l) => l.startsWith('✓ ')).sort()).toEqual([
      expect.stringMatching(/^✓ POST \/orders then GET \/orders\/\{id\} \[jrn-/),
      expect.stringMatching(
        /^✓ POST \/orders — calls potato-handler only if user\.likes_potatoes = true \[rule-.*trace [0-9a-f]{32}\)$/,
      ),
      expect.stringMatching(
        /^✓ POST \/orders — calls potato-handler .* — variant not \(user\.likes_potatoes = true\) \[rule-/,
      ),
      expect.stringMatching(/^✓ POST \/orders — likes potatoes \[bhv-/),
    ]);
    expect(r.stdout).toMatch(/4 run\(s\) of 3 spec\(s\): 4 passed, 0 failed, 0 error\(s\)/);
    const xml = readFileSync(junit, 'utf8');
    expect(xml).toMatch(/<testsuites name="trace2test test run" tests="4" failures="0" errors="0"/);
    expect(xml).toContain('<testcase name="variant: not (user.likes_potatoes = true)"');
    const runId = /run ([0-9a-f-]{36})/.exec(r.stdout)![1];
    const stored = await new TestRepository(handle).executionsFor([specs.rule.id]);
    expect(stored.filter((e) => e.runId === runId)).toHaveLength(2);
    expect(stored[0]).toMatchObject({ mode: 'live', target: shop.url, passed: true, failures: 0 });
    expect(JSON.parse(stored[0].report)).toMatchObject({ version: 1, status: 'passed' });
  });

  it('checks timings only with --performance, and reports them apart from the functional result', async () => {
    // The order spec with a duration bound no real request can meet, in the performance profile.
    const timed: TestSpec = {
      ...specs.order,
      id: 'bhv-timed-00000009',
      assertions: [
        ...specs.order.assertions,
        {
          id: 'p1',
          kind: 'duration',
          profile: 'performance',
          description: 'the entry within 1 µs',
          select: { entry: true },
          maxMs: 0.001,
        },
      ],
    };
    const perfDir = mkdtempSync(join(tmpdir(), 't2t-cli-perf-'));
    try {
      writeFileSync(join(perfDir, 'timed.json'), JSON.stringify(timed));
      const args = [
        'run',
        perfDir,
        '--target',
        shop.url,
        '--no-store',
        '--junit',
        join(perfDir, 'j.xml'),
        ...fast,
      ];
      const functional = await cli(...args);
      expect(functional.code).toBe(0);
      expect(functional.stdout).toMatch(
        /1 run\(s\) of 1 spec\(s\): 1 passed, 0 failed, 0 error\(s\) in [^;\n]+\n/,
      );
      expect(functional.stdout).not.toContain('performance');
      const perf = await cli(...args, '--performance');
      expect(perf.code).toBe(1);
      expect(perf.stdout).toMatch(/^✓ POST \/orders — likes potatoes \[bhv-timed/m);
      expect(perf.stdout).toContain(
        'performance: over a bound (reported apart; the functional result stands)',
      );
      expect(perf.stdout).toContain('the entry within 1 µs');
      expect(perf.stdout).toMatch(
        /1 passed, 0 failed, 0 error\(s\) in .*; performance profile: 0 of 1 within bounds/,
      );
    } finally {
      rmSync(perfDir, { recursive: true, force: true });
    }
  });

  it('a dropped write fails the matching specs with the missing span named; exit code 1', async () => {
    shop.faults.dropDbWrite = true;
    try {
      const junit = join(dir, 'fault.xml');
      const r = await cli('run', dir, '--target', shop.url, '--junit', junit, ...fast);
      expect(r.code).toBe(1);
      expect(r.stdout).toMatch(/2 passed, 2 failed, 0 error/);
      const failed = r.stdout.split('\n').filter((l) => l.startsWith('✗ '));
      expect(failed.map((l) => /\[([a-z]+)-/.exec(l)![1]).sort()).toEqual(['bhv', 'jrn']);
      expect(r.stdout).toContain(
        '✗ writes the order (db postgresql INSERT orders) [a1] at $.assertions[0]',
      );
      expect(r.stdout).toContain(
        'expected: a span matching {service=shop kind=client semantic="db postgresql INSERT orders"}',
      );
      const xml = readFileSync(junit, 'utf8');
      expect(xml).toMatch(/tests="4" failures="2" errors="0"/);
      expect(xml).toContain(
        '<failure message="1 of 2 assertions failed: writes the order (db postgresql INSERT orders)"',
      );
    } finally {
      shop.faults.dropDbWrite = false;
    }
  });

  it('a target that emits no spans fails as never arrived, a trace that keeps growing as still growing: no hang', async () => {
    // No wall-clock bound here: the runner's own timeouts end both runs, and jest's test timeout
    // would catch a hang; a bound of our own is a margin a loaded machine can eat.
    shop.faults.silent = true;
    const silent = await cli(
      'run',
      join(dir, 'order.json'),
      '--target',
      shop.url,
      '--no-junit',
      ...fast,
    );
    expect(silent.code).toBe(1);
    expect(silent.stdout).toMatch(
      /^! POST \/orders — likes potatoes .*\n {4}TraceWaitError: trace [0-9a-f]{32} \(shop\|HTTP POST \/orders\) never arrived: no span of it was stored within 3\.\d s/m,
    );
    shop.faults.silent = false;

    shop.faults.endless = true;
    const endless = await cli(
      'run',
      join(dir, 'order.json'),
      '--target',
      shop.url,
      '--no-junit',
      '--timeout',
      '3s',
      ...fast,
      // The shop adds a span every 50 ms; settling takes 1.5 s without one, so only a stall far
      // beyond any load seen here (30 missed spans in a row) could make the trace look complete.
      '--settle',
      '1500ms',
    );
    shop.faults.endless = false;
    expect(endless.code).toBe(1);
    expect(endless.stdout).toMatch(
      /TraceWaitError: trace [0-9a-f]{32} \(shop\|HTTP POST \/orders\) never completed: it was still growing after 3\.\d s/,
    );
  });

  it('test verify judges the stored production traces with the stored tests, and finds the same fault', async () => {
    const tests = new TestRepository(handle);
    await tests.saveTests(Object.values(specs).map(stored));
    const traffic = async (n: number) => {
      const before = exportedBatches;
      let requests = 0;
      for (let i = 0; i < n; i++) {
        const likes = i % 2 === 0;
        const res = await fetch(`${shop.url}/orders`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ user: { id: 7, likes_potatoes: likes }, cart: { items: 2 } }),
        });
        const { id } = (await res.json()) as { id: number };
        requests++;
        if (!shop.faults.dropDbWrite) {
          await (await fetch(`${shop.url}/orders/${id}`)).text();
          requests++;
        }
      }
      // Until every request's spans are in the table, however slow the machine.
      await eventually(
        () => exportedBatches >= before + requests,
        `${requests} traces stored`,
        60_000,
      );
    };
    const healthyFrom = new Date(Date.now() - 1000).toISOString();
    await traffic(6);
    // An at-least-once delivery stored one trace's root span twice: still one trace to judge.
    const spans = new SpanRepository(handle);
    const rs = await handle.client.query({
      query: `SELECT TraceId FROM {db:Identifier}.spans WHERE ParentSpanId = '' AND SpanName LIKE 'POST%' ORDER BY Timestamp DESC LIMIT 1`,
      query_params: { db: handle.database },
      format: 'JSONEachRow',
    });
    const [{ TraceId: duplicated }] = await rs.json<{ TraceId: string }>();
    const root = (await spans.findByTraceId(duplicated)).filter((r) => r.ParentSpanId === '');
    await spans.insert(root);
    const ok = await cli('verify', '--since', healthyFrom, '--until', '0s');
    expect(ok.stderr).toBe('');
    expect(ok.code).toBe(0);
    expect(ok.stdout).toContain(
      `✓ [${specs.order.id}] POST /orders — likes potatoes: 3 trace(s) pass`,
    );
    expect(ok.stdout).toContain(
      `✓ [${specs.rule.id}] POST /orders — calls potato-handler only if user.likes_potatoes = true: 6 trace(s) pass`,
    );
    expect(ok.stdout).toContain(
      `✓ [${specs.journey.id}] POST /orders then GET /orders/{id}: 6 trace(s) pass`,
    );
    // Half the orders are of users who do not like potatoes: no behaviour test selects that request.
    expect(ok.stdout).toMatch(
      /\? 3 trace\(s\) of shop\|HTTP POST \/orders are selected by no behaviour test/,
    );

    shop.faults.dropDbWrite = true;
    const faultFrom = new Date(Date.now() - 100).toISOString();
    await traffic(4);
    shop.faults.dropDbWrite = false;
    const junit = join(dir, 'verify.xml');
    const bad = await cli('verify', '--since', faultFrom, '--until', '0s', '--junit', junit);
    expect(bad.code).toBe(1);
    expect(bad.stdout).toContain(
      `✗ [${specs.order.id}] POST /orders — likes potatoes: 2 of 2 trace(s) fail`,
    );
    expect(bad.stdout).toContain('✗ writes the order (db postgresql INSERT orders) [a1]');
    expect(bad.stdout).toContain(`✓ [${specs.rule.id}]`);
    expect(bad.stdout).toMatch(
      /verified 3 test\(s\) on 4 stored trace\(s\) of .*: 1 passed, 1 failed, 1 without traces/,
    );
    expect(readFileSync(junit, 'utf8')).toMatch(/<failure message="2 of 2 stored traces fail"/);
    const runId = /run ([0-9a-f-]{36})/.exec(bad.stdout)![1];
    const rows = (await tests.executionsFor([specs.order.id])).filter((e) => e.runId === runId);
    expect(rows).toEqual([
      expect.objectContaining({
        mode: 'stored',
        passed: false,
        failures: 2,
        traceId: expect.stringMatching(/^[0-9a-f]{32}$/),
      }),
    ]);

    // The runner's journeys read orders too, but its traces carry the runner's parent id: only the
    // six reads of the production traffic count.
    const reads = await cli(
      'verify',
      '--since',
      fileStart,
      '--until',
      '0s',
      '--endpoint',
      'shop|HTTP GET /orders/{id}',
      '--no-store',
    );
    expect(reads.stdout).toMatch(/verified 1 test\(s\) on 6 stored trace\(s\)/);
  });

  it('refuses bad usage with exit code 2', async () => {
    expect((await cli('run')).code).toBe(2);
    const badTarget = await cli('run', dir, '--target', 'shop:8080');
    expect(badTarget).toMatchObject({
      code: 2,
      stderr: 't2t test run: --target: "shop:8080" is not an http(s) URL\n',
    });
    expect((await cli('run', dir)).stderr).toBe(
      't2t test run: no target: pass --target <url> or set T2T_TARGET_URL\n',
    );
    expect((await cli('verify', '--since', 'yesterday')).code).toBe(2);
    expect((await cli('verify')).code).toBe(2);
  });
});

function stored(spec: TestSpec): StoredTest {
  return {
    testId: spec.id,
    endpoint: spec.endpoint,
    fingerprint: spec.covers.behaviour ?? '',
    rule: '',
    kind: spec.covers.journey ? 'journey' : spec.covers.rule ? 'rule' : 'behaviour',
    generator: 'deterministic',
    name: spec.name,
    modelHash: spec.provenance.modelVersion,
    modelVersion: 1,
    generationRunId: 'g1',
    verdict: 'verified',
    assertionsKept: 1,
    assertionsDropped: 0,
    spec: JSON.stringify(spec),
    jestFile: '',
    tracetestYaml: '',
    createdAt: '2026-11-25 09:00:00.000',
    retired: false,
  };
}
