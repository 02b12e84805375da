import { spawn } from 'node:child_process';
import {
  chmodSync,
  copyFileSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { type AddressInfo, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { InstrumentationScope, Resource, Span } from '@t2t/domain';
import { generateTraces, potatoSystem, toOtlpRequests } from '@t2t/examples';
import type { ModelSpan } from '@t2t/model';
import { encodeTraceRequestProto } from '@t2t/otlp';
import {
  eventually,
  makeResource,
  makeScope,
  makeSpan,
  type NodeProcess,
  repoRoot,
  spawnNode,
  waitForMatch,
} from '@t2t/test-support';
import {
  fakeShopSpecs,
  type FakeShop,
  startFakeShop,
} from '../../../libs/runner/test/fake-shop.target';
import { load } from 'js-yaml';
import { type CliRun, runCliProcess } from './cli.process';

interface WorkflowStep {
  id?: string;
  if?: string;
  run?: string;
  with?: Record<string, string>;
}

/** The shipped GitHub Actions recipe, parsed. */
function readCiRecipe(): {
  jobs: Record<string, { env: Record<string, string>; steps: WorkflowStep[] }>;
} {
  return load(
    readFileSync(join(repoRoot, 'deploy/ci/trace-tests.github-actions.yml'), 'utf8'),
  ) as ReturnType<typeof readCiRecipe>;
}

/** A workflow step's `run` script, as the runner's default shell runs it (bash -e). */
function runScript(script: string, cwd: string, env: Record<string, string>): Promise<CliRun> {
  const child = spawn('bash', ['-e', '-c', script], {
    cwd,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/*
 * Issue 11, point 6: `t2t test verify` and `t2t test run` while the product runs. The all-in-one
 * server (`npm start`: every stage in one process, the embedded ClickHouse, GraphQL with an API
 * key) runs as its own process and owns the data directory; the potato system's example traces
 * reach it over OTLP/HTTP, it models them and generates tests (generateTests). The CLI, another
 * process, then cannot open the directory: it must go through the server, found from the
 * server's own variables, or named with --server, with the output direct mode gives. Last, the
 * server stops and direct mode on the same directory prints the same report and JSON Lines.
 */

const KEY = 'k-server-mode-0123456789abcdef';
const ORDERS = 'api-gateway|HTTP POST /orders';

interface GqlAnswer {
  status: number;
  data: any;
  errors?: { message: string; extensions: { code: string } }[];
}

describe('t2t test verify / test run against the running product (embedded store held by the server)', () => {
  let data: string;
  let work: string;
  let server: NodeProcess;
  let graphqlUrl: string;
  let otlpUrl: string;
  let port: string;
  /** The period the example traces were stamped in, as ISO times. */
  let since: string;
  let until: string;

  async function gql(query: string, variables: Record<string, unknown> = {}): Promise<GqlAnswer> {
    const res = await fetch(graphqlUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${KEY}` },
      body: JSON.stringify({ query, variables }),
    });
    return { status: res.status, ...((await res.json()) as { data: any; errors?: [] }) };
  }

  /** The CLI as a user runs it next to `npm start`: same directory, the server's variables. */
  const cli = (args: string[], env: Record<string, string> = {}): Promise<CliRun> =>
    runCliProcess(args, { CLICKHOUSE_DATA_PATH: data, HTTP_PORT: port, ...env });

  const describeRun = (r: CliRun) => `exit ${r.code}\nstdout:\n${r.stdout}\nstderr:\n${r.stderr}`;

  beforeAll(async () => {
    data = mkdtempSync(join(tmpdir(), 't2t-server-mode-data-'));
    work = mkdtempSync(join(tmpdir(), 't2t-server-mode-'));
    server = spawnNode(['-r', '@swc-node/register', 'apps/server/src/main.ts'], {
      CLICKHOUSE_DATA_PATH: data,
      HTTP_PORT: '0',
      HTTP_HOST: '127.0.0.1',
      OTLP_HTTP_PORT: '0',
      OTLP_HTTP_HOST: '127.0.0.1',
      OTLP_GRPC_PORT: '0',
      OTLP_GRPC_HOST: '127.0.0.1',
      GRAPHQL_API_KEYS: KEY,
      GENERATOR_SCHEDULE: 'off',
      GENERATOR_RUN_ON_START: 'false',
      // Windows and waits sized for a test, as the demo sizes them.
      CLUSTERING_IDLE_GAP: '1s',
      CLUSTERING_WINDOW: '10s',
      CLUSTERING_ALLOWED_LATENESS: '2s',
      CLUSTERING_IDLE_ADVANCE_AFTER: '1s',
      INGEST_TOPIC_PARTITIONS: '1',
      INGEST_BATCH_MAX_WAIT: '200ms',
      MODELING_DEBOUNCE: '500ms',
    });
    [, port] = await waitForMatch(
      () => /\[trace2test\] listening on http:\/\/127\.0\.0\.1:(\d+)/.exec(server.output()),
      120_000,
      server.output,
    );
    const [, otlpPort] = await waitForMatch(
      () => /OTLP\/HTTP receiver listening on http:\/\/127\.0\.0\.1:(\d+)/.exec(server.output()),
      30_000,
      server.output,
    );
    graphqlUrl = `http://127.0.0.1:${port}/graphql`;
    otlpUrl = `http://127.0.0.1:${otlpPort}/v1/traces`;

    // The potato system's traffic, stamped a little in the past, over OTLP/HTTP.
    const startMs = Date.now() - 30_000;
    const traces = generateTraces(potatoSystem, {
      seed: 11,
      traces: 400,
      startNs: BigInt(startMs) * 1_000_000n,
      ratePerSecond: 200,
    });
    for (const spans of toOtlpRequests(traces, { spansPerRequest: 300, mixTraces: true })) {
      const res = await fetch(otlpUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/x-protobuf' },
        body: encodeTraceRequestProto(spans),
      });
      expect(res.status).toBe(200);
    }
    since = new Date(startMs - 1000).toISOString();
    until = new Date(Date.now() - 1000).toISOString();

    // Every trace clustered, the model built from all of them (every behaviour, the potato rule),
    // then tests generated through the API.
    let last = '';
    await eventually(
      async () => {
        const answer = await gql(`{
          clusters(first: 100) { edges { node { endpoint fingerprint traces } } }
          modelVersion {
            rules(first: 50) { edges { node { condition } } }
            behaviours(first: 100) { edges { node { endpoint fingerprint } } }
          }
        }`);
        last = JSON.stringify(answer.errors ?? answer.data);
        if (answer.data?.modelVersion == null) return false;
        const clusters = answer.data.clusters.edges.map((e: any) => e.node);
        const modeled = new Set(
          answer.data.modelVersion.behaviours.edges.map(
            (e: any) => `${e.node.endpoint} ${e.node.fingerprint}`,
          ),
        );
        return (
          clusters.reduce((n: number, c: any) => n + c.traces, 0) >= traces.length &&
          clusters.every((c: any) => modeled.has(`${c.endpoint} ${c.fingerprint}`)) &&
          answer.data.modelVersion.rules.edges.some(
            (e: any) => e.node.condition === 'user.likes_potatoes = true',
          )
        );
      },
      'every trace clustered and modeled, with the potato rule',
      180_000,
    ).catch((e: Error) => {
      throw new Error(`${e.message}; last answer ${last}; server output:\n${server.output()}`);
    });
    const generated = await gql('mutation { generateTests { status testsKept error } }');
    expect(generated.errors).toBeUndefined();
    expect(generated.data.generateTests).toMatchObject({ status: 'SUCCEEDED' });
    expect(generated.data.generateTests.testsKept).toBeGreaterThan(0);
  }, 300_000);

  afterAll(async () => {
    if (server?.child.exitCode === null) {
      server.child.kill('SIGKILL');
      await server.exited;
    }
    if (data) rmSync(data, { recursive: true, force: true });
    if (work) rmSync(work, { recursive: true, force: true });
  });

  /** One JSON Lines file parsed, each line checked for the fields the issue asks for. */
  function jsonLines(file: string): any[] {
    const text = readFileSync(file, 'utf8');
    expect(text.endsWith('\n')).toBe(true);
    const lines = text
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l));
    for (const line of lines) {
      expect(Object.keys(line)).toEqual([
        'traceId',
        'endpoint',
        'fingerprint',
        'knownBehaviour',
        'findings',
        'passed',
        'tests',
      ]);
      expect(line.traceId).toMatch(/^[0-9a-f]{32}$/);
      expect(typeof line.knownBehaviour).toBe('boolean');
      expect(line.passed).toBe(line.tests.every((t: any) => t.passed));
      for (const t of line.tests) {
        expect(Object.keys(t)).toEqual(['testId', 'name', 'kind', 'reason', 'passed', 'failed']);
        for (const f of t.failed) {
          expect(Object.keys(f)).toEqual(['id', 'path', 'description', 'expected', 'found']);
        }
      }
    }
    return lines;
  }

  const summary = (stdout: string) =>
    /^verified (\d+) test\(s\) on (\d+) stored trace\(s\) of /m.exec(stdout);

  it('test verify goes through the running server when it holds the store: no lock error, the report, one JSON line per trace, results in test_runs', async () => {
    const out = join(work, 'fallback.jsonl');
    const junit = join(work, 'fallback.xml');
    const r = await cli(
      ['test', 'verify', '--since', since, '--until', until, '--jsonl', out, '--junit', junit],
      { T2T_API_KEY: KEY },
    );
    expect({ code: r.code, run: describeRun(r) }).toMatchObject({ code: 0 });
    expect(r.stderr).not.toContain('Cannot lock file');
    expect(r.stderr).toMatch(
      new RegExp(
        `^t2t test verify: the embedded ClickHouse directory .* is in use by process ${server.child.pid}; going through the trace2test server at http://127\\.0\\.0\\.1:${port}/graphql\\n$`,
      ),
    );
    const counts = summary(r.stdout);
    expect(counts).not.toBeNull();
    const [, tests, traces] = counts!.map(Number);
    expect(tests).toBeGreaterThan(0);
    expect(traces).toBeGreaterThan(0);
    expect(r.stdout).toMatch(
      new RegExp(`^✓ \\[[a-z]+-[^\\]]+\\] .*: \\d+ trace\\(s\\) pass$`, 'm'),
    );
    expect(r.stdout).toContain(`JSON Lines: ${out}\n`);
    expect(r.stdout).toContain(`JUnit XML: ${junit}\n`);
    expect(readFileSync(junit, 'utf8')).toMatch(
      new RegExp(`<testsuites name="trace2test test verify" tests="${tests}" failures="0"`),
    );

    const lines = jsonLines(out);
    expect(lines).toHaveLength(traces);
    expect(new Set(lines.map((l) => l.traceId)).size).toBe(traces);
    expect(lines.some((l) => l.endpoint === ORDERS)).toBe(true);
    // The traces the tests were generated from: known behaviours, judged, passing.
    expect(lines.every((l) => l.knownBehaviour && l.passed)).toBe(true);
    const judged = lines.filter((l) => l.endpoint === ORDERS);
    expect(judged.every((l) => l.tests.some((t: any) => t.kind === 'rule'))).toBe(true);

    const runId = /results stored in test_runs \(run ([0-9a-f-]{36})\)/.exec(r.stdout)![1];
    const stored = await gql(
      'query ($runId: String!) { testRun(runId: $runId) { passed failed executions { mode passed } } }',
      { runId },
    );
    expect(stored.errors).toBeUndefined();
    expect(stored.data.testRun).toMatchObject({ passed: tests, failed: 0 });
    expect(stored.data.testRun.executions.every((e: any) => e.mode === 'STORED')).toBe(true);
  });

  it('--server with --api-key gives the same report and JSON Lines, whatever the local directory', async () => {
    const viaFallback = join(work, 'fallback-again.jsonl');
    const fallback = await cli(
      ['test', 'verify', '--since', since, '--until', until, '--jsonl', viaFallback, '--no-store'],
      { T2T_API_KEY: KEY },
    );
    const out = join(work, 'explicit.jsonl');
    const explicit = await runCliProcess(
      [
        'test',
        'verify',
        '--since',
        since,
        '--until',
        until,
        '--jsonl',
        out,
        '--no-store',
        '--server',
        graphqlUrl,
        '--api-key',
        KEY,
      ],
      // Another directory: with --server nothing local is opened, or even looked at.
      { CLICKHOUSE_DATA_PATH: join(work, 'never-created') },
    );
    expect({ code: explicit.code, run: describeRun(explicit) }).toMatchObject({ code: 0 });
    expect(explicit.stderr).toBe('');
    expect(normalize(explicit.stdout, out)).toBe(normalize(fallback.stdout, viaFallback));
    expect(readFileSync(out, 'utf8')).toBe(readFileSync(viaFallback, 'utf8'));

    // JSON Lines on stdout instead of the report.
    const piped = await runCliProcess(
      ['test', 'verify', '--since', since, '--until', until, '--jsonl', '-', '--no-store'],
      { T2T_SERVER_URL: graphqlUrl, T2T_API_KEY: KEY },
    );
    expect(piped.code).toBe(0);
    expect(piped.stdout).toBe(readFileSync(out, 'utf8'));
  });

  it('says what to do when the server needs a key, or no server answers where it would listen', async () => {
    const noKey = await cli(['test', 'verify', '--since', since, '--until', until]);
    expect(noKey.code).toBe(1);
    expect(noKey.stderr).toMatch(
      /is in use by process \d+, and the trace2test server at http:\/\/127\.0\.0\.1:\d+\/graphql needs an API key: pass --api-key or set T2T_API_KEY\n$/,
    );
    const wrongKey = await cli(['test', 'verify', '--since', '1h', '--server', graphqlUrl], {
      T2T_API_KEY: 'k-wrong-0123456789abcdef',
    });
    expect(wrongKey.code).toBe(1);
    expect(wrongKey.stderr).toContain(
      `t2t test verify: the trace2test server at ${graphqlUrl} refused the request: invalid API key (pass --api-key or set T2T_API_KEY)`,
    );

    // Nothing listens on the port the server would have by these variables.
    const closed = await closedPort();
    const elsewhere = await cli(['test', 'verify', '--since', since, '--until', until], {
      T2T_API_KEY: KEY,
      HTTP_PORT: String(closed),
    });
    expect(elsewhere.code).toBe(1);
    expect(elsewhere.stderr).toContain(
      `t2t test verify: cannot open ClickHouse: process ${server.child.pid} holds the embedded directory ${data} ` +
        '(the trace2test server, `npm start`, or another t2t command; one process per directory), ' +
        `and no trace2test server answers at http://127.0.0.1:${closed}/graphql ` +
        `(cannot reach the trace2test server at http://127.0.0.1:${closed}/graphql: ECONNREFUSED). ` +
        'Pass --server <GraphQL URL of the server that holds it> (or set T2T_SERVER_URL), and --api-key if it needs one.\n',
    );

    // A bad endpoint is the server's BAD_USER_INPUT, a usage error here as in direct mode.
    const unknown = await cli(
      ['test', 'verify', '--since', since, '--endpoint', 'api-gateway|HTTP DELETE /orders'],
      { T2T_API_KEY: KEY },
    );
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(
      /t2t test verify: unknown endpoint "api-gateway\|HTTP DELETE \/orders": no test to verify is of it, and it is not in the latest model \(version \d+\)\n$/,
    );
  });

  describe('test run --server, against a live target', () => {
    let shop: FakeShop;
    let specsDir: string;
    const resources = new Map<string, Resource>();
    const scope: InstrumentationScope = makeScope('fake-shop', '1');

    /** What an SDK exports for the shop's spans: OTLP/HTTP to the server's receiver. */
    const toSpan = (s: ModelSpan): Span => {
      let resource = resources.get(s.service);
      if (resource === undefined) resources.set(s.service, (resource = makeResource(s.service)));
      return makeSpan({
        traceId: s.traceId,
        spanId: s.spanId,
        parentSpanId: s.parentSpanId,
        name: s.name,
        kind: s.kind,
        startTimeUnixNano: s.startNs,
        endTimeUnixNano: s.startNs + BigInt(s.durationNs),
        attributes: { ...s.attributes },
        resource,
        scope,
      });
    };

    beforeAll(async () => {
      shop = await startFakeShop({
        sink: async (spans) => {
          const res = await fetch(otlpUrl, {
            method: 'POST',
            headers: { 'content-type': 'application/x-protobuf' },
            body: encodeTraceRequestProto(spans.map(toSpan)),
          });
          await res.arrayBuffer();
        },
      });
      specsDir = mkdtempSync(join(work, 'specs-'));
      const specs = fakeShopSpecs();
      writeFileSync(join(specsDir, 'order.json'), JSON.stringify(specs.order));
      writeFileSync(join(specsDir, 'rule.json'), JSON.stringify(specs.rule));
      writeFileSync(join(specsDir, 'journey.json'), JSON.stringify([specs.journey]));
    });
    afterAll(async () => {
      await shop?.close();
    });

    // Generous waits: the spans travel receiver → ingest → the store before the server counts them.
    const waits = ['--settle', '1s', '--poll', '100ms', '--first-span-timeout', '60s'];

    it('reads the traces through the API and stores the results there, visible as testRun(runId)', async () => {
      const junit = join(work, 'run.xml');
      const r = await runCliProcess(
        [
          'test',
          'run',
          specsDir,
          '--target',
          shop.url,
          '--server',
          graphqlUrl,
          '--junit',
          junit,
          '--timeout',
          '120s',
          ...waits,
        ],
        { T2T_API_KEY: KEY },
      );
      expect({ code: r.code, run: describeRun(r) }).toMatchObject({ code: 0 });
      expect(r.stderr).toBe('');
      expect(r.stdout).toMatch(/4 run\(s\) of 3 spec\(s\): 4 passed, 0 failed, 0 error\(s\)/);
      expect(readFileSync(junit, 'utf8')).toMatch(/tests="4" failures="0" errors="0"/);
      const runId = /results stored in test_runs \(run ([0-9a-f-]{36})\)/.exec(r.stdout)![1];
      const answer = await gql(
        `query ($runId: String!) { testRun(runId: $runId) {
          passed failed executions { testId mode target passed failures report trace { spans { name } } }
        } }`,
        { runId },
      );
      expect(answer.errors).toBeUndefined();
      const run = answer.data.testRun;
      expect(run).toMatchObject({ passed: 4, failed: 0 });
      for (const e of run.executions) {
        expect(e).toMatchObject({ mode: 'LIVE', target: shop.url, passed: true, failures: 0 });
        expect(e.report).toMatchObject({ version: 1, status: 'passed' });
        // The trace the run produced is the one stored: the server has its spans.
        expect(e.trace.spans.length).toBeGreaterThan(0);
      }
    });

    it('finds the fault through the server as it would directly, and falls back on its own', async () => {
      shop.faults.dropDbWrite = true;
      try {
        // No --server: the directory is held, the server answers where its variables say.
        const r = await cli(
          [
            'test',
            'run',
            join(specsDir, 'order.json'),
            '--target',
            shop.url,
            '--no-junit',
            ...waits,
          ],
          { T2T_API_KEY: KEY },
        );
        expect({ code: r.code, run: describeRun(r) }).toMatchObject({ code: 1 });
        expect(r.stderr).toMatch(
          /^t2t test run: the embedded ClickHouse directory .* going through the trace2test server at /,
        );
        expect(r.stdout).toMatch(/1 run\(s\) of 1 spec\(s\): 0 passed, 1 failed, 0 error\(s\)/);
        expect(r.stdout).toContain(
          '✗ writes the order (db postgresql INSERT orders) [a1] at $.assertions[0]',
        );
      } finally {
        shop.faults.dropDbWrite = false;
      }
    });

    it('the CI recipe (deploy/ci) runs its t2t step as written: JUnit where the publish steps read it, exit 1 on a regression', async () => {
      const recipe = readCiRecipe();
      const job = recipe.jobs['trace-tests'];
      const step = job.steps.find((s) => s.id === 'trace-tests')!;
      // The report the step writes is the one the artifact and pull-request steps publish.
      const junitPath = /--junit (\S+)/.exec(step.run!)![1];
      const published = job.steps.filter((s) => s.if === 'always()');
      expect(published.map((s) => s.with?.path ?? s.with?.report_paths)).toEqual([
        junitPath,
        junitPath,
      ]);
      // The checked-out repository: the generated specs committed under trace-tests/.
      const repo = mkdtempSync(join(work, 'repo-'));
      mkdirSync(join(repo, 'trace-tests'));
      for (const f of ['order.json', 'rule.json', 'journey.json'])
        copyFileSync(join(specsDir, f), join(repo, 'trace-tests', f));
      // `npx t2t` is this repository's CLI; the job's variables and secrets are this test's.
      const bin = mkdtempSync(join(work, 'bin-'));
      writeFileSync(
        join(bin, 'npx'),
        [
          '#!/usr/bin/env bash',
          '[ "$1" = t2t ] || { echo "unexpected npx $1" >&2; exit 97; }',
          'shift',
          `exec "${process.execPath}" -r "${require.resolve('@swc-node/register')}" "${join(repoRoot, 'apps/cli/src/main.ts')}" "$@"`,
        ].join('\n'),
      );
      chmodSync(join(bin, 'npx'), 0o755);
      const values: Record<string, string> = {
        'vars.PREVIEW_URL': shop.url,
        'vars.T2T_SERVER_URL': graphqlUrl,
        'secrets.T2T_API_KEY': KEY,
      };
      const env = Object.fromEntries(
        Object.entries(job.env).map(([k, v]) => [
          k,
          v.replace(/\$\{\{\s*([\w.]+)\s*\}\}/g, (_, name: string) => values[name]),
        ]),
      );
      const runStep = () =>
        runScript(step.run!, repo, {
          ...env,
          PATH: `${bin}:${process.env.PATH}`,
          SWC_NODE_PROJECT: join(repoRoot, 'tsconfig.json'),
          // This test's generous waits: the spans travel receiver → ingest → store first.
          T2T_RUNNER_SETTLE: '1s',
          T2T_RUNNER_POLL: '100ms',
          T2T_RUNNER_NO_SPANS_TIMEOUT: '60s',
        });
      const healthy = await runStep();
      expect({ code: healthy.code, run: describeRun(healthy) }).toMatchObject({ code: 0 });
      expect(readFileSync(join(repo, junitPath), 'utf8')).toMatch(
        /tests="4" failures="0" errors="0"/,
      );
      shop.faults.dropDbWrite = true;
      try {
        const regressed = await runStep();
        expect({ code: regressed.code, run: describeRun(regressed) }).toMatchObject({ code: 1 });
        expect(readFileSync(join(repo, junitPath), 'utf8')).toMatch(/failures="[1-9]\d*"/);
        expect(regressed.stdout).toContain('writes the order (db postgresql INSERT orders)');
      } finally {
        shop.faults.dropDbWrite = false;
      }
    });

    it('--stored reads the current tests through the API', async () => {
      const listed = await gql(
        `{ tests(endpoint: "${ORDERS}", verdict: VERIFIED, first: 100) { edges { node { testId } } } }`,
      );
      const ids: string[] = listed.data.tests.edges.map((e: any) => e.node.testId);
      expect(ids.length).toBeGreaterThan(0);
      // Nothing answers at the target: the runs fail fast, but each stored test is run.
      const r = await runCliProcess(
        [
          'test',
          'run',
          '--stored',
          '--endpoint',
          ORDERS,
          '--target',
          'http://127.0.0.1:1',
          '--server',
          graphqlUrl,
          '--no-junit',
          '--no-store',
          '--no-variants',
        ],
        { T2T_API_KEY: KEY },
      );
      expect(r.code).toBe(1);
      expect(r.stderr).toBe('');
      expect(r.stdout).toMatch(
        new RegExp(
          `^${ids.length} run\\(s\\) of ${ids.length} spec\\(s\\): 0 passed, 0 failed, ${ids.length} error\\(s\\)`,
          'm',
        ),
      );
      for (const id of ids) expect(r.stdout).toContain(`[${id}]`);
    });
  });

  it('direct mode on the same directory, once the server has stopped, prints the same report and JSON Lines', async () => {
    const viaServer = join(work, 'before-stop.jsonl');
    const before = await cli(
      ['test', 'verify', '--since', since, '--until', until, '--jsonl', viaServer, '--no-store'],
      { T2T_API_KEY: KEY },
    );
    expect(before.code).toBe(0);
    server.child.kill('SIGTERM');
    const exit = await server.exited;
    expect(exit.code === 0 || exit.signal === 'SIGTERM').toBe(true);

    const direct = join(work, 'direct.jsonl');
    const r = await cli([
      'test',
      'verify',
      '--since',
      since,
      '--until',
      until,
      '--jsonl',
      direct,
      '--no-store',
    ]);
    expect({ code: r.code, run: describeRun(r) }).toMatchObject({
      code: 0,
      run: expect.any(String),
    });
    expect(r.stderr).toBe('');
    expect(normalize(r.stdout, direct)).toBe(normalize(before.stdout, viaServer));
    expect(readFileSync(direct, 'utf8')).toBe(readFileSync(viaServer, 'utf8'));
  });
});

/** A port nothing listens on (just released by the OS). */
async function closedPort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as AddressInfo;
  await new Promise((resolve) => probe.close(resolve));
  return port;
}

/** A verify report without what differs between two runs: its duration and the output path. */
function normalize(stdout: string, jsonl: string): string {
  return stdout
    .replace(/ \([\d.]+ m?s\)$/m, ' (…)')
    .replace(`JSON Lines: ${jsonl}`, 'JSON Lines: …');
}
