import type { CompiledEndpoint, Node, WhenNode } from '../compile/compiled-system.model';
import { checkFaults, compileSystem } from '../compile/system.compiler';
import { faultLabel, type FaultSpec } from '../generation/trace.generator';
import { describeCondition, negate } from '../model/condition.evaluator';
import type { Condition, Distribution, Label, SystemDefinition } from '../model/system.model';
import { fullDomain, restrict, type Domain } from './attribute.domain';
import { describeEffect, edgeKey } from './edge.format';
import { GroundTruthError } from './ground-truth.error';
import type {
  BehaviourTruth,
  EdgeTruth,
  EndpointTruth,
  EntityTruth,
  RuleTruth,
  ServiceTruth,
  SystemTruth,
} from './ground-truth.model';

export interface GroundTruthOptions {
  /** The faults the traces were generated with (they change behaviour shares, never the structure). */
  readonly faults?: readonly FaultSpec[];
}

/**
 * Computes what a perfect model of `system` contains by walking every execution path of its
 * handlers with its probability, exactly as the generator would run them: request attributes are
 * kept as domains that each branch narrows (finite value lists, or intervals of a continuous
 * attribute weighed by its CDF), so shares and rule confidences are exact (no sampling), and
 * correlated branches on one attribute are handled correctly.
 */
export function groundTruth(
  system: SystemDefinition,
  options: GroundTruthOptions = {},
): SystemTruth {
  const compiled = compileSystem(system);
  checkFaults(compiled, options.faults ?? []);
  const walker = new PathWalker(
    new Map((options.faults ?? []).map((f) => [f.target, f.probability])),
  );
  for (const traffic of compiled.traffic) {
    const dists = traffic.definition.attributes;
    const ctx: Ctx = { depth: 0, dists, traffic: traffic.index };
    walker.record(
      traffic.endpoint.key,
      walker.serve(traffic.endpoint, startPath(traffic.share, dists), ctx),
    );
  }
  return summarise(system, walker);
}

/** A `when` arm the path is inside of. */
interface ArmRef {
  readonly node: WhenNode;
  readonly holds: boolean;
  /** Frame depth of the handler holding the branch. */
  readonly depth: number;
}

/** An edge emitted directly inside a `when` arm: a candidate conditional effect. */
interface Effect {
  readonly edge: EdgeTruth;
  readonly arms: readonly ArmRef[];
}

/** One execution path of one trace, with the probability of taking it. */
interface Path {
  readonly p: number;
  readonly labels: readonly Label[];
  /** A failure is in flight in the current frame (see Step `fail`). */
  readonly failed: boolean;
  /** Request attributes narrowed by the branches taken so far. */
  readonly domains: ReadonlyMap<string, Domain>;
  readonly edges: readonly EdgeTruth[];
  readonly endpoints: readonly CompiledEndpoint[];
  readonly arms: readonly ArmRef[];
  readonly effects: readonly Effect[];
  /** The distributions of the request's traffic entry (for attributes no branch narrowed yet). */
  readonly dists: Readonly<Record<string, Distribution>>;
  /** The endpoint a proxy forwarded the trace to (its API), and the label that added. */
  readonly api: CompiledEndpoint | undefined;
  readonly apiLabel: Label | undefined;
}

interface Ctx {
  readonly depth: number;
  readonly dists: Readonly<Record<string, Distribution>>;
  /** Index of the request's traffic entry (a proxy routes by it). */
  readonly traffic: number;
}

const MAX_PATHS = 200_000;

function startPath(p: number, dists: Readonly<Record<string, Distribution>>): Path {
  return {
    p,
    labels: [],
    failed: false,
    domains: new Map(),
    edges: [],
    endpoints: [],
    arms: [],
    effects: [],
    dists,
    api: undefined,
    apiLabel: undefined,
  };
}

class PathWalker {
  /** Final paths per trace endpoint (the endpoint of the trace's entry span). */
  readonly traces = new Map<string, Path[]>();
  readonly entities = new Map<string, EntityTruth>();
  private paths = 0;

  constructor(private readonly faults: ReadonlyMap<string, number>) {}

  record(endpoint: string, paths: readonly Path[]): void {
    let list = this.traces.get(endpoint);
    if (list === undefined) this.traces.set(endpoint, (list = []));
    for (const path of paths) if (path.p > 0) list.push(path);
  }

