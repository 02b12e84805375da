import type { DynamicModule, INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import type { AddressInfo } from 'node:net';

export interface RunningService {
  app: INestApplication;
  baseUrl: string;
  close(): Promise<void>;
}

/** Boots a service module in-process on a free port, as main.ts would (without the signal handling). */
export async function startTestService(module: DynamicModule): Promise<RunningService> {
  const ref = await Test.createTestingModule({ imports: [module] }).compile();
  const app = ref.createNestApplication({ logger: ['error', 'warn'] });
  try {
    await app.listen(0, '127.0.0.1');
  } catch (e) {
    // Release what did start (the embedded engine's directory above all) before failing.
    await app.close().catch(() => undefined);
    throw e;
  }
  const { port } = (app.getHttpServer() as import('node:http').Server).address() as AddressInfo;
  return { app, baseUrl: `http://127.0.0.1:${port}`, close: () => app.close() };
}

/** Health and metrics answers every service must give; `checks` are the readiness checks it registers. */
export async function expectHealthAndMetrics(
  baseUrl: string,
  service: string,
  checks: string[] = ['clickhouse'],
): Promise<void> {
  const live = await fetch(`${baseUrl}/health/live`);
  expect(live.status).toBe(200);
  const ready = await fetch(`${baseUrl}/health/ready`);
  expect(ready.status).toBe(200);
  const report = (await ready.json()) as {
    status: string;
    checks: Record<string, { status: string }>;
  };
  expect(report.status).toBe('ok');
  expect(Object.keys(report.checks).sort()).toEqual([...checks].sort());
  for (const c of checks) expect(report.checks[c].status).toBe('ok');
  const metrics = await fetch(`${baseUrl}/metrics`);
  expect(metrics.status).toBe(200);
  expect(metrics.headers.get('content-type')).toContain('text/plain');
  const text = await metrics.text();
  expect(text).toMatch(
    new RegExp(`^process_resident_memory_bytes\\{service="${service}"\\} \\d+`, 'm'),
  );
}
