/**
 * No Docker engine or cluster runs here, so the deployment files are checked against the code:
 * they parse, the commands point at entry files the build produces, every environment key is an
 * option the services declare, probes use the health endpoints, and ports agree.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadAll, load } from 'js-yaml';
import { serviceEnvDocs } from '../../scripts/env-docs.data';
import { kafkaEnv } from '@t2t/messaging';

const root = join(__dirname, '..', '..');
const read = (p: string) => readFileSync(join(root, p), 'utf8');
const APPS = ['ingest', 'clustering', 'modeling', 'generator'];

/** Keys any service declares (per-service checks tighten as services grow their own options). */
const declaredKeys = new Set<string>([
  ...serviceEnvDocs().flatMap((d) =>
    [...d.table.matchAll(/^\| `([A-Z0-9_]+)`/gm)].map((m) => m[1]),
  ),
  ...kafkaEnv.describe().map((d) => d.key),
]);

/** Where `nest build <app>` puts an app's entry file (nest-cli.json entryFile under dist/apps/<app>). */
function builtEntry(app: string): string {
  const cli = JSON.parse(read('nest-cli.json')) as {
    projects: Record<string, { entryFile: string }>;
  };
  return `dist/apps/${app}/${cli.projects[app].entryFile}.js`;
}

type Json = Record<string, any>;

describe('docker-compose.yml', () => {
  const compose = load(read('docker-compose.yml')) as Json;
  const services = compose.services as Record<string, Json>;

  it('runs Kafka, ClickHouse, the collector and all four services', () => {
    expect(Object.keys(services).sort()).toEqual([
      'clickhouse',
      'clustering',
      'generator',
      'ingest',
      'kafka',
      'modeling',
      'otel-collector',
    ]);
  });

  it.each(APPS)(
    '%s runs the built entry file with declared options and waits for its dependencies',
    (app) => {
      const svc = services[app];
      expect(svc.command).toEqual(['node', builtEntry(app)]);
      expect(svc.build.dockerfile).toBe('deploy/docker/Dockerfile');
      expect(existsSync(join(root, svc.build.dockerfile))).toBe(true);
      const unknown = Object.keys(svc.environment).filter((k) => !declaredKeys.has(k));
      expect(unknown).toEqual([]);
      expect(svc.environment.CLICKHOUSE_URL).toBe('http://clickhouse:8123');
      expect(svc.environment.KAFKA_BROKERS).toBe('kafka:9092');
      for (const dep of Object.keys(svc.depends_on)) expect(services[dep]).toBeDefined();
    },
  );

  it('gives the services the credentials the ClickHouse container creates', () => {
    expect(services.ingest.environment.CLICKHOUSE_USER).toBe(
      services.clickhouse.environment.CLICKHOUSE_USER,
    );
    expect(services.ingest.environment.CLICKHOUSE_PASSWORD).toBe(
      services.clickhouse.environment.CLICKHOUSE_PASSWORD,
    );
  });

  it('configures Kafka as a single KRaft node advertised under the name services use', () => {
    const env = services.kafka.environment;
    expect(env.KAFKA_PROCESS_ROLES).toBe('broker,controller');
    expect(env.KAFKA_ADVERTISED_LISTENERS).toBe(
      `PLAINTEXT://${services.ingest.environment.KAFKA_BROKERS}`,
    );
    expect(services.kafka.image).toMatch(/^apache\/kafka:4\./);
  });

  it('mounts the collector config that exports to the spans topic', () => {
    expect(services['otel-collector'].volumes[0]).toMatch(/^\.\/deploy\/collector\/otelcol\.yaml:/);
  });
});

