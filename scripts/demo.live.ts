/**
 * The demo's live part: the potato shop (libs/examples-live) as two real Node services traced by
 * the OpenTelemetry Node SDK, exporting OTLP/HTTP to the demo's receiver; production-like traffic
 * against it; and the generated tests run against it with the runner library.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type RunningPotatoService, startPotatoService } from '@t2t/examples-live';
import {
  ClickHouseTraceSource,
  runSuite,
  SpecRunner,
  StoredEndpointTimings,
  type SuiteResult,
} from '@t2t/runner';
import { type ClickHouseHandle, ModelRepository, SpanRepository } from '@t2t/storage';
import type { TestSpec } from '@t2t/testgen';

export type ShopFaults = { dropDbWrite?: boolean; flipPotatoBranch?: boolean };

export interface LiveShop {
  readonly url: string;
  /** Restarts the shop on the same port with these faults (none: healthy). */
  restart(faults: ShopFaults): Promise<void>;
  stop(): Promise<void>;
}

export async function startLiveShop(otlpTracesUrl: string): Promise<LiveShop> {
  const dir = mkdtempSync(join(tmpdir(), 't2t-demo-shop-'));
  const ordersFile = join(dir, 'orders.jsonl');
  const handler = await startPotatoService({ role: 'potato-handler', otlpTracesUrl });
  const startShop = (faults: ShopFaults, port?: number) =>
    startPotatoService({
      role: 'shop',
      ...(port === undefined ? {} : { port }),
      otlpTracesUrl,
      potatoHandlerUrl: handler.url,
      ordersFile,
      faults,
    });
  let shop: RunningPotatoService;
  try {
    shop = await startShop({});
  } catch (e) {
    await handler.stop();
    throw e;
  }
  return {
    get url() {
      return shop.url;
    },
    async restart(faults) {
      await shop.stop();
      shop = await startShop(faults, shop.port);
    },
    async stop() {
      await shop.stop();
      await handler.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * Production traffic as users send it (no traceparent): `orders` POST /orders, two in five from
 * users who like potatoes, then `reads` GET /orders/{id} of orders created. A few at a time.
 */
export async function liveTraffic(shopUrl: string, orders: number, reads: number): Promise<void> {
  const created: number[] = [];
  const inFlight = 4;
  const order = async (i: number) => {
    const res = await fetch(`${shopUrl}/orders`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        user: { id: 1000 + ((i * 7919) % 9000), likes_potatoes: i % 5 < 2 },
        cart: { items: 1 + (i % 12) },
      }),
    });
    if (res.status !== 201)
      throw new Error(`potato shop answered ${res.status} to POST /orders: ${await res.text()}`);
    created.push(((await res.json()) as { id: number }).id);
  };
  const read = async (i: number) => {
    const res = await fetch(`${shopUrl}/orders/${created[(i * 13) % created.length]}`);
    if (res.status !== 200)
      throw new Error(`potato shop answered ${res.status} to GET /orders/{id}`);
    await res.text();
  };
  await inBatches(orders, inFlight, order);
  await inBatches(reads, inFlight, read);
}

async function inBatches(n: number, width: number, fn: (i: number) => Promise<void>) {
  for (let i = 0; i < n; i += width)
    await Promise.all(Array.from({ length: Math.min(width, n - i) }, (_, k) => fn(i + k)));
}

/**
 * Runs specs against the shop: each trigger carries a fresh traceparent, the runner waits for the
 * trace in the demo's own ClickHouse and evaluates the assertions. The services export every
 * 100 ms, so a 1 s settle period is plenty (the default floor assumes the SDKs' 5 s).
 */
export function runLiveTests(
  handle: ClickHouseHandle,
  specs: readonly TestSpec[],
  shopUrl: string,
): Promise<SuiteResult> {
  const runner = new SpecRunner({
    traces: new ClickHouseTraceSource(new SpanRepository(handle)),
    timings: new StoredEndpointTimings(new ModelRepository(handle)),
    wait: { settleMs: 1_000, pollMs: 100, timeoutMs: 30_000 },
  });
  return runSuite(runner, specs, { baseUrl: shopUrl, concurrency: 4 });
}
