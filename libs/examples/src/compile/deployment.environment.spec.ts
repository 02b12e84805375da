import type { AnyValue, Attributes, Span } from '@t2t/domain';
import { emptyObservation, observeTrace } from '../../test/trace.observer';
import { expectObservationMatches } from '../../test/truth.expectations';
import type { GeneratedTrace } from '../generation/generated-trace.model';
import { generateTraces } from '../generation/trace.generator';
import type { SystemDefinition } from '../model/system.model';
import { bankSystem } from '../systems/bank.system';
import { checkoutSystem } from '../systems/checkout.system';
import { deliverySystem } from '../systems/delivery.system';
import { potatoSystem } from '../systems/potato.system';
import { railwaySystem } from '../systems/railway.system';
import { groundTruth } from '../truth/ground-truth.builder';
import {
  DEFAULT_ENVIRONMENT,
  resolveEnvironment,
  type EnvironmentOptions,
} from './deployment.environment';

const STAGING: EnvironmentOptions = {
  name: 'staging',
  hostSuffix: '.staging.svc.cluster.local',
  portOffset: 1000,
  versionSuffix: '-rc1',
  namespace: 'shop-staging',
};

const HOST_KEYS = ['server.address', 'net.peer.name', 'net.host.name'];
const PORT_KEYS = ['server.port', 'net.peer.port', 'net.host.port'];
const URL_KEYS = ['url.full', 'http.url'];
const ENVIRONMENT_KEYS = ['deployment.environment.name', 'deployment.environment'];

/**
 * A production span's attributes as the staging deployment should record them, worked out
 * independently of the compiler: every in-system host gains the suffix and every in-system port
 * the offset; third-party APIs (hosts the truth lists as external) stay as they are.
 */
function inStaging(attributes: Attributes, external: ReadonlySet<string>): Attributes {
  const host = HOST_KEYS.map((k) => attributes[k]).find((v) => typeof v === 'string');
  if (host === undefined || external.has(host)) return attributes;
  const out: Record<string, AnyValue> = { ...attributes };
  for (const k of HOST_KEYS) if (k in out) out[k] = `${host}${STAGING.hostSuffix}`;
  for (const k of PORT_KEYS) if (k in out) out[k] = (out[k] as bigint) + 1000n;
  for (const k of URL_KEYS) {
    if (!(k in out)) continue;
    const url = new URL(out[k] as string);
    out[k] =
      `${url.protocol}//${host}${STAGING.hostSuffix}:${Number(url.port) + 1000}${url.pathname}`;
  }
  return out;
}

function withoutEnvironment(span: Span): Partial<Span> {
  const { attributes: _a, resource: _r, ...rest } = span;
  return rest;
}

describe(resolveEnvironment.name, () => {
  it('refuses options that would not make valid hosts, ports or names', () => {
    expect(() => resolveEnvironment({ name: '' })).toThrow(
      /environment name '' is not a plain name/,
    );
    expect(() => resolveEnvironment({ name: 'staging', hostSuffix: 'staging' })).toThrow(
      /hostSuffix 'staging' must be empty or DNS labels/,
    );
    expect(() => resolveEnvironment({ name: 'staging', portOffset: 0.5 })).toThrow(/integer/);
    expect(() => resolveEnvironment({ name: 'staging', namespace: 'a b' })).toThrow(/namespace/);
    expect(() =>
      resolveEnvironment({ name: 'staging', externalHosts: { 'api.stripe.example': '' } }),
    ).toThrow(/maps 'api.stripe.example' to nothing/);
    expect(() =>
      generateTraces(potatoSystem, {
        seed: 1,
        traces: 1,
        environment: { name: 'staging', portOffset: 60_000 },
      }),
    ).toThrow(/portOffset 60000 moves port 8080 of api-gateway out of range/);
  });

  it('rewrites only what it is told to, and names pods after the environment', () => {
    const staging = resolveEnvironment(STAGING);
    expect(staging.internal({ host: 'orders-db', port: 5432n })).toEqual({
      host: 'orders-db.staging.svc.cluster.local',
      port: 6432n,
    });
    expect(staging.external('api.stripe.example')).toBe('api.stripe.example');
    expect(staging.version('4.1.2')).toBe('4.1.2-rc1');
    expect(staging.podSeed('bank', 'ledger')).not.toBe(
      resolveEnvironment().podSeed('bank', 'ledger'),
    );
    const sandbox = resolveEnvironment({
      name: 'staging',
      externalHosts: { 'api.stripe.example': 'sandbox.stripe.example' },
    });
    expect(sandbox.external('api.stripe.example')).toBe('sandbox.stripe.example');
    expect(sandbox.external('constructor')).toBe('constructor');
    expect(resolveEnvironment({ ...STAGING }).key).toBe(staging.key);
  });
});