  /** Mirrors TraceGenerator.serve: the endpoint's span, an injected fault, or its handler. */
  serve(endpoint: CompiledEndpoint, path: Path, ctx: Ctx): Path[] {
    const inner: Ctx = { depth: ctx.depth + 1, dists: ctx.dists, traffic: ctx.traffic };
    let entered: Path = {
      ...path,
      failed: false,
      endpoints: [...path.endpoints, endpoint],
      arms: path.arms,
    };
    if (endpoint.definition.kind === 'consume') {
      const topic = endpoint.definition.topic;
      entered = this.emit(
        entered,
        { type: 'CONSUMES', from: endpoint.service.name, to: topic },
        inner,
      );
    }
    const [faulted, ok] = this.fault(entered, endpoint.key);
    const out = faulted === undefined ? [] : [faulted];
    if (ok !== undefined) out.push(...this.walk(endpoint.handler, ok, inner));
    return out;
  }

  /** Splits a path on an injected fault at `key`: [faulted, not faulted] (either may be absent). */
  private fault(path: Path, key: string): [Path | undefined, Path | undefined] {
    const p = this.faults.get(key);
    if (p === undefined || p <= 0) return [undefined, path];
    const faulted: Path = {
      ...path,
      p: path.p * p,
      failed: true,
      labels: [...path.labels, faultLabel(key)],
    };
    return [faulted, p >= 1 ? undefined : { ...path, p: path.p * (1 - p) }];
  }

  private emit(path: Path, edge: EdgeTruth, ctx: Ctx, entity?: EntityTruth): Path {
    if (entity !== undefined) this.entities.set(edgeKey(edge), entity);
    const top = path.arms[path.arms.length - 1];
    const direct = top !== undefined && top.depth === ctx.depth;
    return {
      ...path,
      edges: [...path.edges, edge],
      effects: direct ? [...path.effects, { edge, arms: path.arms }] : path.effects,
    };
  }

  private count(n: number): void {
    this.paths += n;
    if (this.paths > MAX_PATHS)
      throw new GroundTruthError(`more than ${MAX_PATHS} execution paths`);
  }

  /** Mirrors TraceGenerator.exec. */
  walk(node: Node, path: Path, ctx: Ctx): Path[] {
    switch (node.kind) {
      case 'seq': {
        let paths = [path];
        for (const step of node.steps)
          paths = paths.flatMap((q) => (q.failed ? [q] : this.walk(step, q, ctx)));
        return paths;
      }
      case 'par': {
        let paths = [path];
        for (const step of node.steps) {
          paths = paths.flatMap((q) =>
            this.walk(step, { ...q, failed: false }, ctx).map((r) =>
              q.failed && !r.failed ? { ...r, failed: true } : r,
            ),
          );
        }
        return paths;
      }
      case 'call': {
        const called = this.emit(path, node.edge, ctx);
        return this.serve(node.target, called, ctx).map((r) => ({ ...r, arms: path.arms }));
      }
      case 'db':
      case 'cache':
      case 'external': {
        const [faulted, ok] = this.fault(
          this.emit(path, node.edge, ctx, node.entity),
          node.faultKey,
        );
        return [faulted, ok].filter((q): q is Path => q !== undefined);
      }
      case 'publish': {
        const [faulted, ok] = this.fault(
          this.emit(path, node.edge, ctx, node.entity),
          node.faultKey,
        );
        const out = faulted === undefined ? [] : [faulted];
        if (ok === undefined) return out;
        let paths = [ok];
        for (const consumer of node.consumers) {
          this.entities.set(
            edgeKey({ type: 'CONSUMES', from: consumer.service.name, to: node.topic }),
            node.entity as EntityTruth,
          );
          if (consumer.propagation === 'child') {
            // Consumer failures stay in the consumer: the producer already moved on.
            paths = paths.flatMap((q) =>
              this.serve(consumer, q, ctx).map((r) => ({ ...r, failed: q.failed, arms: q.arms })),
            );
          } else {
            for (const q of paths) {
              const fresh: Path = { ...startPath(q.p, q.dists), domains: q.domains };
              this.record(
                consumer.key,
                this.serve(consumer, fresh, { depth: 0, dists: ctx.dists, traffic: ctx.traffic }),
              );
            }
          }
        }
        this.count(paths.length);
        return [...out, ...paths];
      }
      case 'proxy': {
        // Mirrors TraceGenerator.exec: the route of this request's traffic entry.
        const target = node.targets[ctx.traffic]!;
        const routed: Path = {
          ...path,
          labels: [...path.labels, target.label],
          api: path.api ?? target.call.target,
          apiLabel: path.apiLabel ?? target.label,
        };
        return this.walk(target.call, routed, ctx);
      }
      case 'internal':
        return node.step === undefined ? [path] : this.walk(node.step, path, ctx);
      case 'when':
        return this.when(node, path, ctx);
      case 'chance': {
        const out: Path[] = [];
        if (node.probability > 0) {
          const then = {
            ...path,
            p: path.p * node.probability,
            labels: withLabel(path.labels, node.thenLabel),
          };
          out.push(...this.walk(node.then, then, ctx));
        }
        if (node.probability < 1) {
          const other = {
            ...path,
            p: path.p * (1 - node.probability),
            labels: withLabel(path.labels, node.elseLabel),
          };
          out.push(...this.walk(node.else, other, ctx));
        }
        this.count(out.length);
        return out;
      }
      case 'repeat':
        // Iterations are identical and only the first may fault: one walk stands for all.
        return this.walk(node.step, path, ctx);
      case 'fail':
        return [{ ...path, failed: true }];
      case 'recover':
        return this.walk(node.step, path, ctx).flatMap((r) =>
          r.failed
            ? this.walk(
                node.fallback,
                { ...r, failed: false, labels: withLabel(r.labels, node.failedLabel) },
                ctx,
              )
            : [{ ...r, labels: withLabel(r.labels, node.okLabel) }],
        );
    }
  }

