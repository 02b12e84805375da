import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
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
import type { TestSpec } from '@t2t/testgen';
import { eventually, freshStorageConfig } from '@t2t/test-support';
import { withTenant } from '@t2t/wire';
import {
  type FakeShop,
  fakeShopSpecs,
  startFakeShop,
  toSpanRow,
} from '../../../libs/runner/test/fake-shop.target';
import type { CliContext } from '../src/cli.context';
import { cliEnv } from '../src/cli.env';
import { CliLogger } from '../src/cli.logger';
import { runCli } from '../src/cli.program';

/**
 * `t2t test run` and `t2t test verify` read and store one tenant's data: the fake shop's traffic
 * and the stored tests are tenant `acme`'s; the implicit tenant holds the same tests and no
 * traffic. `--tenant` (or T2T_TENANT) chooses whose traces, tests and test_runs the commands see.
 */
describe('t2t test run / test verify: --tenant', () => {
  const specs = fakeShopSpecs();
  let storage: ReturnType<typeof freshStorageConfig>;
  let handle: ClickHouseHandle;
  let shop: FakeShop;
  let dir: string;
  let exportedBatches = 0;

  beforeAll(async () => {
    storage = freshStorageConfig();
    handle = await openStorage(storage.config);
    const spans = new SpanRepository(handle);
    shop = await startFakeShop({
      sink: async (batch) => {
        await withTenant('acme', () => spans.insert(batch.map((s) => toSpanRow(s))));
        exportedBatches++;
      },
      exportDelayMs: 50,
    });
    dir = mkdtempSync(join(tmpdir(), 't2t-cli-tenants-'));
    writeFileSync(join(dir, 'order.json'), JSON.stringify(specs.order));
    const tests = new TestRepository(handle);
    for (const tenant of ['acme', 'default']) {
      await withTenant(tenant, () => tests.saveTests(Object.values(specs).map(stored)));
    }
  });
  afterAll(async () => {
    await shop?.close();
    await handle?.close();
    storage?.cleanup();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  async function cli(
    env: Record<string, string>,
    ...args: string[]
  ): Promise<{ code: number; stdout: string; stderr: string }> {
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
        ...env,
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

  const fast = ['--settle', '300ms', '--poll', '50ms', '--first-span-timeout', '3s', '--no-junit'];

  it("test run reads the chosen tenant's traces and stores its results there", async () => {
    const spec = join(dir, 'order.json');
    const acme = await cli({}, 'run', spec, '--target', shop.url, '--tenant', 'acme', ...fast);
    expect(acme.stderr).toBe('');
    expect(acme.code).toBe(0);
    expect(acme.stdout).toMatch(/1 run\(s\) of 1 spec\(s\): 1 passed, 0 failed, 0 error\(s\)/);
    const runId = /run ([0-9a-f-]{36})/.exec(acme.stdout)![1];
    const tests = new TestRepository(handle);
    const ofRun = (tenant: string) =>
      withTenant(tenant, () => tests.executionsOfRun(runId)).then((rows) => rows.length);
    expect(await ofRun('acme')).toBe(1);
    expect(await ofRun('default')).toBe(0);

    // The same request's trace is acme's: in the implicit tenant it never arrives.
    const other = await cli({}, 'run', spec, '--target', shop.url, ...fast);
    expect(other.code).toBe(1);
    expect(other.stdout).toMatch(/TraceWaitError: trace [0-9a-f]{32} .* never arrived/);
  });

  it("test verify judges the chosen tenant's traces with its tests; T2T_TENANT chooses too", async () => {
    const from = new Date(Date.now() - 1000).toISOString();
    const before = exportedBatches;
    for (let i = 0; i < 4; i++) {
      const res = await fetch(`${shop.url}/orders`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ user: { id: 7, likes_potatoes: true }, cart: { items: 2 } }),
      });
      await res.text();
    }
    await eventually(() => exportedBatches >= before + 4, 'the traces stored', 60_000);

    const flag = await cli({}, 'verify', '--since', from, '--until', '0s', '--tenant', 'acme');
    expect(flag.stderr).toBe('');
    expect(flag.code).toBe(0);
    expect(flag.stdout).toContain(
      `✓ [${specs.order.id}] POST /orders — likes potatoes: 4 trace(s) pass`,
    );
    const env = await cli(
      { T2T_TENANT: 'acme' },
      'verify',
      '--since',
      from,
      '--until',
      '0s',
      '--no-store',
    );
    expect(env.code).toBe(0);
    expect(env.stdout).toContain(
      `✓ [${specs.order.id}] POST /orders — likes potatoes: 4 trace(s) pass`,
    );

    // The implicit tenant has the tests but none of the traffic.
    const implicit = await cli({}, 'verify', '--since', from, '--until', '0s', '--no-store');
    expect(implicit.stdout).toMatch(/verified 3 test\(s\) on 0 stored trace\(s\)/);
    // A tenant with nothing stored has nothing to verify.
    const empty = await cli({}, 'verify', '--since', from, '--until', '0s', '--tenant', 'nobody');
    expect(empty.stdout).toBe('no tests to verify\n');
  });

  it('names the tenant to a server only without an API key: with one, the key decides', async () => {
    // A stand-in for the server's GraphQL endpoint: records each request's headers.
    const seen: IncomingHttpHeaders[] = [];
    const server = createServer((req, res) => {
      let body = '';
      req.on('data', (d: Buffer) => (body += d.toString()));
      req.on('end', () => {
        seen.push(req.headers);
        const query = (JSON.parse(body) as { query: string }).query;
        const data = query.includes('verifyTests')
          ? { verifyTests: { runId: null, problems: [], tests: [] } }
          : { __typename: 'Query' };
        res.setHeader('content-type', 'application/json');
        res.end(JSON.stringify({ data }));
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/graphql`;
    try {
      const verify = (env: Record<string, string>, ...extra: string[]) =>
        cli(env, 'verify', '--since', '1h', '--server', url, ...extra);

      const open = await verify({}, '--tenant', 'acme');
      expect(open).toMatchObject({ code: 0, stderr: '' });
      expect(seen.at(-1)!['x-t2t-tenant']).toBe('acme');
      await verify({ T2T_TENANT: 'acme', TENANT_HEADER: 'x-shop-tenant' });
      expect(seen.at(-1)!['x-shop-tenant']).toBe('acme');
      // The implicit tenant needs no header.
      await verify({});
      expect(seen.at(-1)!['x-t2t-tenant']).toBeUndefined();

      const keyed = await verify({}, '--tenant', 'acme', '--api-key', 'k-0123456789abcdef');
      expect(keyed.code).toBe(0);
      expect(keyed.stderr).toContain("the key's tenant decides");
      expect(seen.at(-1)!.authorization).toBe('Bearer k-0123456789abcdef');
      expect(seen.at(-1)!['x-t2t-tenant']).toBeUndefined();
    } finally {
      await new Promise((r) => server.close(r));
    }
  });

  it('refuses a malformed tenant as a usage error', async () => {
    const flag = await cli({}, 'verify', '--since', '1h', '--tenant', 'Not A Tenant');
    expect(flag.code).toBe(2);
    expect(flag.stderr).toContain('--tenant');
    expect(() => cliEnv.parse({ T2T_TENANT: 'Not A Tenant' })).toThrow(/T2T_TENANT/);
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
