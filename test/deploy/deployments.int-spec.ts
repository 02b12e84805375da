/**
 * The deployment files as shipped start the services. No Docker engine or cluster runs here, so
 * each built service is started the way its container would be: the image's ENV, then the
 * environment docker-compose.yml or the Kubernetes manifests (rendered with kustomize, with the
 * ConfigMaps and Secrets they reference) give it, and the command they run. Only addresses change:
 * Kafka points at the test broker, ClickHouse at the embedded engine (or at the server in
 * T2T_TEST_CLICKHOUSE_URL), and the HTTP port is a free one so services can run side by side.
 * Every service must become ready.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadAll } from 'js-yaml';
import { clusteringEnv } from '../../apps/clustering/src/clustering.env';
import { ingestEnv } from '../../apps/ingest/src/ingest.env';
import {
  ensureBuilt,
  type NodeProcess,
  repoRoot as root,
  spawnNode,
  testBrokers,
  waitForMatch,
} from '@t2t/test-support';
import {
  type ContainerSpec,
  composeContainer,
  dockerfileEnv,
  type Env,
  k8sContainer,
} from './deployment-env';

const APPS = ['ingest', 'clustering', 'modeling', 'generator'] as const;
type App = (typeof APPS)[number];
type Json = Record<string, any>;

const read = (p: string) => readFileSync(join(root, p), 'utf8');
const imageEnv = dockerfileEnv(read('deploy/docker/Dockerfile'));

function kustomize(dir: string): string {
  return execFileSync('bash', [join(root, 'deploy/k8s/kustomize.sh'), 'build', join(root, dir)], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

/** The container environment with its addresses pointed at this test's broker and engine. */
function pointedAtTestParts(env: Env, dataDir: string): Env {
  const out: Env = { ...env, KAFKA_BROKERS: testBrokers().join(','), HTTP_PORT: '0' };
  const server = process.env.T2T_TEST_CLICKHOUSE_URL;
  if (server) {
    out.CLICKHOUSE_URL = server;
    out.CLICKHOUSE_USER = process.env.T2T_TEST_CLICKHOUSE_USER ?? 'default';
    if (process.env.T2T_TEST_CLICKHOUSE_PASSWORD !== undefined)
      out.CLICKHOUSE_PASSWORD = process.env.T2T_TEST_CLICKHOUSE_PASSWORD;
    else delete out.CLICKHOUSE_PASSWORD;
  } else {
    delete out.CLICKHOUSE_URL;
    out.CLICKHOUSE_DATA_PATH = dataDir;
  }
  return out;
}

interface Started {
  app: App;
  proc: NodeProcess;
  dataDir: string;
}

function startContainer(app: App, spec: ContainerSpec): Started {
  // The image's working directory is the repository layout: `node dist/apps/…` runs from there.
  expect(spec.command[0]).toBe('node');
  const dataDir = mkdtempSync(join(tmpdir(), `t2t-deploy-${app}-`));
  const proc = spawnNode(
    [join(root, spec.command[1]), ...spec.command.slice(2)],
    pointedAtTestParts(spec.env, dataDir),
  );
  return { app, proc, dataDir };
}

/** Waits until the service answers ready (or exits, which fails with its output). */
async function readyUrl(s: Started): Promise<string> {
  const [, port] = await waitForMatch(
    () => {
      if (s.proc.child.exitCode !== null)
        throw new Error(`${s.app} exited with ${s.proc.child.exitCode}:\n${s.proc.output()}`);
      return /listening on http:\/\/[^\s:]+:(\d+)/.exec(s.proc.output());
    },
    120_000,
    s.proc.output,
  );
  const base = `http://127.0.0.1:${port}`;
  let last = '';
  const deadline = Date.now() + 180_000;
  while (Date.now() < deadline) {
    if (s.proc.child.exitCode !== null)
      throw new Error(`${s.app} exited with ${s.proc.child.exitCode}:\n${s.proc.output()}`);
    const res = await fetch(`${base}/health/ready`).catch((e: Error) => e);
    if (!(res instanceof Error)) {
      last = `${res.status} ${await res.text()}`;
      if (res.status === 200) return base;
    }
    await new Promise((r) => setTimeout(r, 500));
  }
  throw new Error(`${s.app} never became ready (last answer: ${last}):\n${s.proc.output()}`);
}

async function stopAll(started: Started[]): Promise<void> {
  for (const s of started) s.proc.child.kill('SIGTERM');
  await Promise.all(
    started.map(async (s) => {
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([s.proc.exited, new Promise((r) => (timer = setTimeout(r, 60_000)))]);
      clearTimeout(timer);
      s.proc.child.kill('SIGKILL');
      rmSync(s.dataDir, { recursive: true, force: true });
    }),
  );
}

