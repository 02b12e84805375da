/**
 * The environment a container gets from the deployment files as shipped: the image's `ENV` lines,
 * then what docker-compose.yml or a Kubernetes Deployment adds (with the ConfigMaps and Secrets it
 * references). Used to start the built services exactly as those files would.
 */
import { load, loadAll } from 'js-yaml';

export type Env = Record<string, string>;
type Json = Record<string, any>;

export interface ContainerSpec {
  /** The container's command, e.g. `['node', 'dist/apps/ingest/…/main.js']`. */
  command: string[];
  env: Env;
}

/** `ENV` lines of the Dockerfile's last stage (the image that runs). */
export function dockerfileEnv(dockerfile: string): Env {
  const stages = dockerfile.split(/^FROM\s/m);
  const env: Env = {};
  for (const line of stages[stages.length - 1].split('\n')) {
    const m = /^ENV\s+(.*)$/.exec(line.trim());
    if (!m) continue;
    // `ENV K=V K2=V2` (the legacy `ENV K V` form is not used by this project's Dockerfile).
    for (const pair of m[1].match(/[A-Za-z_][A-Za-z0-9_]*=("[^"]*"|\S*)/g) ?? []) {
      const eq = pair.indexOf('=');
      env[pair.slice(0, eq)] = pair.slice(eq + 1).replace(/^"(.*)"$/, '$1');
    }
  }
  return env;
}

/**
 * Compose's variable interpolation: `$VAR`, `${VAR}`, `${VAR:-default}`, `${VAR-default}`,
 * `${VAR:?message}`, `${VAR?message}` and `$$` for a literal `$`, resolved against `host` (the
 * shell that runs `docker compose up`).
 */
export function interpolate(value: string, host: Env): string {
  return value.replace(
    /\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?)([-?])([^}]*))?\}|\$([A-Za-z_][A-Za-z0-9_]*)/g,
    (all, name?: string, colon?: string, op?: string, arg?: string, bare?: string) => {
      if (all === '$$') return '$';
      if (bare) return host[bare] ?? '';
      const set = name! in host;
      const usable = colon ? set && host[name!] !== '' : set;
      if (usable) return host[name!];
      if (op === '-') return arg ?? '';
      if (op === '?') throw new Error(`compose: ${name} is required: ${arg || 'not set'}`);
      return '';
    },
  );
}

/** One compose service's container: image ENV, then its `environment` (map or `K=V` list). */
export function composeContainer(
  composeYaml: string,
  service: string,
  imageEnv: Env,
  host: Env = {},
): ContainerSpec {
  const compose = load(composeYaml) as Json;
  const svc = (compose.services as Record<string, Json>)[service];
  if (!svc) throw new Error(`compose: no service ${service}`);
  if (svc.env_file)
    throw new Error(`compose: ${service} uses env_file, which this reader does not follow`);
  const env: Env = { ...imageEnv };
  const given = svc.environment ?? {};
  const entries: [string, unknown][] = Array.isArray(given)
    ? (given as string[]).map((e) => {
        const eq = e.indexOf('=');
        return eq < 0 ? [e, host[e]] : [e.slice(0, eq), e.slice(eq + 1)];
      })
    : Object.entries(given as Json);
  for (const [key, raw] of entries) {
    // A key without a value passes the host's value through, or nothing when the host lacks it.
    if (raw === null || raw === undefined) {
      if (key in host) env[key] = host[key];
      continue;
    }
    if (typeof raw !== 'string' && typeof raw !== 'number' && typeof raw !== 'boolean')
      throw new Error(`compose: ${service}: ${key} is not a scalar`);
    env[key] = interpolate(String(raw), host);
  }
  return { command: (svc.command as unknown[]).map((c) => interpolate(String(c), host)), env };
}

function byName(docs: Json[], kind: string, name: string): Json {
  const found = docs.find((d) => d?.kind === kind && d.metadata?.name === name);
  if (!found) throw new Error(`k8s: ${kind} ${name} is referenced but not defined`);
  return found;
}

/** A ConfigMap's or Secret's keys and values (Secret `data` is base64, `stringData` plain). */
function sourceData(doc: Json): Env {
  const out: Env = {};
  for (const [k, v] of Object.entries((doc.data ?? {}) as Json))
    out[k] = doc.kind === 'Secret' ? Buffer.from(String(v), 'base64').toString('utf8') : String(v);
  for (const [k, v] of Object.entries((doc.stringData ?? {}) as Json)) out[k] = String(v);
  return out;
}

/**
 * The first container of a Deployment: image ENV, then `envFrom` sources in order, then `env`
 * entries (literal values and `configMapKeyRef` / `secretKeyRef`), as the kubelet resolves them.
 */
export function k8sContainer(manifests: string, deployment: string, imageEnv: Env): ContainerSpec {
  const docs = (loadAll(manifests) as Json[]).filter(Boolean);
  const dep = byName(docs, 'Deployment', deployment);
  const container = dep.spec.template.spec.containers[0] as Json;
  const env: Env = { ...imageEnv };
  for (const from of (container.envFrom ?? []) as Json[]) {
    const ref = from.configMapRef ?? from.secretRef;
    const kind = from.configMapRef ? 'ConfigMap' : 'Secret';
    if (ref.optional && !docs.some((d) => d.kind === kind && d.metadata?.name === ref.name))
      continue;
    for (const [k, v] of Object.entries(sourceData(byName(docs, kind, ref.name))))
      env[`${from.prefix ?? ''}${k}`] = v;
  }
  for (const entry of (container.env ?? []) as Json[]) {
    if ('value' in entry) {
      env[entry.name] = String(entry.value);
      continue;
    }
    const ref = entry.valueFrom?.configMapKeyRef ?? entry.valueFrom?.secretKeyRef;
    if (!ref)
      throw new Error(
        `k8s: ${deployment}: env ${entry.name} has a valueFrom this reader does not follow`,
      );
    const kind = entry.valueFrom.configMapKeyRef ? 'ConfigMap' : 'Secret';
    const data = sourceData(byName(docs, kind, ref.name));
    if (!(ref.key in data)) throw new Error(`k8s: ${kind} ${ref.name} has no key ${ref.key}`);
    env[entry.name] = data[ref.key];
  }
  return {
    command: [...(container.command as string[]), ...((container.args ?? []) as string[])],
    env,
  };
}
