import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join } from 'node:path';
import { readProcessEnv } from '@t2t/config';
import { type RunningPotatoService, startPotatoService } from '@t2t/examples-live';
import { eventually, type NodeProcess, repoRoot, spawnNode, waitForMatch } from '@t2t/test-support';

/*
 * Issue 14, point 1: generated tests run in the user's own repository.
 *
 * `npm run build:packages` builds @trace2test/runner and @trace2test/cli, `npm pack` packs them,
 * and a project of its own in the system's temporary directory (outside this repository, so Node
 * never walks up into its node_modules; NODE_PATH empty) installs the two tarballs from its own
 * package.json, with Jest, ts-jest and TypeScript from the registry, as a user would.
 *
 * Meanwhile trace2test runs as users run it (`npm start`: the all-in-one server, embedded
 * ClickHouse, GraphQL with an API key) and the live potato shop (two Node services traced by the
 * OpenTelemetry SDK) sends it its traces under production-like traffic; the model is learned and
 * tests generated through the API, as the demo does, deterministically. The emitted Jest files
 * and the specs go into the project, which runs them against the live shop with `npx jest` and
 * `npx t2t test run`, reading traces through the server (T2T_SERVER_URL): they pass; after the
 * shop restarts with its database write dropped, both fail, naming the missing span.
 */

const KEY = 'k-published-packages-0123456789abcdef';
const INSERT = 'db postgresql INSERT orders';

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
  ms: number;
}

/** A command with only the given environment, bounded in time (killed, with its output, past it). */
function run(
  command: string,
  args: string[],
  options: { cwd: string; env: Record<string, string>; timeoutMs: number },
): Promise<Run> {
  const started = Date.now();
  const child = spawn(command, args, {
    cwd: options.cwd,
    env: options.env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs);
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr, ms: Date.now() - started });
    });
  });
}

const show = (r: Run) => `exit ${r.code}\nstdout:\n${r.stdout}\nstderr:\n${r.stderr}`;
const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

interface JestReport {
  numPassedTests: number;
  numFailedTests: number;
  testResults: {
    name: string;
    assertionResults: { title: string; status: string; failureMessages: string[] }[];
  }[];
}

