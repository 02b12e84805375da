import { resolve } from 'node:path';
import { Logger } from '@nestjs/common';
import { GraphqlClient, tenantHeaders } from '@t2t/runner';
import { EmbeddedStorageError, openStorage } from '@t2t/storage';
import type { CliContext } from '../cli.context';
import { type ProbeResult, probeServer } from '../remote/server.probe';
import { embeddedStoreHolder } from '../remote/store-holder';
import { localServerUrl } from '../server.env';
import { DirectTestBackend } from './direct.backend';
import { ServerTestBackend } from './server.backend';
import type { TestBackend } from './test.backend';

/** `--server`, `--api-key` and `--tenant`, shared by `test run` and `test verify`. */
export interface ServerFlags {
  server?: string;
  apiKey?: string;
  tenant?: string;
}

/**
 * Where a test command reads and stores:
 *
 * 1. `--server` (or T2T_SERVER_URL): that server's GraphQL API, nothing opened locally (it must
 *    answer, and take the key, before anything runs);
 * 2. otherwise ClickHouse as the services open it (a server, or the embedded directory); but when
 *    another live process holds the embedded directory (the all-in-one server, `npm start`, owns
 *    it while it runs, and the engine allows one process per directory), the server on this
 *    machine (`http://127.0.0.1:$HTTP_PORT$GRAPHQL_PATH`) if it answers, said on stderr.
 *
 * Either way the data is one tenant's (`--tenant`, else T2T_TENANT, else `default`): direct reads
 * and writes are confined to it; a server is told it in its tenant header when no API key is
 * sent (a key's tenant is the key's, and a header naming another one is refused).
 *
 * Failing to open anything is the command's failure (exit 1), with what to do about it. The
 * holder is looked up before opening, so the usual case goes to the server without the engine
 * printing its lock error; a failed open looks again (it may have started meanwhile).
 */
export async function openTestBackend(
  ctx: CliContext,
  command: string,
  flags: ServerFlags,
): Promise<TestBackend | undefined> {
  const fail = (message: string): undefined => {
    ctx.stderr.write(`t2t ${command}: ${message}\n`);
    ctx.exitCode = 1;
    return undefined;
  };
  const apiKey = flags.apiKey ?? ctx.config.server.apiKey;
  const tenant = flags.tenant ?? ctx.config.tenant.tenant;
  const client = (url: string) => {
    if (apiKey !== undefined && flags.tenant !== undefined) {
      ctx.stderr.write(
        `t2t ${command}: --tenant is not sent to a server with an API key: the key's tenant decides\n`,
      );
    }
    return new GraphqlClient(url, {
      ...(apiKey === undefined ? {} : { apiKey }),
      headers: tenantHeaders(tenant, ctx.config.tenant.header, apiKey),
    });
  };
  const explicit = flags.server ?? ctx.config.server.url;
  if (explicit !== undefined) {
    // Asked once up front: one clear error instead of every run failing on its own.
    const answer = await probeServer(explicit, apiKey);
    if (!answer.answered || !answer.authenticated) return fail(answer.reason);
    return new ServerTestBackend(client(explicit));
  }

  const storage = ctx.config.storage;
  const local = localServerUrl(ctx.config.server);
  const dataPath = resolve(storage.dataPath);
  let probe: ProbeResult | undefined;
  /**
   * The local server when it answers (with a note on stderr), a failure when it refuses the key,
   * or why none answers there.
   */
  const throughLocalServer = async (
    holder: number,
  ): Promise<TestBackend | { absent: string } | undefined> => {
    probe ??= await probeServer(local, apiKey);
    if (!probe.answered) return { absent: probe.reason };
    if (!probe.authenticated) {
      return fail(
        `the embedded ClickHouse directory ${dataPath} is in use by process ${holder}, and the trace2test server at ${local} ` +
          (apiKey === undefined
            ? 'needs an API key: pass --api-key or set T2T_API_KEY'
            : 'refused the API key: pass one of its GRAPHQL_API_KEYS with --api-key or T2T_API_KEY'),
      );
    }
    ctx.stderr.write(
      `t2t ${command}: the embedded ClickHouse directory ${dataPath} is in use by process ${holder}; going through the trace2test server at ${local}\n`,
    );
    return new ServerTestBackend(client(local));
  };

  const embedded = storage.url === undefined;
  const before = embedded ? await embeddedStoreHolder(dataPath) : undefined;
  if (before !== undefined) {
    const viaServer = await throughLocalServer(before);
    // No server answers: the status file may be a crashed process's; opening tells.
    if (viaServer === undefined || !('absent' in viaServer)) return viaServer;
  }
  try {
    return new DirectTestBackend(await openStorage(storage, new Logger('storage')), tenant);
  } catch (e) {
    const holder =
      embedded && e instanceof EmbeddedStorageError
        ? ((await embeddedStoreHolder(dataPath)) ?? before)
        : undefined;
    if (holder === undefined) return fail(`cannot open ClickHouse: ${(e as Error).message}`);
    const viaServer = await throughLocalServer(holder);
    if (viaServer === undefined || !('absent' in viaServer)) return viaServer;
    return fail(
      `cannot open ClickHouse: process ${holder} holds the embedded directory ${dataPath} ` +
        '(the trace2test server, `npm start`, or another t2t command; one process per directory), ' +
        `and no trace2test server answers at ${local} (${viaServer.absent}). ` +
        'Pass --server <GraphQL URL of the server that holds it> (or set T2T_SERVER_URL), and --api-key if it needs one.',
    );
  }
}
