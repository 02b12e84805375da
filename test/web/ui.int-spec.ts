import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  axeSource,
  eventually,
  findChromium,
  nonBlankShare,
  type NodeProcess,
  repoRoot,
  spawnNode,
  waitForMatch,
} from '@t2t/test-support';
import puppeteer, { type Browser, type ElementHandle, type Page } from 'puppeteer-core';

/*
 * The web UI in a real browser (headless Chromium driven by puppeteer-core) against the product
 * running the demo: the potato shop and the checkout system learnt, tests generated, and the
 * shop's tests run twice (passing, then failing on the dropped INSERT). Every view opens and shows
 * what the API holds; the map and the waterfalls render (their DOM, and screenshots that are not
 * blank); no console errors; no request leaves the server; axe-core finds no serious or critical
 * accessibility violation.
 *
 * Skips, saying so, when no Chromium is installed (Debian: `apt-get install chromium`; or set
 * T2T_CHROMIUM). With T2T_UI_SCREENSHOTS=<dir> the screenshots are written there (the README's
 * come from `T2T_UI_SCREENSHOTS=docs/ui`).
 */

// What the functions passed to the page see (this file is compiled for Node, without the DOM's types).
declare const document: any;
declare const window: any;

const chromium = findChromium();
const KEY = 'ui-test-key-0123456789abcdef';
const POST_ORDERS = 'potato-shop|HTTP POST /orders';
const screenshotDir = process.env.T2T_UI_SCREENSHOTS
  ? join(repoRoot, process.env.T2T_UI_SCREENSHOTS)
  : undefined;

if (!chromium) {
  process.stderr.write(
    `test/web/ui.int-spec.ts: SKIPPED: no Chromium found${process.env.T2T_CHROMIUM ? ` at T2T_CHROMIUM=${process.env.T2T_CHROMIUM}` : ''} (install Debian’s \`chromium\` package, or set T2T_CHROMIUM to a Chromium or Chrome executable)\n`,
  );
}

const describeWithBrowser = chromium ? describe : describe.skip;