describe('the published runner and CLI in a project of its own (issue 14, point 1)', () => {
  const env = readProcessEnv();
  let data: string;
  let pack: string;
  let project: string;
  let server: NodeProcess | undefined;
  let graphqlUrl: string;
  let handler: RunningPotatoService | undefined;
  let shop: RunningPotatoService | undefined;
  let ordersFile: string;
  let otlpUrl: string;
  const figures: string[] = [];
  /** The verified tests written into the project, and how many triggers they send (variants too). */
  let ids: string[] = [];
  let runs = 0;

  /** A GraphQL answer: its data and errors (a model not built yet is an error of its field). */
  async function ask(
    query: string,
    variables: Record<string, unknown> = {},
  ): Promise<{ data: any; errors?: { message: string }[] }> {
    const res = await fetch(graphqlUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${KEY}` },
      body: JSON.stringify({ query, variables }),
    });
    return (await res.json()) as { data: any; errors?: { message: string }[] };
  }

  async function gql(query: string, variables: Record<string, unknown> = {}): Promise<any> {
    const answer = await ask(query, variables);
    if (answer.errors !== undefined) throw new Error(JSON.stringify(answer.errors));
    return answer.data;
  }

  /**
   * What the user's shell has: PATH and HOME (npm's cache), how it reaches the registry (proxies,
   * extra CA certificates, npm settings: behind a TLS-inspecting proxy npm fails with
   * SELF_SIGNED_CERT_IN_CHAIN without them), nothing that points into this repository but the
   * Node.js running this test (first, so npm and npx run on it too).
   */
  const network = Object.fromEntries(
    Object.entries(env).filter(
      (e): e is [string, string] =>
        e[1] !== undefined &&
        /^(NODE_EXTRA_CA_CERTS|SSL_CERT_FILE|SSL_CERT_DIR|(HTTPS?|NO|ALL)_PROXY|npm_config_(registry|cafile|strict_ssl|proxy|https_proxy|noproxy))$/i.test(
          e[0],
        ) &&
        !e[1].includes(repoRoot),
    ),
  );
  const userPath = [
    dirname(process.execPath),
    ...(env.PATH ?? '').split(delimiter).filter((p) => p !== '' && !p.startsWith(repoRoot)),
  ].join(delimiter);
  const userEnv = (extra: Record<string, string> = {}): Record<string, string> => ({
    ...network,
    PATH: userPath,
    HOME: env.HOME ?? tmpdir(),
    NODE_PATH: '',
    NO_COLOR: '1',
    CI: 'true',
    ...extra,
  });

  /** The test run's variables: the shop, trace2test's API, waits for a shop that exports every 100 ms. */
  const testEnv = () =>
    userEnv({
      T2T_TARGET_URL: shop!.url,
      T2T_SERVER_URL: graphqlUrl,
      T2T_API_KEY: KEY,
      T2T_RUNNER_SETTLE: '1s',
      T2T_RUNNER_POLL: '100ms',
    });

  /** Build, pack, and install both packages into a project outside the repository. */
  async function prepareProject(): Promise<void> {
    const built = await run(
      process.execPath,
      ['-r', '@swc-node/register', 'scripts/build-packages.ts'],
      {
        cwd: repoRoot,
        env: { PATH: env.PATH ?? '', HOME: env.HOME ?? tmpdir() },
        timeoutMs: 180_000,
      },
    );
    if (built.code !== 0) throw new Error(`npm run build:packages failed:\n${show(built)}`);
    figures.push(`build:packages ${seconds(built.ms)}`);
    const packed = await run(
      'npm',
      ['pack', './packages/runner', './packages/cli', '--pack-destination', pack, '--json'],
      { cwd: repoRoot, env: userEnv(), timeoutMs: 60_000 },
    );
    if (packed.code !== 0) throw new Error(`npm pack failed:\n${show(packed)}`);
    const tarballs = JSON.parse(packed.stdout) as {
      name: string;
      filename: string;
      size: number;
      unpackedSize: number;
    }[];
    figures.push(
      ...tarballs.map(
        (t) =>
          `${t.name}: ${(t.size / 1024).toFixed(0)} KiB packed, ${(t.unpackedSize / 1024).toFixed(0)} KiB unpacked`,
      ),
    );
    const tarball = (name: string) => join(pack, tarballs.find((t) => t.name === name)!.filename);
    writeFileSync(
      join(project, 'package.json'),
      `${JSON.stringify(
        {
          name: 'potato-shop-trace-tests',
          private: true,
          scripts: { test: 'jest' },
          devDependencies: {
            '@trace2test/cli': `file:${tarball('@trace2test/cli')}`,
            '@trace2test/runner': `file:${tarball('@trace2test/runner')}`,
            '@types/jest': '^30.0.0',
            '@types/node': '^20.19.0',
            jest: '^30.2.0',
            'ts-jest': '^29.4.15',
            typescript: '~5.9.3',
          },
        },
        null,
        2,
      )}\n`,
    );
    // A TypeScript project as `ts-jest` sets one up: the emitted files are type-checked too, with
    // the package's declarations checked as well (no skipLibCheck).
    writeFileSync(
      join(project, 'tsconfig.json'),
      `${JSON.stringify(
        {
          compilerOptions: {
            target: 'ES2022',
            module: 'commonjs',
            strict: true,
            esModuleInterop: true,
            types: ['jest', 'node'],
          },
          include: ['tests/**/*.ts'],
        },
        null,
        2,
      )}\n`,
    );
    writeFileSync(
      join(project, 'jest.config.js'),
      [
        "/** @type {import('jest').Config} */",
        'module.exports = {',
        "  testEnvironment: 'node',",
        "  testMatch: ['<rootDir>/tests/**/*.trace.spec.ts'],",
        "  transform: { '^.+\\\\.ts$': 'ts-jest' },",
        '};',
        '',
      ].join('\n'),
    );
    const installed = await run('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline'], {
      cwd: project,
      env: userEnv(),
      timeoutMs: 240_000,
    });
    if (installed.code !== 0) throw new Error(`npm install failed:\n${show(installed)}`);
    figures.push(`npm install in the project ${seconds(installed.ms)}`);
  }

  function startShop(faults: { dropDbWrite?: boolean } = {}): Promise<RunningPotatoService> {
    return startPotatoService({
      role: 'shop',
      // The same address after a restart: the tests' recorded values stay valid.
      ...(shop === undefined ? {} : { port: shop.port }),
      otlpTracesUrl: otlpUrl,
      potatoHandlerUrl: handler!.url,
      ordersFile,
      faults,
    });
  }
  /** trace2test running, the shop's traffic learned, tests generated and written into the project. */
  async function learnTheShop(): Promise<void> {
    const started = Date.now();
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
      // Sized for two live services exporting independently (as runner.pipeline.int-spec.ts).
      CLUSTERING_IDLE_GAP: '2s',
      CLUSTERING_WINDOW: '2s',
      CLUSTERING_ALLOWED_LATENESS: '2s',
      CLUSTERING_IDLE_ADVANCE_AFTER: '500ms',
      CLUSTERING_SAMPLE_SIZE: '50',
      CLUSTERING_SOURCE_IDLE: '5s',
      INGEST_TOPIC_PARTITIONS: '1',
      INGEST_BATCH_MAX_WAIT: '200ms',
      MODELING_DEBOUNCE: '500ms',
    });
    const [, port] = await waitForMatch(
      () => /\[trace2test\] listening on http:\/\/127\.0\.0\.1:(\d+)/.exec(server!.output()),
      120_000,
      server.output,
    );
    const [, otlpPort] = await waitForMatch(
      () => /OTLP\/HTTP receiver listening on http:\/\/127\.0\.0\.1:(\d+)/.exec(server!.output()),
      30_000,
      server.output,
    );
    graphqlUrl = `http://127.0.0.1:${port}/graphql`;
    otlpUrl = `http://127.0.0.1:${otlpPort}/v1/traces`;
    handler = await startPotatoService({ role: 'potato-handler', otlpTracesUrl: otlpUrl });
    shop = await startShop();
    figures.push(`trace2test and the shop started ${seconds(Date.now() - started)}`);

    // Production traffic (no traceparent): 60 orders, two in five from potato lovers, 25 reads.
    const orders: number[] = [];
    for (let i = 0; i < 60; i++) {
      const res = await fetch(`${shop.url}/orders`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          user: { id: 1000 + ((i * 7919) % 9000), likes_potatoes: i % 5 < 2 },
          cart: { items: 1 + (i % 12) },
        }),
      });
      expect(res.status).toBe(201);
      orders.push(((await res.json()) as { id: number }).id);
    }
    for (let i = 0; i < 25; i++) {
      const res = await fetch(`${shop.url}/orders/${orders[(i * 13) % orders.length]}`);
      expect(res.status).toBe(200);
      await res.text();
    }

    let last = '';
    await eventually(
      async () => {
        const { data: answer, errors } = await ask(`{
          clusters(first: 100) { edges { node { endpoint traces } } }
          modelVersion { rules(first: 20) { edges { node { condition effect } } } }
        }`);
        last = JSON.stringify(errors ?? answer);
        if (answer?.modelVersion == null) return false;
        const traces = (endpoint: string) =>
          answer.clusters.edges
            .filter((e: any) => e.node.endpoint === `potato-shop|HTTP ${endpoint}`)
            .reduce((n: number, e: any) => n + e.node.traces, 0);
        return (
          answer.modelVersion.rules.edges.some((e: any) =>
            e.node.effect.includes('potato-handler'),
          ) &&
          traces('POST /orders') >= 60 &&
          traces('GET /orders/{id}') >= 25
        );
      },
      'the potato shop model with its rule',
      150_000,
    ).catch((e: Error) => {
      throw new Error(`${e.message}; last answer ${last}; server output:\n${server!.output()}`);
    });
    const generated = await gql('mutation { generateTests { status testsKept } }');
    expect(generated.generateTests.status).toBe('SUCCEEDED');
    figures.push(`model learned and tests generated ${seconds(Date.now() - started)}`);
  }

  /** The verified tests, as the API serves them: each Jest file and its spec. */
  async function writeTests(): Promise<void> {
    const listed = await gql(
      '{ tests(verdict: VERIFIED, first: 50) { edges { node { testId } } } }',
    );
    ids = listed.tests.edges.map((e: any) => e.node.testId);
    mkdirSync(join(project, 'tests'));
    mkdirSync(join(project, 'specs'));
    for (const id of ids) {
      const { test } = await gql(
        'query ($id: String!) { test(id: $id) { spec jestFile { fileName content } } }',
        { id },
      );
      writeFileSync(join(project, 'tests', test.jestFile.fileName), test.jestFile.content);
      writeFileSync(join(project, 'specs', `${id}.json`), JSON.stringify(test.spec, null, 2));
      runs += 1 + ((test.spec.variants as unknown[] | undefined)?.length ?? 0);
    }
  }

  beforeAll(async () => {
    data = mkdtempSync(join(tmpdir(), 't2t-packages-data-'));
    pack = mkdtempSync(join(tmpdir(), 't2t-packages-tarballs-'));
    project = mkdtempSync(join(tmpdir(), 't2t-user-repo-'));
    ordersFile = join(data, 'orders.jsonl');
    // Independent: the packages build and install while the product learns the shop. Both end
    // before anything is reported, so no child outlives a failure.
    figures.push(`Node.js ${process.version}`);
    const done = await Promise.allSettled([prepareProject(), learnTheShop()]);
    for (const d of done) if (d.status === 'rejected') throw d.reason;
  }, 420_000);

  afterAll(async () => {
    if (figures.length > 0)
      console.log(`published packages (issue 14), figures:\n  ${figures.join('\n  ')}`);
    await shop?.stop();
    await handler?.stop();
    if (server?.child.exitCode === null) {
      server.child.kill('SIGKILL');
      await server.exited;
    }
    for (const dir of [data, pack, project]) if (dir) rmSync(dir, { recursive: true, force: true });
  });

  /** `npx jest --json` in the project: the exit code and Jest's own report. */
  async function jest(what: string): Promise<{ run: Run; report: JestReport }> {
    const output = join(project, `jest-${what}.json`);
    const r = await run('npx', ['jest', '--ci', '--json', `--outputFile=${output}`], {
      cwd: project,
      env: testEnv(),
      timeoutMs: 300_000,
    });
    figures.push(`npx jest, ${what}: exit ${r.code} in ${seconds(r.ms)}`);
    return { run: r, report: JSON.parse(readFileSync(output, 'utf8')) as JestReport };
  }

  async function t2t(what: string): Promise<Run> {
    const r = await run(
      'npx',
      [
        't2t',
        'test',
        'run',
        'specs',
        '--target',
        shop!.url,
        '--no-junit',
        '--settle',
        '1s',
        '--poll',
        '100ms',
      ],
      { cwd: project, env: testEnv(), timeoutMs: 300_000 },
    );
    figures.push(
      `npx t2t test run, ${what}: exit ${r.code} in ${seconds(r.ms)}\n${r.stdout.replace(/^/gm, '    ')}`,
    );
    return r;
  }

  it('the project sees only what it installed: the packages, not this repository', async () => {
    const probe = await run(
      process.execPath,
      [
        '-e',
        [
          "const where = require.resolve('@trace2test/runner');",
          "let chdb = 'not installed'; try { chdb = require.resolve('chdb'); } catch {}",
          'console.log(JSON.stringify({ where, chdb, paths: module.paths }));',
        ].join(' '),
      ],
      { cwd: project, env: userEnv(), timeoutMs: 30_000 },
    );
    expect(probe.code).toBe(0);
    const seen = JSON.parse(probe.stdout) as { where: string; chdb: string; paths: string[] };
    expect(seen.where).toBe(join(project, 'node_modules/@trace2test/runner/dist/index.js'));
    // The embedded engine is an optional peer: installing the packages did not bring it.
    expect(seen.chdb).toBe('not installed');
    expect(seen.paths.some((p) => p.startsWith(repoRoot))).toBe(false);
    // Emitted files import the published runner, not the monorepo's alias.
    await writeTests();
    expect(ids.length).toBeGreaterThanOrEqual(5);
    const files = readdirSync(join(project, 'tests'));
    for (const f of files) {
      const text = readFileSync(join(project, 'tests', f), 'utf8');
      expect(text).toContain("from '@trace2test/runner';");
      expect(text).not.toContain('@t2t/');
    }
  });

  it('the emitted Jest files pass with `npx jest` against the healthy shop, and so does `npx t2t test run`', async () => {
    const { run: r, report } = await jest('healthy');
    expect({ code: r.code, failed: report.numFailedTests }).toEqual({ code: 0, failed: 0 });
    // One test per trigger: a rule's test also runs its other arm.
    expect(report.numPassedTests).toBe(runs);
    const cli = await t2t('healthy');
    expect(cli.stdout).toContain(
      `${runs} run(s) of ${ids.length} spec(s): ${runs} passed, 0 failed, 0 error(s)`,
    );
    expect({ code: cli.code, stderr: cli.stderr }).toEqual({ code: 0, stderr: '' });
  });

  it('with the database write dropped, both fail, naming the missing span', async () => {
    await shop!.stop();
    shop = await startShop({ dropDbWrite: true });

    const { run: r, report } = await jest('database write dropped');
    expect(r.code).toBe(1);
    const failures = report.testResults.flatMap((f) =>
      f.assertionResults
        .filter((a) => a.status === 'failed')
        .map((a) => ({ file: f.name, title: a.title, message: a.failureMessages.join('\n') })),
    );
    // Both behaviours of POST /orders write the order, and so does the journey's first step.
    expect(failures.map((f) => f.file.replace(/^.*\/tests\//, '').slice(0, 4)).sort()).toEqual([
      'bhv-',
      'bhv-',
      'jrn-',
    ]);
    for (const f of failures) {
      expect(f.message).toContain('expect(trace).toHaveSpan(selector)');
      expect(f.message).toContain(
        `expected: a span matching {service=potato-shop kind=client semantic="${INSERT}"}`,
      );
      expect(f.message).toMatch(/found: {4}no such span/);
    }
    expect(r.stderr).toContain(INSERT);
    figures.push(
      `npx jest, the first failure as Jest prints it:\n${failures[0].message.replace(/^/gm, '    ')}`,
    );

    const cli = await t2t('database write dropped');
    expect(cli.code).toBe(1);
    expect(cli.stdout).toContain(`${runs - 3} passed, 3 failed, 0 error(s)`);
    for (const block of cli.stdout.split(/^(?=[✓✗!] )/m).filter((b) => b.startsWith('✗'))) {
      expect(block).toContain(INSERT);
    }
  });
});