  private when(node: WhenNode, path: Path, ctx: Ctx): Path[] {
    const attribute = node.condition.attribute;
    const domain = path.domains.get(attribute) ?? fullDomain(attribute, ctx.dists[attribute]);
    const out: Path[] = [];
    for (const holds of [true, false]) {
      const { mass, domain: narrowed } = restrict(domain, [{ condition: node.condition, holds }]);
      if (mass <= 0) continue;
      const arm: ArmRef = { node, holds, depth: ctx.depth };
      const entered: Path = {
        ...path,
        p: path.p * mass,
        domains: new Map(path.domains).set(attribute, narrowed),
        labels: withLabel(path.labels, holds ? node.thenLabel : node.elseLabel),
        arms: [...path.arms, arm],
      };
      for (const r of this.walk(holds ? node.then : node.else, entered, ctx))
        out.push({ ...r, arms: path.arms });
    }
    this.count(out.length);
    return out;
  }
}

function withLabel(labels: readonly Label[], label: Label | undefined): readonly Label[] {
  return label === undefined ? labels : [...labels, label];
}

/** P(all arms hold) on a path, from its narrowed domains (attributes are drawn independently). */
function armsProbability(arms: readonly ArmRef[], path: Path): number {
  const byAttribute = new Map<string, ArmRef[]>();
  for (const arm of arms) {
    const a = arm.node.condition.attribute;
    byAttribute.set(a, [...(byAttribute.get(a) ?? []), arm]);
  }
  let p = 1;
  for (const [attribute, list] of byAttribute) {
    const domain = path.domains.get(attribute) ?? fullDomain(attribute, path.dists[attribute]);
    const tests = list.map((arm) => ({ condition: arm.node.condition, holds: arm.holds }));
    p *= restrict(domain, tests).mass;
  }
  return p;
}

function armCondition(arm: ArmRef): Condition {
  return arm.holds ? arm.node.condition : negate(arm.node.condition);
}

function byKey<T>(key: (t: T) => string): (a: T, b: T) => number {
  return (a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0);
}

function behaviourId(labels: readonly Label[]): string {
  return labels.length === 0 ? 'default' : labels.map((l) => l.id).join('+');
}

