import type { ModelEdge, ModelRule } from '@t2t/model';
import { evaluateConditionOn } from '../evaluate/spec.evaluator';
import type { TraceIndex } from '../evaluate/trace.index';
import type {
  ApplicabilityClause,
  Fixture,
  RequestAttribute,
  StateRequirement,
} from '../spec/test-spec.model';
import { spanRealisesEdge } from './edge-span.matcher';
import { isClosed } from './matcher.learner';
import { requestAttributesOf } from './request.analyzer';
import { entityRef, type SynthesisContext } from './synthesis.context';

/**
 * The request attributes a trigger sends, each marked pinned (it decides the behaviour: constant
 * across the traces the spec is about, or fixing the outcome of a rule condition) or example.
 * `chosen` is the trace whose values are sent; `population` the traces the spec is about.
 */
export function requestAttributesFor(
  ctx: SynthesisContext,
  endpoint: string,
  chosen: TraceIndex,
  population: readonly TraceIndex[],
  forced: ReadonlyMap<string, string> = new Map(),
): RequestAttribute[] {
  const values = requestAttributesOf(chosen);
  const rules = ctx.rulesByEndpoint.get(endpoint) ?? [];
  return Object.entries(values).map(([name, value]): RequestAttribute => {
    const forcedReason = forced.get(name);
    if (forcedReason !== undefined) return { name, value, role: 'pinned', reason: forcedReason };
    const deciding = rules.find(
      (r) => r.atoms.some((a) => a.attribute === name) && outcomeIsConstant(r, population),
    );
    if (deciding !== undefined) {
      return {
        name,
        value,
        role: 'pinned',
        reason: `decides: ${deciding.condition} → ${deciding.effect}`,
      };
    }
    const counts = new Map<string, number>();
    for (const t of population) {
      const v = t.entry?.span.attributes[name];
      if (v !== undefined) counts.set(v, (counts.get(v) ?? 0) + 1);
    }
    if (
      counts.size === 1 &&
      counts.has(value) &&
      isClosed(counts, population.length, ctx.options)
    ) {
      return {
        name,
        value,
        role: 'pinned',
        reason: `constant across ${population.length} recorded traces`,
      };
    }
    return { name, value, role: 'example' };
  });
}

/**
 * Which stored traces a behaviour's spec judges: for every rule of the endpoint that decides the
 * behaviour (all its traces satisfy the rule's condition, or none does), a clause for that arm.
 * The rule's measurement over all traffic says so when modeling had it; otherwise the behaviour's
 * sampled traces do. No clause: nothing decides the behaviour (chance, state), and the spec
 * judges every trace of the endpoint whose structure is its own.
 */
export function applicabilityOf(
  ctx: SynthesisContext,
  endpoint: string,
  fingerprint: string,
  traces: readonly TraceIndex[],
): ApplicabilityClause[] {
  const out: ApplicabilityClause[] = [];
  for (const rule of ctx.rulesByEndpoint.get(endpoint) ?? []) {
    let holds: boolean | undefined;
    if (rule.measured !== undefined) {
      const counted = rule.measured.behaviours.find((b) => b.fingerprint === fingerprint);
      if (counted === undefined || counted.traces === 0) continue;
      if (counted.holds === counted.traces) holds = true;
      else if (counted.holds === 0) holds = false;
    } else if (traces.length > 0) {
      const outcomes = new Set(
        traces.map(
          (t) => evaluateConditionOn({ all: rule.atoms, at: rule.at }, t, undefined).holds,
        ),
      );
      if (outcomes.size === 1) holds = outcomes.has(true);
    }
    if (holds === undefined) continue;
    out.push({
      when: { all: rule.atoms, at: rule.at },
      holds,
      reason: `rule: ${rule.effect} only if ${rule.condition}`,
    });
  }
  return out;
}

function outcomeIsConstant(rule: ModelRule, traces: readonly TraceIndex[]): boolean {
  const outcomes = new Set(
    traces.map((t) => evaluateConditionOn({ all: rule.atoms, at: rule.at }, t, undefined).holds),
  );
  return outcomes.size === 1;
}

/**
 * State the endpoint reads, from the behaviour's READS and CALLS_EXTERNAL edges: rows of tables and
 * collections the request refers to, cached entries (present for a hit; absent for a miss, i.e. a
 * read of a key template the same behaviour then writes), and third-party APIs that must answer as
 * recorded (with the status codes the traces show).
 */
export function stateRequirementsFor(
  ctx: SynthesisContext,
  edgeIds: readonly string[],
  traces: readonly TraceIndex[],
  fixtures: readonly Fixture[],
): StateRequirement[] {
  const edges = edgeIds
    .map((id) => ctx.edges.get(id))
    .filter((e): e is ModelEdge => e !== undefined);
  const writes = new Set(edges.filter((e) => e.type === 'WRITES').map((e) => `${e.from} ${e.to}`));
  const out: StateRequirement[] = [];
  for (const edge of edges) {
    if (edge.type === 'READS') {
      const system = ctx.entities.get(entityRef(edge.entityKind, edge.to))?.system ?? '';
      if (edge.entityKind === 'cache-prefix') {
        const miss = writes.has(`${edge.from} ${edge.to}`);
        out.push({
          entity: edge.to,
          kind: edge.entityKind,
          system,
          operation: edge.operation,
          expect: miss ? 'absent' : 'present',
          requires: miss
            ? `no cached ${edge.to} entry for the request: this behaviour is a cache miss (it reads, then fills the cache)`
            : `a cached ${edge.to} entry for the request: this behaviour is a cache hit`,
        });
        continue;
      }
      const fixture = fixtures.find((f) => namesSameThing(f.name, edge.to));
      out.push({
        entity: edge.to,
        kind: edge.entityKind,
        system,
        operation: edge.operation,
        expect: 'present',
        requires:
          fixture === undefined
            ? `the rows of ${edge.to} the request reads (${edge.operation})`
            : `rows of ${edge.to} for the ${fixture.name} fixture (${Object.keys(fixture.values)
                .filter((k) => k === 'id' || k.endsWith('_id'))
                .map((k) => `${fixture.name}.${k} = {{${fixture.name}.${k}}}`)
                .join(', ')})`,
      });
    } else if (edge.type === 'CALLS_EXTERNAL') {
      const statuses = new Set<string>();
      for (const t of traces) {
        for (const s of t.spans) {
          if (!spanRealisesEdge(s, edge)) continue;
          const code =
            s.span.attributes['http.response.status_code'] ?? s.span.attributes['http.status_code'];
          if (code !== undefined) statuses.add(code);
        }
      }
      const system = ctx.entities.get(entityRef('external-api', edge.to))?.system ?? '';
      out.push({
        entity: edge.to,
        kind: 'external-api',
        system,
        operation: `${edge.method} ${edge.route}`,
        expect: 'responds',
        requires:
          `${edge.to} answers ${edge.method} ${edge.route}` +
          (statuses.size > 0
            ? ` with ${[...statuses].sort().join(' or ')} as recorded`
            : ' as recorded'),
      });
    }
  }
  return out;
}

/** `user` ~ `users`, `order` ~ `orders`, `cart` ~ `cart_items`: a fixture and a table name the same thing. */
function namesSameThing(fixture: string, entity: string): boolean {
  const e = entity.toLowerCase().replace(/^.*\./, '');
  const f = fixture.toLowerCase();
  return e === f || e === `${f}s` || e === `${f}es` || e.startsWith(`${f}_`);
}