describe('deploy/collector/otelcol.yaml', () => {
  const cfg = load(read('deploy/collector/otelcol.yaml')) as Json;

  it('exports traces as otlp_proto to otlp_spans on the compose broker', () => {
    expect(cfg.exporters.kafka.traces).toEqual({ topic: 'otlp_spans', encoding: 'otlp_proto' });
    expect(cfg.exporters.kafka.brokers).toEqual(['kafka:9092']);
    expect(cfg.service.pipelines.traces).toEqual({
      receivers: ['otlp'],
      processors: ['memory_limiter', 'batch'],
      exporters: ['kafka'],
    });
  });

  it('references only components it defines', () => {
    const p = cfg.service.pipelines.traces as Json;
    for (const r of p.receivers) expect(cfg.receivers[r]).toBeDefined();
    for (const r of p.processors) expect(cfg.processors[r]).toBeDefined();
    for (const r of p.exporters) expect(cfg.exporters[r]).toBeDefined();
  });
});

describe('deploy/k8s/base/trace2test.yaml', () => {
  const docs = loadAll(read('deploy/k8s/base/trace2test.yaml')) as Json[];
  const configMap = docs.find((d) => d.kind === 'ConfigMap')!;
  const secrets = docs.filter((d) => d.kind === 'Secret');

  it('has one Deployment per service', () => {
    expect(
      docs
        .filter((d) => d.kind === 'Deployment')
        .map((d) => d.metadata.name)
        .sort(),
    ).toEqual(APPS.map((a) => `trace2test-${a}`).sort());
  });

  it('declares only options the services know', () => {
    const keys = [
      ...Object.keys(configMap.data),
      ...secrets.flatMap((s) => Object.keys(s.stringData)),
    ];
    expect(keys.filter((k) => !declaredKeys.has(k))).toEqual([]);
  });

  it.each(APPS)(
    '%s: entry file, probes on the health endpoints, port and grace period agree with the config',
    (app) => {
      const dep = docs.find(
        (d) => d.kind === 'Deployment' && d.metadata.name === `trace2test-${app}`,
      )!;
      const pod = dep.spec.template.spec;
      const c = pod.containers[0];
      expect(dep.spec.selector.matchLabels).toEqual(dep.spec.template.metadata.labels);
      expect(c.command).toEqual(['node', builtEntry(app)]);
      expect(c.ports[0].containerPort).toBe(Number(configMap.data.HTTP_PORT));
      expect(c.livenessProbe.httpGet.path).toBe('/health/live');
      expect(c.readinessProbe.httpGet.path).toBe('/health/ready');
      expect(c.env.every((e: Json) => declaredKeys.has(e.name))).toBe(true);
      // Kubernetes must wait longer than the service's own flush deadline before SIGKILL.
      expect(pod.terminationGracePeriodSeconds).toBeGreaterThan(
        parseInt(configMap.data.SHUTDOWN_TIMEOUT, 10),
      );
    },
  );

  it('runs modeling as a single instance (one active modeler)', () => {
    const dep = docs.find((d) => d.metadata.name === 'trace2test-modeling')!;
    expect(dep.spec.replicas).toBe(1);
    expect(dep.spec.strategy.type).toBe('Recreate');
  });
});

describe('deploy/docker/Dockerfile', () => {
  const dockerfile = read('deploy/docker/Dockerfile');

  it('builds with the lockfile and ships the migrations the services read at start-up', () => {
    expect(dockerfile).toMatch(/^RUN npm install --no-audit --no-fund$/m);
    expect(dockerfile).toMatch(/^RUN npm run build/m);
    expect(dockerfile).toContain(
      'COPY --from=build /app/libs/storage/migrations ./libs/storage/migrations',
    );
    expect(existsSync(join(root, 'libs/storage/migrations'))).toBe(true);
  });

  it('runs on the Node major the project supports', () => {
    const engines = (JSON.parse(read('package.json')) as Json).engines.node as string;
    const major = /FROM node:(\d+)/.exec(dockerfile)![1];
    expect(Number(major)).toBeGreaterThanOrEqual(Number(/\d+/.exec(engines)![0]));
  });
});
