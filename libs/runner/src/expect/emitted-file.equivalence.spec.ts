import { runInNewContext } from 'node:vm';
import { emitJestTest, type TestSpec } from '@t2t/testgen';
import * as ts from 'typescript';
import {
  fakeShopSpecs,
  type FakeShop,
  type FakeShopFaults,
  MemoryTraceSource,
  startFakeShop,
} from '../../test/fake-shop.target';
import * as runner from '../index';
import { closeRunner, configureRunner, runSpec } from '../run/default.runner';
import { evaluateRun } from '../run/run.evaluation';
import { traceMatchers } from './jest.matchers';

/**
 * The emitted Jest file means what its spec means: each file of the fake shop's specs is run with
 * the real runner and the real matchers (Jest's own `expect`, extended), against the fake shop
 * healthy and with each fault, and every test's verdict is compared with the spec's verdict on a
 * run of the same trigger (`runSpec` + `evaluateRun`, what `t2t test run` does).
 */
describe('emitted Jest files judge like their specs', () => {
  expect.extend(traceMatchers);
  let source: MemoryTraceSource;
  let shop: FakeShop;

  beforeAll(async () => {
    source = new MemoryTraceSource();
    shop = await startFakeShop({ sink: (spans) => source.add(spans), exportDelayMs: 10 });
    configureRunner({
      traces: source,
      wait: { settleMs: 60, pollMs: 10, timeoutMs: 3_000, noSpansTimeoutMs: 500 },
    });
  });
  afterAll(async () => {
    await closeRunner();
    await shop.close();
  });

  /** Each `it` of the emitted file: its title, and the failure message when it failed. */
  async function runFile(spec: TestSpec): Promise<{ title: string; failure?: string }[]> {
    const js = ts.transpileModule(emitJestTest(spec), {
      compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022 },
    }).outputText;
    const tests: { title: string; body: () => Promise<void> }[] = [];
    const module = { exports: {} };
    runInNewContext(js, {
      module,
      exports: module.exports,
      require: (name: string) => {
        if (name === '@trace2test/runner') return runner;
        if (name === '@trace2test/runner/jest') return {};
        throw new Error(`unexpected import ${name}`);
      },
      process: { env: { T2T_TARGET_URL: shop.url } },
      expect,
      describe: (_: string, body: () => void) => body(),
      it: (title: string, body: () => Promise<void>) => tests.push({ title, body }),
    });
    const out: { title: string; failure?: string }[] = [];
    for (const t of tests) {
      try {
        await t.body();
        out.push({ title: t.title });
      } catch (e) {
        out.push({ title: t.title, failure: (e as Error).message });
      }
    }
    return out;
  }

  /** The spec's verdict per trigger, as `t2t test run` reaches it. */
  async function specVerdicts(spec: TestSpec): Promise<boolean[]> {
    const verdicts: boolean[] = [];
    for (const variant of [undefined, ...(spec.variants ?? []).map((v) => v.name)]) {
      const run = await runSpec(spec, { baseUrl: shop.url, variant });
      verdicts.push(evaluateRun(spec, run).passed);
    }
    return verdicts;
  }

  const faults: [string, FakeShopFaults][] = [
    ['healthy', {}],
    ['database write dropped', { dropDbWrite: true }],
    ['potato branch flipped', { flipPotatoBranch: true }],
  ];
  it.each(faults)('%s', async (_name, fault) => {
    Object.assign(shop.faults, { dropDbWrite: false, flipPotatoBranch: false }, fault);
    for (const spec of Object.values(fakeShopSpecs())) {
      const file = await runFile(spec);
      expect(file.map((t) => t.failure === undefined)).toEqual(await specVerdicts(spec));
    }
  });

  it('names the missing span when the database write is dropped', async () => {
    Object.assign(shop.faults, { dropDbWrite: true, flipPotatoBranch: false });
    const [test] = await runFile(fakeShopSpecs().order);
    expect(test.failure?.split('\n')).toEqual([
      'expect(trace).toHaveSpan(selector)',
      '',
      'expected: a span matching {service=shop kind=client semantic="db postgresql INSERT orders"}',
      expect.stringMatching(/^found: {4}no such span; nearest: shop server "POST \/orders"/),
      expect.stringMatching(/^spans: {4}shop server "POST \/orders" \([0-9a-f]{16}\)/),
      expect.stringMatching(/^trace: {4}[0-9a-f]{32} \(2 spans\)$/),
    ]);
  });
});