/** Starts all four services together, as the deployment runs them, and requires each to be ready. */
async function expectAllReady(
  specs: Record<App, ContainerSpec>,
  generatorKey: string,
): Promise<void> {
  const started = APPS.map((app) => startContainer(app, specs[app]));
  try {
    const urls = await Promise.all(started.map(readyUrl));
    const generator = urls[APPS.indexOf('generator')];
    // The API answers with the key the files configure, and refuses a request without one.
    const query = (headers: Record<string, string>) =>
      fetch(`${generator}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        body: JSON.stringify({ query: '{ __typename }' }),
      });
    const ok = await query({ authorization: `Bearer ${generatorKey}` });
    expect(ok.status).toBe(200);
    expect(await ok.json()).toEqual({ data: { __typename: 'Query' } });
    expect((await query({})).status).toBe(401);
  } finally {
    await stopAll(started);
  }
}

const sortKey = (d: Json) => `${d.kind}/${d.metadata.name}`;
const byKindAndName = (docs: Json[]) =>
  [...docs].sort((a, b) => sortKey(a).localeCompare(sortKey(b)));

describe('deployment files, started as shipped', () => {
  let base: Json[];
  let autoscaling: Json[];
  let baseYaml: string;

  beforeAll(async () => {
    await ensureBuilt(APPS);
    baseYaml = kustomize('deploy/k8s/base');
    base = (loadAll(baseYaml) as Json[]).filter(Boolean);
    autoscaling = (loadAll(kustomize('deploy/k8s/autoscaling')) as Json[]).filter(Boolean);
  }, 600_000);

  it('docker-compose.yml: every service becomes ready with its compose environment', async () => {
    const compose = read('docker-compose.yml');
    // As a new user runs it: `docker compose up` from a shell that sets nothing.
    const specs = Object.fromEntries(
      APPS.map((app) => [app, composeContainer(compose, app, imageEnv, {})]),
    ) as Record<App, ContainerSpec>;
    await expectAllReady(specs, specs.generator.env.GRAPHQL_API_KEYS);
  }, 600_000);

  it('deploy/k8s (kustomize base): every service becomes ready with its ConfigMap, Secrets and env', async () => {
    const specs = Object.fromEntries(
      APPS.map((app) => [app, k8sContainer(baseYaml, `trace2test-${app}`, imageEnv)]),
    ) as Record<App, ContainerSpec>;
    // Only the generator gets the API keys Secret.
    expect(specs.ingest.env.GRAPHQL_API_KEYS).toBeUndefined();
    await expectAllReady(specs, specs.generator.env.GRAPHQL_API_KEYS);
  }, 600_000);

  it('the kustomize base renders exactly the objects of the plain manifest', () => {
    const plain = (loadAll(read('deploy/k8s/base/trace2test.yaml')) as Json[]).filter(Boolean);
    expect(byKindAndName(base)).toEqual(byKindAndName(plain));
  });

  it('every PodDisruptionBudget selects the pods of one replicated Deployment', () => {
    const deployments = base.filter((d) => d.kind === 'Deployment');
    const pdbs = base.filter((d) => d.kind === 'PodDisruptionBudget');
    expect(pdbs.map((p) => p.metadata.name).sort()).toEqual(
      ['trace2test-clustering', 'trace2test-generator', 'trace2test-ingest'].sort(),
    );
    for (const pdb of pdbs) {
      const selected = deployments.filter((d) =>
        Object.entries(pdb.spec.selector.matchLabels as Json).every(
          ([k, v]) => d.spec.template.metadata.labels[k] === v,
        ),
      );
      expect(selected.map((d) => d.metadata.name)).toEqual([pdb.metadata.name]);
      expect(selected[0].spec.replicas).toBeGreaterThan(1);
      // One pod at a time: a drain never takes the whole consumer group or API down.
      expect(pdb.spec.maxUnavailable).toBe(1);
    }
  });

  it('the autoscaling overlay scales ingest and clustering on the lag of the groups they really use', () => {
    const scaled = autoscaling.filter((d) => d.kind === 'ScaledObject');
    expect(scaled.map((s) => s.spec.scaleTargetRef.name).sort()).toEqual([
      'trace2test-clustering',
      'trace2test-ingest',
    ]);
    // Everything else is the base, with KEDA owning the two scaled replica counts.
    const rest = autoscaling.filter((d) => d.kind !== 'ScaledObject');
    const expected = base.map((d) => {
      if (d.kind !== 'Deployment' || !/-(ingest|clustering)$/.test(d.metadata.name)) return d;
      const { replicas: _replicas, ...spec } = d.spec;
      return { ...d, spec };
    });
    expect(byKindAndName(rest)).toEqual(byKindAndName(expected));

    const specOf = (name: string) => k8sContainer(baseYaml, name, imageEnv);
    const ingest = ingestEnv.parse(specOf('trace2test-ingest').env);
    const clustering = clusteringEnv.parse(specOf('trace2test-clustering').env);
    const expectations = {
      'trace2test-ingest': {
        group: ingest.ingest.groupId,
        topic: ingest.ingest.topic,
        brokers: ingest.kafka.brokers,
        partitions: ingest.ingest.topicPartitions,
      },
      'trace2test-clustering': {
        group: clustering.clustering.groupId,
        topic: clustering.clustering.inputTopic,
        brokers: clustering.kafka.brokers,
        // ingest creates spans_by_trace; clustering creates it when it starts first.
        partitions: Math.min(ingest.ingest.topicPartitions, clustering.clustering.topicPartitions),
      },
    } as const;
    for (const so of scaled) {
      const want = expectations[so.spec.scaleTargetRef.name as keyof typeof expectations];
      expect(so.metadata.name).toBe(so.spec.scaleTargetRef.name);
      const [trigger] = so.spec.triggers as Json[];
      expect(trigger.type).toBe('kafka');
      expect(trigger.metadata.consumerGroup).toBe(want.group);
      expect(trigger.metadata.topic).toBe(want.topic);
      expect(trigger.metadata.bootstrapServers.split(',')).toEqual(want.brokers);
      // More consumers than partitions would sit idle.
      expect(so.spec.maxReplicaCount).toBeLessThanOrEqual(want.partitions);
      expect(so.spec.minReplicaCount).toBeGreaterThanOrEqual(1);
      expect(so.spec.minReplicaCount).toBeLessThanOrEqual(so.spec.maxReplicaCount);
      expect(Number(trigger.metadata.lagThreshold)).toBeGreaterThan(0);
    }
  });
});