describeWithBrowser('the web UI, in Chromium, on the demo', () => {
  let dir: string;
  let demo: NodeProcess;
  let base: string;
  let browser: Browser;
  let page: Page;
  /** Console errors, page errors and failed requests, each with what the page was showing. */
  const problems: string[] = [];
  /** Requests to anywhere but the server. */
  const foreign: string[] = [];
  /** Responses the test provokes on purpose (the refused key). */
  let expectRefusal = false;

  const api = async <T = any>(
    query: string,
    variables: Record<string, unknown> = {},
  ): Promise<T> => {
    const res = await fetch(`${base}graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${KEY}` },
      body: JSON.stringify({ query, variables }),
    });
    const body = (await res.json()) as { data: T; errors?: unknown };
    expect(body.errors).toBeUndefined();
    return body.data;
  };

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 't2t-ui-'));
    demo = spawnNode(
      [
        '-r',
        '@swc-node/register',
        'scripts/demo.ts',
        '--requests',
        '500',
        '--data',
        join(dir, 'data'),
        '--out',
        join(dir, 'out'),
        '--timeout',
        '150',
      ],
      { HTTP_PORT: '0', OTLP_HTTP_PORT: '0', OTLP_GRPC_PORT: '0', GRAPHQL_API_KEYS: KEY },
    );
    // The demo prints the UI's address, and "Running" once its runs are recorded.
    await waitForMatch(
      () => (/Running; press Ctrl-C to stop\./.test(demo.output()) ? [''] : null),
      400_000,
      () => `the demo did not finish: ${demo.output().slice(-3000)}`,
    );
    base = /Web UI: (http:\/\/localhost:\d+\/)/.exec(demo.output())![1];
    browser = await puppeteer.launch({
      executablePath: chromium,
      headless: true,
      // Root in CI (no user namespaces for the sandbox); /dev/shm may be small in containers.
      args: ['--no-sandbox', '--disable-dev-shm-usage'],
    });
    page = await browser.newPage();
    await page.setViewport({ width: 1400, height: 1000 });
    page.on('console', (m) => {
      if (m.type() !== 'error') return;
      if (expectRefusal && /status of 401/.test(m.text())) return;
      problems.push(`console error on ${page.url()}: ${m.text()}`);
    });
    page.on('pageerror', (e) => problems.push(`page error on ${page.url()}: ${String(e)}`));
    page.on('requestfailed', (r) => {
      // Leaving a view cancels the requests of the old one; that is not a failure.
      if (r.failure()?.errorText !== 'net::ERR_ABORTED')
        problems.push(`request failed: ${r.url()} ${r.failure()?.errorText ?? ''}`);
    });
    page.on('request', (r) => {
      const url = r.url();
      if (!url.startsWith(base) && !url.startsWith('data:') && !url.startsWith('blob:'))
        foreign.push(url);
    });
    if (screenshotDir) mkdirSync(screenshotDir, { recursive: true });
  }, 600_000);

  afterAll(async () => {
    await browser?.close();
    demo?.child.kill('SIGKILL');
    if (demo) await demo.exited;
    rmSync(dir, { recursive: true, force: true });
  });

  afterEach(() => {
    // Every test leaves the page without errors and without a request to elsewhere.
    expect(problems).toEqual([]);
    expect(foreign).toEqual([]);
  });

  const text = (selector: string) =>
    page.$eval(selector, (e) => (e as { innerText: string }).innerText.replace(/\s+/g, ' '));
  const waitForText = (selector: string, contains: string | RegExp) =>
    page.waitForFunction(
      (sel: string, source: string, flags: string) => {
        const el = document.querySelector(sel);
        return (
          !!el &&
          new RegExp(source, flags).test(
            (el as { innerText: string }).innerText.replace(/\s+/g, ' '),
          )
        );
      },
      { timeout: 60_000 },
      selector,
      typeof contains === 'string'
        ? contains.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
        : contains.source,
      typeof contains === 'string' ? '' : contains.flags,
    );
  const go = async (hash: string) => {
    await page.evaluate((h: string) => {
      window.location.hash = h;
    }, hash);
  };

  /** Screenshot of an element: how much of it is drawn, and a copy when asked for. */
  const drawn = async (element: ElementHandle, name: string) => {
    const png = await element.screenshot({ type: 'png' });
    if (screenshotDir) writeFileSync(join(screenshotDir, `${name}.png`), png);
    return nonBlankShare(png);
  };

  const axe = async (view: string) => {
    if (!(await page.evaluate(() => 'axe' in window))) await page.evaluate(axeSource());
    const violations = await page.evaluate(async () => {
      const result = await window.axe.run(document, { resultTypes: ['violations'] });
      return (result.violations as any[]).map((v) => ({
        id: v.id as string,
        impact: v.impact as string,
        help: v.help as string,
        nodes: (v.nodes as any[]).slice(0, 3).map((n) => n.target.join(' ')),
      }));
    });
    expect({
      view,
      serious: violations.filter((v) => ['serious', 'critical'].includes(v.impact)),
    }).toEqual({
      view,
      serious: [],
    });
  };

  it('asks for the API key, refuses a wrong one, and signs in with the right one', async () => {
    await page.goto(base);
    const headers = (await page.reload())!.headers();
    expect(headers['content-security-policy']).toContain("default-src 'none'");
    await page.waitForSelector('#api-key');
    await axe('login');
    expectRefusal = true;
    await page.type('#api-key', 'not-the-key-0000000000');
    await page.click('button[type=submit]');
    await waitForText('[role=alert]', 'That API key was refused.');
    expectRefusal = false;
    await page.$eval('#api-key', (e) => ((e as { value: string }).value = ''));
    await page.type('#api-key', KEY);
    await page.click('button[type=submit]');
    await page.waitForSelector('[data-testid=system-map] svg');
  });

  it('draws the system map: every service and entity, the edges, conditional edges with their rule', async () => {
    const { modelVersion: m } = await api(
      '{ modelVersion { version counts { services endpoints entities edges rules } endpoints(entry: true) { totalCount } } }',
    );
    await waitForText('[data-testid=map-summary]', `Model v${m.version}`);
    expect(await text('[data-testid=map-summary]')).toBe(
      `Model v${m.version}: ${m.counts.services} services, ${m.counts.endpoints} endpoints (${m.endpoints.totalCount} entry), ${m.counts.entities} entities, ${m.counts.edges} edges, ${m.counts.rules} rules.`,
    );
    expect(m.counts.services).toBe(10);
    const nodes = await page.$$eval('[data-testid=system-map] [data-node-id]', (els) =>
      els.map((e) => e.getAttribute('data-node-id')),
    );
    expect(nodes).toHaveLength(m.counts.services + m.counts.entities);
    expect(nodes).toEqual(
      expect.arrayContaining([
        'service:storefront',
        'service:potato-shop',
        'entity:TABLE:orders',
        'entity:TOPIC:order.placed',
      ]),
    );
    expect(await page.$$('[data-testid=system-map] path[data-edge-id]')).toHaveLength(
      m.counts.edges,
    );
    const labels = await page.$$eval('[data-testid=system-map] .edge-label text', (els) =>
      els.map((e) => e.textContent),
    );
    expect(labels).toEqual(
      expect.arrayContaining([
        'if user.likes_potatoes = true',
        'if cart.items >= 10',
        'if payment.method = gift-card',
      ]),
    );
    // Laid out: nodes do not pile up at one point.
    const positions = await page.$$eval(
      '[data-testid=system-map] .node > rect, [data-testid=system-map] a.node > rect',
      (els) => els.map((e) => `${e.getAttribute('x')},${e.getAttribute('y')}`),
    );
    expect(new Set(positions).size).toBe(nodes.length);
    expect(await drawn((await page.$('[data-testid=system-map]'))!, 'map')).toBeGreaterThan(0.03);
    await axe('map');
  });

  it('filters the map by service and clicks through to an entity', async () => {
    await page.select('#service-filter', 'potato-shop');
    await page.waitForFunction(() => window.location.hash === '#/map?service=potato-shop');
    await page.waitForFunction(
      () => !document.querySelector('[data-testid=system-map] [data-node-id="service:storefront"]'),
    );
    const nodes = await page.$$eval('[data-testid=system-map] [data-node-id]', (els) =>
      els.map((e) => e.getAttribute('data-node-id')).sort(),
    );
    expect(nodes).toEqual(['entity:TABLE:orders', 'service:potato-handler', 'service:potato-shop']);
    await page.click('[data-testid=system-map] a[data-node-id="entity:TABLE:orders"]');
    await waitForText('h1', 'table orders');
    await page.waitForSelector('table tbody tr');
    const rows = await page.$$eval('table tbody tr', (trs) =>
      trs.map((t) => (t as { innerText: string }).innerText),
    );
    expect(rows.join('\n')).toMatch(/potato-shop\s+writes/);
    expect(rows.join('\n')).toMatch(/potato-shop\s+reads/);
    await axe('entity');
  });

  it('shows an endpoint: behaviours with their figures, the representative trace as a waterfall, the rule', async () => {
    await go('#/map?service=potato-shop');
    await page.waitForSelector('[data-testid=system-map] svg');
    await page.click(
      `[data-testid=system-map] a[href="#/endpoint/${encodeURIComponent(POST_ORDERS)}"]`,
    );
    await waitForText('h1', 'potato-shop HTTP POST /orders');
    const { modelVersion: m } = await api(
      `query($e: String!) { modelVersion { behaviours(endpoint: $e, first: 50) { edges { node {
        fingerprint representativeTrace { spans { spanId } } } } } } }`,
      { e: POST_ORDERS },
    );
    const behaviours = m.behaviours.edges.map((e: any) => e.node);
    expect(behaviours.length).toBeGreaterThanOrEqual(2);
    await page.waitForSelector('[data-testid=behaviours]');
    expect(await page.$$('[data-testid=behaviours] tbody tr')).toHaveLength(behaviours.length);
    expect(await text('[data-testid=behaviours] caption')).toContain(
      `Behaviours (${behaviours.length})`,
    );
    const rules = await text('[data-testid=rules]');
    expect(rules).toContain(
      'calls potato-handler POST /potatoes only if user.likes_potatoes = true',
    );
    expect(rules).toMatch(/100\.0%/);
    expect(rules).toContain('measured on all stored traces');

    // The waterfall of the first behaviour's representative trace: a row per span.
    await page.waitForSelector('[data-testid=waterfall] .wf-row');
    const spanIds = await page.$$eval('[data-testid=waterfall] .wf-row', (rows) =>
      rows.map((r) => r.getAttribute('data-span-id')),
    );
    expect(spanIds.sort()).toEqual(
      behaviours[0].representativeTrace.spans.map((s: any) => s.spanId).sort(),
    );
    expect(await text('[data-testid=waterfall] figcaption')).toMatch(/\d+ spans in [\d.]+ ms/);
    expect(await page.$$('[data-testid=waterfall] .kind-server')).not.toHaveLength(0);
    // Attributes on hover.
    await page.hover('[data-testid=waterfall] .wf-row .wf-span-button');
    await page.waitForSelector('[data-testid=waterfall] .wf-details dt');
    expect(await text('[data-testid=waterfall] .wf-details')).toMatch(/http\.|url\./);
    expect(
      await drawn((await page.$('[data-testid=waterfall]'))!, 'endpoint-waterfall'),
    ).toBeGreaterThan(0.03);
    await axe('endpoint');

    // Another behaviour: its own trace.
    await page.click(`[data-testid=behaviours] a[href$="behaviour=${behaviours[1].fingerprint}"]`);
    await page.waitForFunction(
      (id: string) =>
        !!document.querySelector(`[data-testid=waterfall] .wf-row[data-span-id="${id}"]`),
      {},
      behaviours[1].representativeTrace.spans[0].spanId,
    );
  });

  it('lists an endpoint’s tests with assertions in words, verification, provenance and files; generates on request', async () => {
    await go(`#/tests?endpoint=${encodeURIComponent(POST_ORDERS)}`);
    await page.waitForSelector('[data-testid=tests]');
    // The demo's generator may still be storing tests (it generates on new model versions): the
    // view, which polls, shows the endpoint's current tests once it has caught up.
    let list: any[] = [];
    await eventually(
      async () => {
        const { tests } = await api(
          `query($e: String!) { tests(endpoint: $e, first: 50) { edges { node { testId name kind } } } }`,
          { e: POST_ORDERS },
        );
        list = tests.edges.map((e: any) => e.node);
        return (await page.$$('[data-testid=tests] tbody tr')).length === list.length;
      },
      'the tests view to list the endpoint’s current tests',
      60_000,
    );
    const rule = list.find((t: any) => t.kind === 'RULE');
    await page.click(`[data-testid=tests] a[href$="test=${rule.testId}"]`);
    await waitForText('[data-testid=test-detail] h3', rule.name);
    const detail = await text('[data-testid=test-detail]');
    expect(detail).toContain('deterministic (testgen-deterministic/1)');
    expect(detail).toMatch(/verified \d+ checks kept: each holds on \d+ recorded traces/);
    expect(await text('[data-testid=assertions]')).toContain('if user.likes_potatoes = true:');
    const files = await page.$$eval('[data-testid=test-detail] a.download', (as) =>
      as.map((a) => ({
        href: a.getAttribute('href'),
        name: a.getAttribute('download'),
        kind: a.getAttribute('data-kind'),
      })),
    );
    expect(files[0]).toMatchObject({ name: `${rule.testId}.trace.spec.ts`, kind: 'Jest' });
    expect(files.filter((f) => f.kind === 'Tracetest').length).toBeGreaterThanOrEqual(1);
    for (const f of files) expect(f.href).toMatch(/^blob:/);
    await axe('tests');

    await page.click('.toolbar button');
    await waitForText('[data-testid=generate-result]', /Generation (succeeded|skipped): \d+ kept/);
  });

  it('shows runs; a failed run names the assertion’s expected and found, on the waterfall with the involved spans', async () => {
    await go('#/runs');
    await page.waitForSelector('[data-testid=runs] tbody tr');
    const rows = await page.$$eval('[data-testid=runs] tbody tr', (trs) =>
      trs.map((t) => (t as { innerText: string }).innerText),
    );
    expect(rows.length).toBeGreaterThanOrEqual(2);
    expect(rows.filter((r) => /test run \(live\)\s+\S+\s+passed\s+6\s+0/.test(r))).toHaveLength(1);
    expect(rows.filter((r) => /test run \(live\)\s+\S+\s+failed\s+3\s+3/.test(r))).toHaveLength(1);
    const index = rows.findIndex((r) => /failed\s+3\s+3/.test(r));
    await page.click(`[data-testid=runs] tbody tr:nth-child(${index + 1}) th a`);
    await page.waitForSelector('[data-testid=failed-assertions]');
    const failures = await text('[data-testid=run-detail]');
    expect(failures).toContain(
      'expected a span matching {service=potato-shop kind=client semantic="db postgresql INSERT orders"}',
    );
    expect(failures).toMatch(/found no such span/);
    await page.waitForSelector('[data-testid=run-detail] [data-testid=waterfall] .wf-involved');
    const first = (await page.$('[data-testid=run-detail] .failed-trace'))!;
    expect(await first.$$('.wf-involved')).not.toHaveLength(0);
    expect(await drawn((await first.$('[data-testid=waterfall]'))!, 'failed-run')).toBeGreaterThan(
      0.02,
    );
    await axe('runs');

    // A verify run started from the page appears in the list without a reload.
    const before = rows.length;
    await page.click('.toolbar button');
    await page.waitForFunction(
      (n: number) => document.querySelectorAll('[data-testid=runs] tbody tr').length > n,
      { timeout: 120_000 },
      before,
    );
    expect(await text('[data-testid=runs]')).toContain('verify (stored traces)');
  });

  it('puts model versions on a timeline and draws the diff between two of them on the map', async () => {
    const { modelVersions } = await api(
      '{ modelVersions(first: 50) { edges { node { version } } } }',
    );
    const versions = modelVersions.edges
      .map((e: any) => e.node.version as number)
      .sort((a: number, b: number) => a - b);
    expect(versions.length).toBeGreaterThanOrEqual(2);
    const [from, to] = [versions[0], versions[versions.length - 1]];
    const { modelDiff } = await api(
      'query($f: Int!, $t: Int!) { modelDiff(from: $f, to: $t) { changes { kind summary } } }',
      { f: from, t: to },
    );
    await go('#/drift');
    await page.waitForSelector('[data-testid=timeline] li');
    expect(await page.$$('[data-testid=timeline] li')).toHaveLength(versions.length);
    await go(`#/drift?from=${from}&to=${to}`);
    await waitForText('h2', `From v${from} to v${to}: ${modelDiff.changes.length} change`);
    const listed = await page.$$eval('[data-testid=changes] li', (lis) =>
      lis.map((l) => (l as { innerText: string }).innerText),
    );
    expect(listed).toHaveLength(modelDiff.changes.length);
    expect(listed.join('\n')).toContain(modelDiff.changes[0].summary);
    await page.waitForSelector('[data-testid=system-map] svg');
    // What the first version already held depends on how far the demo's traffic had got when it
    // was built (a busy machine builds it later, from more): the map marks exactly the diff's
    // structural additions, whichever they are.
    const structural = modelDiff.changes.filter((c: { kind: string }) =>
      ['service_added', 'endpoint_added', 'entity_added', 'edge_added'].includes(c.kind),
    );
    const added = await page.$$('[data-testid=system-map] .status-added');
    if (structural.length > 0) expect(added.length).toBeGreaterThan(0);
    else expect(added).toHaveLength(0);
    expect(await drawn((await page.$('[data-testid=system-map]'))!, 'drift')).toBeGreaterThan(0.03);
    await axe('drift');
  });
});
