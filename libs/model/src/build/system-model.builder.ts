import { entryEndpointDetail } from '@t2t/fingerprint';
import type { AnalysedSpan } from '../extract/analysed-trace.model';
import { analyseEvidence } from '../extract/evidence.analyzer';
import { parseEndpointKey } from '../extract/endpoint-key.parser';
import { entityKey } from '../extract/entity.extractor';
import type {
  BehaviourEvidence,
  ModelBehaviour,
  ModelEndpoint,
  ModelEntity,
  ModelService,
  SystemModel,
} from '../model.types';
import { mineAnalysedRules } from '../rules/rule.miner';
import { resolveRuleMiningOptions, type RuleMiningOptions } from '../rules/rule-mining.options';

export interface SystemModelOptions {
  /** Thresholds of rule mining (defaults in DEFAULT_RULE_MINING_OPTIONS). */
  rules?: Partial<RuleMiningOptions>;
}

/**
 * The semantic model of a system from clustering's output: per behaviour (endpoint + fingerprint)
 * its statistics, representative and sampled traces.
 *
 * - services: every service that emitted a span, with its endpoints;
 * - endpoints: every server/consumer span's endpoint key (libs/fingerprint's entryEndpoint, so keys
 *   are clustering's); `entry` for endpoints traces start at, with their traffic and behaviours;
 * - entities and edges: what the spans touch and call (see extractEdges); an edge's `seenIn` lists
 *   the entry endpoints whose traces use it;
 * - behaviours: share of the endpoint's traffic, error rate and latency from the statistics, the
 *   edges their traces use;
 * - rules: conditional effects (see mineRules).
 *
 * An asynchronous continuation (a consumer that starts a new trace linked to the producer span) is
 * an entry endpoint of its own, `service|CONSUME topic`, whose traces have their own behaviours and
 * edges, its CONSUMES edge included; it is tied to what triggers it by the topic: the PUBLISHES
 * edges to the same topic. Every array is sorted, so equal evidence gives an equal model.
 */
export function buildSystemModel(
  evidence: readonly BehaviourEvidence[],
  options: SystemModelOptions = {},
): SystemModel {
  const ruleOptions = resolveRuleMiningOptions(options.rules);
  const analysed = analyseEvidence(evidence);

  const endpoints = new Map<string, ModelEndpoint>();
  const services = new Map<string, Set<string>>();
  const entities = new Map<string, ModelEntity>();
  const endpointOf = (key: string, service: string): ModelEndpoint => {
    let endpoint = endpoints.get(key);
    if (endpoint === undefined) {
      endpoint = {
        key,
        service,
        kind: parseEndpointKey(key).kind,
        entry: false,
        traces: 0,
        behaviours: [],
      };
      endpoints.set(key, endpoint);
    }
    return endpoint;
  };
  const serviceOf = (name: string): Set<string> => {
    let keys = services.get(name);
    if (keys === undefined) services.set(name, (keys = new Set()));
    return keys;
  };

  for (const b of analysed.behaviours) {
    for (const trace of b.traces) {
      for (const s of trace.spans) {
        const keys = serviceOf(s.span.service);
        if (s.endpoint === undefined) continue;
        endpointOf(s.endpoint, s.span.service);
        keys.add(s.endpoint);
      }
      for (const occurrence of trace.edges) {
        const entity = occurrence.entity;
        if (entity !== undefined) entities.set(entityKey(entity), entity);
      }
    }
  }

  const behaviours: ModelBehaviour[] = [];
  const totals = new Map<string, number>();
  for (const b of analysed.behaviours) {
    totals.set(b.evidence.endpoint, (totals.get(b.evidence.endpoint) ?? 0) + b.evidence.traces);
  }
  for (const b of analysed.behaviours) {
    const e = b.evidence;
    const service = e.endpoint.slice(0, Math.max(0, e.endpoint.indexOf('|')));
    const endpoint = endpointOf(e.endpoint, b.traces[0]?.entry?.span.service ?? service);
    serviceOf(endpoint.service).add(endpoint.key);
    endpoint.entry = true;
    endpoint.traces += e.traces;
    endpoint.enteredVia ??= enteredVia(b.traces[0]?.entry, e.endpoint);
    // Behaviours are already ordered busiest first within their endpoint.
    endpoint.behaviours.push(e.fingerprint);
    const total = totals.get(e.endpoint)!;
    behaviours.push({
      endpoint: e.endpoint,
      fingerprint: e.fingerprint,
      share: total > 0 ? e.traces / total : 0,
      traces: e.traces,
      errorRate: e.traces > 0 ? e.errors / e.traces : 0,
      p50Us: e.p50Us,
      p95Us: e.p95Us,
      representativeTraceId: e.representative?.traceId,
      edges: [...b.edgeIds].sort(),
    });
  }

  return {
    services: [...services.keys()]
      .sort()
      .map((name): ModelService => ({ name, endpoints: [...services.get(name)!].sort() })),
    endpoints: [...endpoints.keys()].sort().map((key) => endpoints.get(key)!),
    entities: [...entities.keys()].sort().map((key) => entities.get(key)!),
    edges: [...analysed.edges.values()],
    behaviours,
    rules: mineAnalysedRules(analysed, ruleOptions),
  };
}

/**
 * Why a trace entering at `entry` is named after `endpoint`: the gateway's catch-all route, a
 * route-less proxy serving the same request, or an endpoint rule. Undefined when the entry span
 * names the endpoint itself.
 */
function enteredVia(
  entry: AnalysedSpan | undefined,
  endpoint: string,
): ModelEndpoint['enteredVia'] {
  if (entry?.endpoint === undefined || entry.endpoint === endpoint) return undefined;
  const detail = entryEndpointDetail(entry.facts);
  const reason =
    detail?.basis === 'catch-all'
      ? 'the entry span is a gateway route that matches any path; named after the first server further in with a concrete route'
      : detail?.basis === 'path'
        ? 'the entry span reports no route and forwards the same request; named after the server that serves it'
        : 'an endpoint rule (ENDPOINT_RULES) names these traces after another span';
  return { endpoint: detail?.key ?? entry.endpoint, reason };
}
