import { Logger } from '@nestjs/common';
import {
  buildSystemModel,
  DEFAULT_RULE_MINING_OPTIONS,
  diffModels,
  measureRules,
  type ModelChange,
  modelHash,
  type SystemModel,
} from '@t2t/model';
import {
  type ClusterRepository,
  type EvidenceShape,
  planEvidence,
  readEvidence,
  type ModelRepository,
  type RuleStatsRepository,
  type SpanRepository,
} from '@t2t/storage';
import { DEFAULT_TENANT, withTenant } from '@t2t/wire';

export interface ModelBuildResult {
  changed: boolean;
  /** The sampled traces were those of the last build: nothing was read or built. */
  skipped?: boolean;
  version: number;
  modelHash: string;
  changes: ModelChange[];
  /** Rules mined on the samples and dropped when measured on all stored traffic. */
  droppedRules?: number;
}

/** What modeling announces on `model_events` for each new version. */
export interface ModelEvent {
  v: 1;
  type: 'model_version';
  /** Whose model (also the record's `t2t-tenant` header). */
  tenant: string;
  version: number;
  modelHash: string;
  previousHash: string | undefined;
  /** Endpoints whose part of the model changed (test generation regenerates only those). */
  changedEndpoints: string[];
  changes: ModelChange[];
}

/**
 * After a build that read spans and changed nothing, the next event-triggered build waits this many
 * times as long as that build took (at least the debounce). While traffic flows, samples keep
 * changing and each build reads them all (about 15 s for 300k sampled spans); once the structure is
 * learnt, most change nothing, and back to back they would hold a core that ingest needs. With the
 * gap, modeling takes at most a third of the time; a build that changes the model clears it, and
 * full builds (periodic, re-measuring rules) never wait for it.
 */
export const QUIET_GAP_RATIO = 2;

export const EMPTY_MODEL: SystemModel = {
  services: [],
  endpoints: [],
  entities: [],
  edges: [],
  behaviours: [],
  rules: [],
};

/** Endpoint keys a change touches, for consumers that work per endpoint. */
export function endpointsOf(changes: readonly ModelChange[]): string[] {
  const out = new Set<string>();
  for (const c of changes) {
    if ('endpoint' in c) out.add(c.endpoint);
    else if (c.kind === 'rule_added' || c.kind === 'rule_removed') out.add(c.rule.endpoint);
    else if (c.kind === 'rule_changed') out.add(c.after.endpoint);
    else if (c.kind === 'edge_added' || c.kind === 'edge_removed')
      for (const e of c.edge.seenIn) out.add(e);
  }
  return [...out].sort();
}

/**
 * Rebuilds the model from what clustering stored and records a new version when it changed.
 * Versions are content-addressed (model hash), so rebuilding an unchanged model writes nothing and
 * two builders arriving at the same model write the same row. Requests are debounced: a burst of
 * cluster events costs one rebuild. A rebuild whose inputs (every behaviour's sampled and
 * representative traces) are those of the last build is skipped before any span is read: only
 * counts changed, and counts are not part of a version. `full` requests (the periodic rebuild)
 * build anyway, so rule figures measured over all traffic stay current.
 *
 * One builder builds one tenant's model (`options.tenant`, default `default`): every read and
 * write of a rebuild runs in that tenant's scope, whoever asked for it, so its versions, diffs
 * and rule figures come from that tenant's traffic only.
 */
export class ModelBuilder {
  private readonly log = new Logger('modeling');
  private scheduled: Promise<ModelBuildResult> | undefined;
  private running: Promise<unknown> = Promise.resolve();
  /** Signature of the evidence the last successful build read. */
  private lastInputs: string | undefined;
  /** The next scheduled rebuild must not be skipped. */
  private fullNext = false;
  /**
   * How long the last build that read spans took, when it changed nothing (else 0): the next
   * event-triggered build waits QUIET_GAP_RATIO times as long.
   */
  private quietBuildMs = 0;

  constructor(
    private readonly clusters: ClusterRepository,
    private readonly models: ModelRepository,
    private readonly spans: SpanRepository,
    private readonly options: {
      samplesPerBehaviour: number;
      debounceMs: number;
      horizonMs: number;
      /** Whose model this builder builds; default: the implicit tenant. */
      tenant?: string;
    },
    private readonly publish: (event: ModelEvent) => Promise<void>,
    private readonly observe: (result: ModelBuildResult | Error, ms: number) => void = () =>
      undefined,
    /** Measures mined rules over all stored traces; without it rules keep their sampled figures. */
    private readonly ruleStats?: RuleStatsRepository,
    /**
     * Reads the plan's evidence from `spans` and builds; default: here, on the caller's event
     * loop. Elsewhere (a worker thread) the pages read go there as they are read
     * (withEvidenceOnThread), so neither the parsing nor the span objects weigh on the loop that
     * reads them, with the tenant it builds for: scopes do not cross threads.
     */
    private readonly build: (
      plan: EvidenceShape,
      spans: SpanRepository,
      tenant: string,
    ) => Promise<SystemModel> = async (plan, from) =>
      buildSystemModel(await readEvidence(plan, from)),
  ) {}

  get tenant(): string {
    return this.options.tenant ?? DEFAULT_TENANT;
  }