describe('generating in another environment', () => {
  it('with the default environment is generating without one', () => {
    expect(
      generateTraces(checkoutSystem, { seed: 3, traces: 100, environment: DEFAULT_ENVIRONMENT }),
    ).toEqual(generateTraces(checkoutSystem, { seed: 3, traces: 100 }));
  });

  describe.each([
    ['bank', bankSystem],
    ['delivery', deliverySystem],
    ['checkout', checkoutSystem],
    ['potato', potatoSystem],
    ['railway', railwaySystem],
  ] as const)('%s in staging', (_, system: SystemDefinition) => {
    const production = generateTraces(system, { seed: 12, traces: 400 });
    const staging = generateTraces(system, { seed: 12, traces: 400, environment: STAGING });
    const truth = groundTruth(system);
    const external = new Set(
      truth.entities.filter((e) => e.kind === 'external-api').map((e) => e.name),
    );

    it('has the same requests, behaviours, decisions, ids, timings and structure', () => {
      const summary = (t: GeneratedTrace) => ({ ...t, spans: t.spans.map(withoutEnvironment) });
      expect(staging.map(summary)).toEqual(production.map(summary));
    });

    it('changes exactly the in-system hosts, ports and URLs of span attributes', () => {
      staging.forEach((t, i) => {
        t.spans.forEach((s, j) => {
          expect(s.attributes).toEqual(inStaging(production[i].spans[j].attributes, external));
        });
      });
    });

    it('changes exactly the version, instance, environment and Kubernetes resource attributes', () => {
      const pods = { production: new Set<string>(), staging: new Set<string>() };
      staging.forEach((t, i) => {
        t.spans.forEach((s, j) => {
          const before = production[i].spans[j].resource.attributes;
          const after = s.resource.attributes;
          const pod = after['service.instance.id'] as string;
          pods.production.add(before['service.instance.id'] as string);
          pods.staging.add(pod);
          const expected: Record<string, AnyValue> = {
            ...before,
            'service.version': `${before['service.version'] as string}-rc1`,
            'service.instance.id': pod,
            'host.name': pod,
            'k8s.namespace.name': 'shop-staging',
            'k8s.deployment.name': before['service.name'],
            'k8s.pod.name': pod,
          };
          for (const k of ENVIRONMENT_KEYS) if (k in before) expected[k] = 'staging';
          expect(after).toEqual(expected);
          expect(pod.startsWith(`${before['service.name'] as string}-`)).toBe(true);
        });
      });
      expect(pods.staging.size).toBe(pods.production.size);
      expect([...pods.staging].filter((p) => pods.production.has(p))).toEqual([]);
    });

    it('shows the same model: endpoints, edges and entities of the truth', () => {
      expectObservationMatches(truth, staging);
    });
  });

  it('keeps third-party hosts unless told to use another, and fault targets by their system names', () => {
    const seen = emptyObservation();
    const traces = generateTraces(bankSystem, {
      seed: 5,
      traces: 300,
      environment: {
        name: 'sandbox',
        externalHosts: { 'api.sanctions.example': 'sandbox.sanctions.example' },
      },
      faults: [{ target: 'api.sanctions.example', probability: 0.5 }],
    });
    for (const t of traces) observeTrace(t, seen);
    const externals = [...seen.entities.values()].filter((e) => e.kind === 'external-api');
    expect(externals.map((e) => e.name).sort()).toEqual([
      'push.notify.example',
      'sandbox.sanctions.example',
    ]);
    expect(traces.some((t) => t.faults.includes('api.sanctions.example'))).toBe(true);
  });
});