function summarise(system: SystemDefinition, walker: PathWalker): SystemTruth {
  const endpoints = new Map<string, CompiledEndpoint>();
  const edges = new Map<string, EdgeTruth>();
  const behaviours: BehaviourTruth[] = [];
  const rules: RuleTruth[] = [];
  const apiTraces = new Map<string, number>();

  for (const [endpoint, paths] of walker.traces) {
    const total = paths.reduce((s, q) => s + q.p, 0);
    const shares = new Map<
      string,
      { apiEndpoint: string; id: string; apiId: string; description: string; p: number }
    >();
    const byApi = new Map<string, Path[]>();
    for (const path of paths) {
      for (const e of path.endpoints) endpoints.set(e.key, e);
      for (const edge of path.edges) edges.set(edgeKey(edge), edge);
      const apiEndpoint = path.api?.key ?? endpoint;
      const id = behaviourId(path.labels);
      const key = `${apiEndpoint}\u0000${id}`;
      const entry = shares.get(key) ?? {
        apiEndpoint,
        id,
        apiId: behaviourId(path.labels.filter((l) => l !== path.apiLabel)),
        description:
          path.labels.length === 0
            ? 'the only structure this endpoint shows'
            : path.labels.map((l) => l.description).join('; '),
        p: 0,
      };
      entry.p += path.p;
      shares.set(key, entry);
      const group = byApi.get(apiEndpoint);
      if (group === undefined) byApi.set(apiEndpoint, [path]);
      else group.push(path);
      apiTraces.set(apiEndpoint, (apiTraces.get(apiEndpoint) ?? 0) + path.p);
    }
    const apiTotals = new Map(
      [...byApi].map(([api, group]) => [api, group.reduce((s, q) => s + q.p, 0)]),
    );
    for (const { apiEndpoint, id, apiId, description, p } of shares.values()) {
      behaviours.push({
        endpoint,
        apiEndpoint,
        id,
        apiId,
        description,
        share: p / total,
        apiShare: p / apiTotals.get(apiEndpoint)!,
      });
    }
    for (const [apiEndpoint, group] of byApi)
      rules.push(...mineRules(endpoint, apiEndpoint, group, apiTotals.get(apiEndpoint)!));
  }

  const entityList = [...edges.keys()].flatMap((k) => {
    const entity = walker.entities.get(k);
    return entity === undefined ? [] : [entity];
  });
  const entities = new Map(entityList.map((e) => [`${e.kind} ${e.name}`, e]));

  const endpointTruths: EndpointTruth[] = [...endpoints.values()].map((e) => {
    const traces = walker.traces.get(e.key);
    return {
      key: e.key,
      service: e.service.name,
      kind: e.definition.kind,
      entry: traces !== undefined,
      tracesPerRequest: traces === undefined ? 0 : traces.reduce((s, q) => s + q.p, 0),
      apiTracesPerRequest: apiTraces.get(e.key) ?? 0,
    };
  });
  const services: ServiceTruth[] = system.services
    .filter((s) => endpointTruths.some((e) => e.service === s.name))
    .map((s) => ({
      name: s.name,
      language: s.language,
      semconv: s.semconv,
      endpoints: endpointTruths
        .filter((e) => e.service === s.name)
        .map((e) => e.key)
        .sort(),
    }));

  return {
    system: system.name,
    services: services.sort(byKey((s) => s.name)),
    endpoints: endpointTruths.sort(byKey((e) => e.key)),
    entities: [...entities.values()].sort(byKey((e) => `${e.kind} ${e.name}`)),
    edges: [...edges.values()].sort(byKey(edgeKey)),
    behaviours: behaviours.sort(byKey((b) => `${b.endpoint}\u0000${b.id}`)),
    rules: rules.sort(
      byKey((r) => `${r.endpoint}\u0000${r.apiEndpoint}\u0000${r.condition}\u0000${r.effect}`),
    ),
  };
}

/**
 * Rules of the traces of one endpoint that serve one API: an edge written directly in a `when`
 * arm, which no path shows when the arm's condition (with the arms around it) is false.
 */
function mineRules(
  endpoint: string,
  apiEndpoint: string,
  paths: readonly Path[],
  total: number,
): RuleTruth[] {
  const candidates = new Map<string, Effect>();
  for (const path of paths) {
    for (const effect of path.effects) {
      const arms = effect.arms.map((a) => `${a.node.id}:${a.holds}`).join(',');
      candidates.set(`${arms}|${edgeKey(effect.edge)}`, effect);
    }
  }
  const edgeSets = paths.map((q) => new Set(q.edges.map(edgeKey)));
  const rules = new Map<string, RuleTruth>();
  for (const { edge, arms } of candidates.values()) {
    const key = edgeKey(edge);
    let pCondition = 0;
    let pBoth = 0;
    let pEffectOnly = 0;
    paths.forEach((path, i) => {
      const pc = armsProbability(arms, path);
      pCondition += path.p * pc;
      if (edgeSets[i].has(key)) {
        pBoth += path.p * pc;
        pEffectOnly += path.p * (1 - pc);
      }
    });
    if (pBoth <= 0 || pEffectOnly > 1e-12 * total) continue;
    const atoms = arms.map(armCondition);
    const condition = atoms.map(describeCondition).join(' and ');
    rules.set(`${condition}|${key}`, {
      endpoint,
      apiEndpoint,
      at: arms[arms.length - 1].node.at,
      condition,
      atoms,
      effect: describeEffect(edge),
      edge,
      share: pCondition / total,
      confidence: pBoth / pCondition,
    });
  }
  return [...rules.values()];
}