  /**
   * A rebuild that starts after this call (shared with other requests within the debounce);
   * `full`: even if its inputs did not change.
   */
  requestRebuild(options: { full?: boolean } = {}): Promise<ModelBuildResult> {
    if (options.full === true) this.fullNext = true;
    if (!this.scheduled) {
      const delayMs = this.fullNext
        ? this.options.debounceMs
        : Math.max(this.options.debounceMs, QUIET_GAP_RATIO * this.quietBuildMs);
      const scheduled = new Promise<void>((r) => setTimeout(r, delayMs)).then(() => {
        this.scheduled = undefined;
        const full = this.fullNext;
        this.fullNext = false;
        return this.rebuildNow({ full });
      });
      this.scheduled = scheduled;
    }
    return this.scheduled;
  }

  /** Rebuilds now (after any rebuild in progress); by default even if its inputs did not change. */
  rebuildNow(options: { full?: boolean } = { full: true }): Promise<ModelBuildResult> {
    const next = this.running.then(() =>
      withTenant(this.tenant, () => this.rebuild(options.full === true)),
    );
    this.running = next.catch(() => undefined);
    return next;
  }

  /**
   * Rules are mined on the samples; their thresholds and figures are then taken from every stored
   * trace of the horizon (clustering's trace_behaviours), and a rule that does not hold there goes.
   */
  private async measureRules(model: SystemModel): Promise<number> {
    if (this.ruleStats === undefined || model.rules.length === 0) return 0;
    const fromNs = await this.ruleStats.horizonStartNs(this.options.horizonMs);
    if (fromNs === undefined) return 0;
    const measured = await measureRules(
      model.rules,
      this.ruleStats.source(fromNs),
      DEFAULT_RULE_MINING_OPTIONS,
    );
    for (const { rule, reason } of measured.dropped) {
      this.log.log(
        `rule not kept: ${rule.endpoint}: ${rule.effect} only if ${rule.condition} (${reason})`,
      );
    }
    model.rules = measured.rules;
    return measured.dropped.length;
  }

  private async rebuild(full: boolean): Promise<ModelBuildResult> {
    const t0 = Date.now();
    try {
      const reps = new Map(
        (await this.clusters.representatives()).map((r) => [
          `${r.endpoint}\u0000${r.fingerprint}`,
          r.traceId,
        ]),
      );
      const plan = await planEvidence(this.models, this.options, reps);
      if (!full && plan.signature === this.lastInputs) {
        const latest = await this.models.latestVersion();
        if (latest) {
          const result = {
            changed: false,
            skipped: true,
            version: latest.version,
            modelHash: latest.modelHash,
            changes: [],
          };
          this.observe(result, Date.now() - t0);
          return result;
        }
      }
      const model = await this.build(plan, this.spans, this.tenant);
      // Rules dropped on all traffic are reported: the service builds again later (a full
      // build) while the memberships that decide them may still be on their way.
      const dropped = await this.measureRules(model);
      const hash = modelHash(model);
      const latest = await this.models.latestVersion();
      if (!latest && model.endpoints.length === 0) {
        // Nothing observed yet: no version 1 of an empty model.
        const result = { changed: false, version: 0, modelHash: hash, changes: [] };
        this.observe(result, Date.now() - t0);
        return result;
      }
      if (latest?.modelHash === hash) {
        this.lastInputs = plan.signature;
        this.quietBuildMs = Date.now() - t0;
        const result = {
          changed: false,
          version: latest.version,
          modelHash: hash,
          changes: [],
          droppedRules: dropped,
        };
        this.observe(result, Date.now() - t0);
        return result;
      }
      const previous = latest ? (JSON.parse(latest.model) as SystemModel) : EMPTY_MODEL;
      const changes = diffModels(previous, model);
      const version = (latest?.version ?? 0) + 1;
      const createdAt = new Date().toISOString().replace('T', ' ').replace('Z', '');
      await this.models.saveVersion(
        {
          modelHash: hash,
          version,
          createdAt,
          model: JSON.stringify(model),
          counts: {
            services: model.services.length,
            endpoints: model.endpoints.length,
            entities: model.entities.length,
            edges: model.edges.length,
            behaviours: model.behaviours.length,
            rules: model.rules.length,
          },
        },
        latest
          ? {
              fromHash: latest.modelHash,
              toHash: hash,
              version,
              createdAt,
              changes: JSON.stringify(changes),
            }
          : undefined,
      );
      await this.publish({
        v: 1,
        type: 'model_version',
        tenant: this.tenant,
        version,
        modelHash: hash,
        previousHash: latest?.modelHash,
        changedEndpoints: endpointsOf(changes),
        changes,
      });
      this.log.log(
        `model version ${version} of tenant ${this.tenant} (${hash.slice(0, 12)}): ${changes.length} change(s); ${model.endpoints.length} endpoints, ${model.edges.length} edges, ${model.rules.length} rules`,
      );
      this.lastInputs = plan.signature;
      this.quietBuildMs = 0;
      const result = { changed: true, version, modelHash: hash, changes, droppedRules: dropped };
      this.observe(result, Date.now() - t0);
      return result;
    } catch (e) {
      this.observe(e as Error, Date.now() - t0);
      throw e;
    }
  }
}
