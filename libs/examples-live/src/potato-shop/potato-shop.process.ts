import { type ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import { readProcessEnv } from '@t2t/config';

/** The repository root (the child runs from there so `@swc-node/register` finds tsconfig.json). */
const ROOT = join(__dirname, '..', '..', '..', '..');
const MAIN = join(__dirname, 'potato-shop.main.ts');

export interface PotatoServiceOptions {
  role: 'shop' | 'potato-handler';
  /** 0 (default) picks a free port; pass the previous one to restart on the same address. */
  port?: number;
  otlpTracesUrl?: string;
  potatoHandlerUrl?: string;
  ordersFile?: string;
  exportDelayMs?: number;
  faults?: { dropDbWrite?: boolean; flipPotatoBranch?: boolean; leakTraceContext?: boolean };
  /**
   * Where it runs: what differs between two deployments of the same code (resource attributes,
   * database host and name). Defaults: the shop's usual values.
   */
  environment?: { serviceVersion?: string; name?: string; dbHost?: string; dbName?: string };
  /** How long start-up may take, ms. Default 30 s (the TypeScript is compiled on the fly). */
  startTimeoutMs?: number;
}

export interface RunningPotatoService {
  url: string;
  port: number;
  /** stdout and stderr so far. */
  output(): string;
  /** SIGTERM (spans still batched are exported first), SIGKILL after 10 s. */
  stop(): Promise<void>;
}

/**
 * Starts one role of the potato shop as a child process: a real Node process with the real
 * OpenTelemetry SDK, whose `http` the instrumentation patches as in production (Jest's module
 * sandbox would get in the way in-process). Resolves once it listens.
 */
export async function startPotatoService(o: PotatoServiceOptions): Promise<RunningPotatoService> {
  const env: Record<string, string> = {
    PATH: readProcessEnv().PATH ?? '',
    NO_COLOR: '1',
    POTATO_ROLE: o.role,
    PORT: String(o.port ?? 0),
    EXPORT_DELAY: `${o.exportDelayMs ?? 100}ms`,
    DROP_DB_WRITE: o.faults?.dropDbWrite ? '1' : '0',
    FLIP_POTATO_BRANCH: o.faults?.flipPotatoBranch ? '1' : '0',
    LEAK_TRACE_CONTEXT: o.faults?.leakTraceContext ? '1' : '0',
  };
  if (o.otlpTracesUrl !== undefined) env.OTLP_TRACES_URL = o.otlpTracesUrl;
  if (o.potatoHandlerUrl !== undefined) env.POTATO_HANDLER_URL = o.potatoHandlerUrl;
  if (o.ordersFile !== undefined) env.ORDERS_FILE = o.ordersFile;
  if (o.environment?.serviceVersion !== undefined)
    env.SERVICE_VERSION = o.environment.serviceVersion;
  if (o.environment?.name !== undefined) env.DEPLOYMENT_ENVIRONMENT = o.environment.name;
  if (o.environment?.dbHost !== undefined) env.DB_HOST = o.environment.dbHost;
  if (o.environment?.dbName !== undefined) env.DB_NAME = o.environment.dbName;
  const child: ChildProcess = spawn(process.execPath, ['-r', '@swc-node/register', MAIN], {
    cwd: ROOT,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  // A service must not outlive whoever started it (a demo stopped with kill, a crashed test).
  const onParentExit = () => child.kill('SIGTERM');
  process.once('exit', onParentExit);
  child.once('exit', () => process.off('exit', onParentExit));

  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${o.role} did not start within ${o.startTimeoutMs ?? 30_000} ms:\n${out}`));
    }, o.startTimeoutMs ?? 30_000);
    const check = () => {
      const m = /listening on http:\/\/127\.0\.0\.1:(\d+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(Number(m[1]));
      }
    };
    child.stdout!.on('data', check);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${o.role} exited with ${code} before listening:\n${out}`));
    });
  });

  return {
    url: `http://127.0.0.1:${port}`,
    port,
    output: () => out,
    stop: async () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const killer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(killer);
    },
  };
}
