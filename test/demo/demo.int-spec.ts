import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnNode } from '@t2t/test-support';
import { checkTracetestFile } from '../../libs/testgen/test/tracetest.grammar';

/**
 * The README's main command, end to end on a fresh data directory: the demo starts the product
 * embedded (no broker), runs the potato shop as two services traced by the real OpenTelemetry
 * Node SDK and sends the synthetic checkout system's traces, all over OTLP/HTTP; it must print the
 * model it learned, write the generated tests and the model picture, and run the shop's tests
 * against the live shop: passing while healthy, failing on the missing INSERT after the fault.
 */
describe('npm run demo', () => {
  it('learns the example systems, prints the model and rules, writes Jest, Tracetest and Mermaid files, and tests the live shop', async () => {
    const dir = mkdtempSync(join(tmpdir(), 't2t-demo-'));
    const out = join(dir, 'out');
    const demo = spawnNode(
      [
        '-r',
        '@swc-node/register',
        'scripts/demo.ts',
        '--exit',
        '--requests',
        '500',
        '--data',
        join(dir, 'data'),
        '--out',
        out,
        '--timeout',
        '150',
      ],
      {
        // Ports of its own: another test may hold the defaults.
        HTTP_PORT: '0',
        OTLP_HTTP_PORT: '0',
        OTLP_GRPC_PORT: '0',
      },
    );
    try {
      const exit = await demo.exited;
      const output = demo.output();
      expect({ exit, tail: output.slice(-3000) }).toMatchObject({ exit: { code: 0 } });

      // Progress while it works, then the learned model.
      expect(output).toMatch(/… [\d,]+\/[\d,]+ spans stored, [\d,]+ traces clustered, model v\d+/);
      expect(output).toMatch(
        /Services \(10\): analytics-service, cart-service, catalog-service, email-service, fraud-service, inventory-service, payment-service, potato-handler, potato-shop, storefront/,
      );
      for (const endpoint of [
        'potato-shop|HTTP POST /orders',
        'potato-shop|HTTP GET /orders/{id}',
        'storefront|HTTP POST /checkout',
        'storefront|HTTP GET /products',
        'analytics-service|CONSUME order.placed',
      ]) {
        expect(output).toContain(`  ${endpoint}  — `);
      }
      // The live shop's traffic (120 orders, 40 reads): the two paths of POST /orders.
      expect(output).toMatch(/potato-shop\|HTTP POST \/orders {2}— \d+ traces, 2 behaviour\(s\)/);
      expect(output).toMatch(
        /potato-shop\|HTTP GET \/orders\/\{id\} {2}— \d+ traces, 1 behaviour\(s\)/,
      );
      expect(output).toContain('table orders');
      expect(output).toContain('topic order.placed');
      expect(output).toMatch(
        /potato-shop\|HTTP POST \/orders: calls potato-handler POST \/potatoes only if user\.likes_potatoes = true \(support \d+, confidence 1\.000\)/,
      );
      expect(output).toMatch(
        /storefront\|HTTP POST \/checkout: calls fraud-service POST \/screenings only if cart\.items >= 10/,
      );
      expect(output).toMatch(/Tests: [1-9]\d* kept/);

      // The runner against the live shop: healthy, every run passes; with the INSERT dropped,
      // the tests that assert it fail and say which span is missing.
      const [healthy, faulty] = output.split('A code change drops the orders INSERT');
      expect(faulty).toBeDefined();
      expect(healthy).toMatch(/6 run\(s\) of 5 spec\(s\): 6 passed, 0 failed, 0 error\(s\)/);
      expect(faulty).toMatch(/6 run\(s\) of 5 spec\(s\): 3 passed, 3 failed, 0 error\(s\)/);
      expect(faulty).toContain(
        'expected: a span matching {service=potato-shop kind=client semantic="db postgresql INSERT orders"}',
      );
      expect(faulty).toMatch(/found: {4}no such span/);
      expect(output).toMatch(
        /Web UI: http:\/\/localhost:\d+\/ {2}\(sign in with the API key below\)/,
      );
      expect(output).toMatch(
        /GraphQL API: http:\/\/localhost:\d+\/graphql {2}\(API key: demo-[0-9a-f]+\)/,
      );

      // The files.
      const files = readdirSync(join(out, 'tests'));
      const jest = files.filter((f) => f.endsWith('.trace.spec.ts'));
      const yaml = files.filter((f) => f.endsWith('.tracetest.yaml'));
      const specs = files.filter((f) => f.endsWith('.json'));
      expect(jest.length).toBeGreaterThan(5);
      // One Tracetest file per test at least (variants and journey steps get their own).
      for (const f of jest)
        expect(yaml).toContain(f.replace(/\.trace\.spec\.ts$/, '.tracetest.yaml'));
      expect(specs.length).toBe(jest.length);
      const someJest = readFileSync(join(out, 'tests', jest[0]), 'utf8');
      expect(someJest).toContain("from '@trace2test/runner'");
      expect(someJest).toMatch(/expect\(trace\)\.(not\.)?toHaveSpan/);
      expect(readFileSync(join(out, 'tests', yaml[0]), 'utf8')).toMatch(/^type: "Test"$/m);
      // Every Tracetest file the demo wrote parses with Tracetest's grammar, status checks included.
      const problems = yaml.flatMap((f) =>
        checkTracetestFile(readFileSync(join(out, 'tests', f), 'utf8')).problems.map(
          (p) => `${f}: ${p}`,
        ),
      );
      expect(problems).toEqual([]);
      expect(readFileSync(join(out, 'model.md'), 'utf8')).toMatch(/```mermaid\nflowchart LR\n/);
      expect(readFileSync(join(out, 'model.md'), 'utf8')).toContain(
        'if user.likes_potatoes = true',
      );
      expect(existsSync(join(out, 'model.json'))).toBe(true);
    } finally {
      demo.child.kill('SIGKILL');
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
