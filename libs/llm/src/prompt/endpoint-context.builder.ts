import { entryEndpoint } from '@t2t/fingerprint';
import {
  edgeId,
  type BehaviourEvidence,
  type ModelBehaviour,
  type ModelEdge,
  type ModelEndpoint,
  type ModelEntity,
  type ModelRule,
  type SystemModel,
} from '@t2t/model';

/**
 * The slice of the system model one endpoint's prompt needs: the endpoint, its behaviours (with
 * their evidence), its rules, the edges its traces use, the entities those touch and the
 * endpoints it reaches. Everything else in the model (other entry endpoints, their rules) is left
 * out: it costs tokens and invites assertions about traffic this endpoint never causes.
 */
export interface EndpointContext {
  endpoint: ModelEndpoint;
  /** Busiest first, as the model orders them. */
  behaviours: { behaviour: ModelBehaviour; evidence: BehaviourEvidence | undefined }[];
  /** Highest support first. */
  rules: ModelRule[];
  /** Edges seen in this endpoint's traces, by edge id. */
  edges: ModelEdge[];
  entities: { entity: ModelEntity; uses: string[] }[];
  /** Other endpoints the traces reach, with what each does there. */
  neighbours: { endpoint: ModelEndpoint; does: string[] }[];
}

export class PromptInputError extends Error {
  override readonly name = 'PromptInputError';
}

export function buildEndpointContext(
  model: SystemModel,
  evidence: readonly BehaviourEvidence[],
  endpointKey: string,
): EndpointContext {
  const endpoint = model.endpoints.find((e) => e.key === endpointKey);
  if (endpoint === undefined)
    throw new PromptInputError(`endpoint ${endpointKey} is not in the model`);
  if (!endpoint.entry || endpoint.behaviours.length === 0) {
    throw new PromptInputError(`endpoint ${endpointKey} starts no recorded trace: nothing to test`);
  }
  const behaviours = endpoint.behaviours.flatMap((fingerprint) => {
    const behaviour = model.behaviours.find(
      (b) => b.endpoint === endpointKey && b.fingerprint === fingerprint,
    );
    const e = evidence.find((x) => x.endpoint === endpointKey && x.fingerprint === fingerprint);
    return behaviour === undefined ? [] : [{ behaviour, evidence: e }];
  });
  const rules = model.rules
    .filter((r) => r.endpoint === endpointKey)
    .sort((a, b) => b.support - a.support || a.condition.localeCompare(b.condition));
  const edges = model.edges
    .filter((e) => e.seenIn.includes(endpointKey))
    .sort((a, b) => edgeId(a).localeCompare(edgeId(b)));

  const entities: EndpointContext['entities'] = [];
  for (const entity of model.entities) {
    const uses = edges.flatMap((e) => {
      if (e.type === 'READS' || e.type === 'WRITES') {
        return e.entityKind === entity.kind && e.to === entity.name
          ? [`${e.type} ${e.operation} by ${e.from}`]
          : [];
      }
      if ((e.type === 'PUBLISHES' || e.type === 'CONSUMES') && entity.kind === 'topic') {
        return e.to === entity.name ? [`${e.type} by ${e.from}`] : [];
      }
      if (e.type === 'CALLS_EXTERNAL' && entity.kind === 'external-api') {
        return e.to === entity.name ? [`${e.method} ${e.route} from ${e.from}`] : [];
      }
      return [];
    });
    if (uses.length > 0) entities.push({ entity, uses });
  }

  const reached = new Set<string>();
  for (const { evidence: e } of behaviours) {
    for (const span of e?.representative?.spans ?? []) {
      if (span.kind !== 2 && span.kind !== 5) continue;
      const key = entryEndpoint({
        name: span.name,
        kind: span.kind,
        serviceName: span.service,
        parentSpanId: span.parentSpanId,
        attributes: span.attributes,
      });
      if (key !== undefined && key !== endpointKey) reached.add(key);
    }
  }
  const neighbours = model.endpoints
    .filter((e) => reached.has(e.key))
    .map((e) => ({
      endpoint: e,
      does: edges.filter((x) => x.from === e.key || x.from === e.service).map(edgeId),
    }));

  return { endpoint, behaviours, rules, edges, entities, neighbours };
}
