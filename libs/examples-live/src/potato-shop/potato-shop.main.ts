/**
 * The potato shop as a process: `node -r @swc-node/register potato-shop.main.ts` with its options
 * in the environment (potato-shop.env.ts). Tracing starts (instrumentation.ts) before the servers'
 * modules load `http`, so the HTTP instrumentation patches it as in any instrumented service.
 */
// Keep this import first: it starts tracing before the servers below load `http`.
import { config, serviceName, tracing } from './instrumentation';
import { createPotatoHandlerServer } from './potato-handler.server';
import { createShopServer } from './shop.server';

async function main(): Promise<void> {
  const server =
    config.role === 'shop' ? createShopServer(config) : createPotatoHandlerServer(config);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.port, '127.0.0.1', () => resolve());
  });
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : config.port;
  const faults = [
    config.dropDbWrite && 'DROP_DB_WRITE',
    config.flipPotatoBranch && 'FLIP_POTATO_BRANCH',
    config.leakTraceContext && 'LEAK_TRACE_CONTEXT',
  ].filter(Boolean);
  process.stdout.write(
    `${serviceName} listening on http://127.0.0.1:${port}${faults.length > 0 ? ` (faults: ${faults.join(', ')})` : ''}\n`,
  );

  // Spans still in the batch are exported before the process ends: a restart loses no trace.
  const stop = () => {
    server.close();
    server.closeAllConnections();
    tracing.shutdown().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}

main().catch((e: unknown) => {
  process.stderr.write(`potato-shop: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
  process.exit(1);
});
