import { freshStorageConfig, type RunningService, startTestService } from '@t2t/test-support';
import { generatorEnv } from '../src/generator.env';
import { GeneratorModule } from '../src/generator.module';

/*
 * The web UI beside the API in the generator service: the page at `/` (with the API's path and
 * auth mode written in, and a policy that lets it load nothing from elsewhere), its script and
 * stylesheet bundled from apps/web (this process runs from the sources), and every other route
 * as before. With WEB_UI=false, nothing at `/`.
 */
describe('the web UI in the generator service', () => {
  const KEY = 'web-ui-key-0123456789abcdef';
  let storage: ReturnType<typeof freshStorageConfig>;
  let service: RunningService;

  beforeAll(async () => {
    storage = freshStorageConfig();
    const config = generatorEnv.parse({
      CLICKHOUSE_DATA_PATH: storage.config.dataPath,
      HTTP_PORT: '0',
      GRAPHQL_API_KEYS: KEY,
      GRAPHQL_PATH: '/api/graphql',
      GENERATOR_SCHEDULE: 'off',
      GENERATOR_RUN_ON_START: 'false',
    });
    service = await startTestService(GeneratorModule.forRoot(config));
  });

  afterAll(async () => {
    await service?.close();
    storage?.cleanup();
  });

  it('serves the page at / with the API’s path and auth mode, and a same-origin-only policy', async () => {
    const res = await fetch(`${service.baseUrl}/`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/html');
    const csp = res.headers.get('content-security-policy') ?? '';
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("connect-src 'self'");
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    const html = await res.text();
    expect(html).toContain('<meta name="t2t-graphql-path" content="/api/graphql">');
    expect(html).toContain('<meta name="t2t-auth" content="api-key">');
    expect(html).toContain('<script src="assets/app.js" defer></script>');
    // Nothing in the page points elsewhere.
    expect(html).not.toMatch(/https?:\/\//);
  });

  it('serves the bundled script and stylesheet, built from apps/web', async () => {
    const js = await fetch(`${service.baseUrl}/assets/app.js`);
    expect(js.status).toBe(200);
    expect(js.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    const script = await js.text();
    expect(script.length).toBeGreaterThan(50_000);
    // React and the layout are in the bundle; nothing is imported at run time.
    expect(script).not.toMatch(/\bimport\s*\(|from\s*["']https?:/);
    const css = await fetch(`${service.baseUrl}/assets/app.css`);
    expect(css.headers.get('content-type')).toBe('text/css; charset=utf-8');
    expect(await css.text()).toContain('.system-map');
    expect((await fetch(`${service.baseUrl}/assets/other.js`)).status).toBe(404);
    expect((await fetch(`${service.baseUrl}/assets/..%2Fweb-ui.module.ts`)).status).toBe(404);
  });

  it('leaves the API, health and metrics where they were', async () => {
    expect((await fetch(`${service.baseUrl}/health/live`)).status).toBe(200);
    expect((await fetch(`${service.baseUrl}/metrics`)).status).toBe(200);
    const refused = await fetch(`${service.baseUrl}/api/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: '{ __typename }' }),
    });
    expect(refused.status).toBe(401);
    const answered = await fetch(`${service.baseUrl}/api/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${KEY}` },
      body: JSON.stringify({ query: '{ __typename }' }),
    });
    expect(await answered.json()).toEqual({ data: { __typename: 'Query' } });
  });
});

// Its own describe: the first service's embedded engine is closed before this one opens another.
describe('the generator service with WEB_UI=false', () => {
  let storage: ReturnType<typeof freshStorageConfig>;
  let service: RunningService;

  beforeAll(async () => {
    storage = freshStorageConfig();
    service = await startTestService(
      GeneratorModule.forRoot(
        generatorEnv.parse({
          CLICKHOUSE_DATA_PATH: storage.config.dataPath,
          HTTP_PORT: '0',
          GRAPHQL_AUTH: 'off',
          GENERATOR_SCHEDULE: 'off',
          GENERATOR_RUN_ON_START: 'false',
          WEB_UI: 'false',
        }),
      ),
    );
  });

  afterAll(async () => {
    await service?.close();
    storage?.cleanup();
  });

  it('serves nothing at /', async () => {
    expect((await fetch(`${service.baseUrl}/`)).status).toBe(404);
    expect((await fetch(`${service.baseUrl}/assets/app.js`)).status).toBe(404);
    expect((await fetch(`${service.baseUrl}/health/live`)).status).toBe(200);
  });
});
