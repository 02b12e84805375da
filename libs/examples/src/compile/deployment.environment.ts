import type { Address } from './semconv.attributes';

/**
 * The environment a system is deployed in, for generating the same system "in staging": only the
 * values a deployment decides change (host names, ports, versions, instance ids, the environment's
 * name), never what the system does (routes, tables, topics, request attributes, behaviours,
 * structure, ids, timings). Tests generated from one environment's traces must hold in another's,
 * so this is what they have to be indifferent to.
 */
export interface EnvironmentOptions {
  /** `deployment.environment.name` (`deployment.environment` on older conventions); it also names the pods. */
  readonly name: string;
  /**
   * Appended to every host inside the system: services, databases, the cache, brokers
   * (`cart-service` → `cart-service.staging.svc.cluster.local`). Default '' (bare service names).
   */
  readonly hostSuffix?: string;
  /** Added to every port inside the system (8080 → 9080, 5432 → 6432). Default 0. */
  readonly portOffset?: number;
  /** Appended to every `service.version` (`4.1.2` → `4.1.2-rc1`). Default ''. */
  readonly versionSuffix?: string;
  /**
   * Kubernetes namespace: when set, every resource also carries `k8s.namespace.name`,
   * `k8s.deployment.name` (the service) and `k8s.pod.name` (the instance). Default none.
   */
  readonly namespace?: string;
  /**
   * Third-party hosts to replace, e.g. a payment provider's sandbox:
   * `{ 'api.stripe.example': 'sandbox.stripe.example' }`. Default none: external APIs are the same
   * in every environment. Entity names in the ground truth (and fault targets) keep the hosts the
   * system definition names.
   */
  readonly externalHosts?: Readonly<Record<string, string>>;
}

/** Where systems run unless told otherwise; generating with it is generating without the option. */
export const DEFAULT_ENVIRONMENT: EnvironmentOptions = Object.freeze({ name: 'production' });

/** An environment with every option resolved and checked: what the compiler applies. */
export interface Deployment {
  readonly name: string;
  /** Canonical text of the options: equal keys compile to identical spans. */
  readonly key: string;
  readonly namespace: string | undefined;
  /** An address inside the system (service, database, cache, broker) as deployed here. */
  internal(address: Address): Address;
  /** A third-party API host as reached from here. */
  external(host: string): string;
  version(version: string): string;
  /** The text a service's pod names derive from: another environment runs other pods. */
  podSeed(system: string, service: string): string;
}

const HOST_SUFFIX = /^(\.[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?)*$/;
const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

/** Resolves (and checks) environment options; throws RangeError naming the bad option. */
export function resolveEnvironment(options: EnvironmentOptions = DEFAULT_ENVIRONMENT): Deployment {
  const {
    name,
    hostSuffix = '',
    portOffset = 0,
    versionSuffix = '',
    namespace,
    externalHosts = {},
  } = options;
  if (!NAME.test(name)) throw new RangeError(`environment name '${name}' is not a plain name`);
  if (!HOST_SUFFIX.test(hostSuffix)) {
    throw new RangeError(
      `environment hostSuffix '${hostSuffix}' must be empty or DNS labels each after a dot (.staging.svc)`,
    );
  }
  if (!Number.isSafeInteger(portOffset))
    throw new RangeError(`environment portOffset must be an integer, got ${portOffset}`);
  if (namespace !== undefined && !NAME.test(namespace))
    throw new RangeError(`environment namespace '${namespace}' is not a plain name`);
  for (const [from, to] of Object.entries(externalHosts)) {
    if (to === '') throw new RangeError(`environment externalHosts maps '${from}' to nothing`);
  }
  const offset = BigInt(portOffset);
  const key = JSON.stringify([
    name,
    hostSuffix,
    portOffset,
    versionSuffix,
    namespace ?? null,
    Object.entries(externalHosts).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)),
  ]);
  return {
    name,
    key,
    namespace,
    internal(address) {
      const port = address.port + offset;
      if (port < 1n || port > 65_535n) {
        throw new RangeError(
          `environment portOffset ${portOffset} moves port ${address.port} of ${address.host} out of range`,
        );
      }
      return { host: address.host + hostSuffix, port };
    },
    external: (host) => (Object.hasOwn(externalHosts, host) ? externalHosts[host] : host),
    version: (version) => version + versionSuffix,
    // The default environment keeps the seed pods had before environments existed, so traces
    // generated without the option stay byte-identical across versions of this library.
    podSeed: (system, service) =>
      name === DEFAULT_ENVIRONMENT.name ? `${system}/${service}` : `${system}/${service}@${name}`,
  };
}
