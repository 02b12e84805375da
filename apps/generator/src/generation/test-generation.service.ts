import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { Logger } from '@nestjs/common';
import type { BehaviourEvidence, SystemModel } from '@t2t/model';
import {
  type ClusterRepository,
  type EvidenceShape,
  type GenerationRun,
  type ModelRepository,
  planEvidence,
  readEvidence,
  restrictPlan,
  type SpanRepository,
  type StoredTest,
  type TestRepository,
} from '@t2t/storage';
import {
  emitJestTest,
  emitTracetestYaml,
  synthesizeVerifiedTests,
  type TestSpec,
} from '@t2t/testgen';
import { currentTenant, withTenant } from '@t2t/wire';
import { changedEndpoints } from './endpoint-fragment.hash';

/**
 * What synthesis verifies against: the evidence parsed here already, or the plan of what to read
 * (whoever synthesizes reads and parses it where it runs).
 */
export type SynthesisEvidence =
  { evidence: BehaviourEvidence[] } | { plan: EvidenceShape; spans: SpanRepository };

/** The LLM path, when configured (libs/llm); absent means deterministic only. */
export interface LlmTestGenerator {
  readonly label: string;
  generate(input: {
    systemModel: SystemModel;
    evidence: BehaviourEvidence[];
    endpoint: string;
    modelHash: string;
  }): Promise<{ kept: TestSpec[]; rejected: number; error?: string }>;
}

export interface GenerationRequest {
  trigger: 'schedule' | 'manual' | 'startup' | 'model';
  /** Only these endpoints; default: the endpoints whose part of the model changed since the last run. */
  endpoints?: string[];
  /**
   * For leader-only runs: false once this replica no longer leads in the generation the run was
   * started in (`LeaderElection.isLeading`). Asked when the run starts (a queued run may start
   * late), then nothing is recorded, and before the results are stored: a deposed leader never
   * stores or retires tests over what the new leader produces; it records its run as skipped.
   */
  stillLeading?: () => boolean;
}

const nowText = () => new Date().toISOString().replace('T', ' ').replace('Z', '');

/**
 * One generation run: read the latest model and the recorded traces of its behaviours, synthesize
 * and verify tests (deterministically, plus the LLM when configured), emit them as Jest and
 * Tracetest files, store them, and retire the tests of regenerated endpoints that were not produced
 * again. By default only endpoints whose part of the model changed since the last successful run
 * are regenerated. Every run is recorded, including skipped and failed ones.
 *
 * A run belongs to the tenant whose scope `generate` is called in (`withTenant`; the implicit
 * `default` outside any): it reads that tenant's model and traces and stores its tests and its run
 * record there, also when it waits in the queue behind another tenant's run.
 */
export class TestGenerationService {
  private readonly log = new Logger('generator');
  // Distinct per service instance (several can share a process in tests and in embedded mode).
  private readonly instance = `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
  private running: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly models: ModelRepository,
    private readonly clusters: ClusterRepository,
    private readonly spans: SpanRepository,
    private readonly tests: TestRepository,
    private readonly options: { samplesPerBehaviour: number; horizonMs: number },
    private readonly llm: LlmTestGenerator | undefined,
    /** Called with every finished run and its tenant (metrics). */
    private readonly onFinished: (run: GenerationRun, tenant: string) => void = () => undefined,
    /**
     * Where synthesis and verification run; default: here, on the caller's event loop. Elsewhere
     * (a worker thread) it gets the run's tenant (scopes do not cross threads), and the plan of
     * the evidence when nothing here needs it parsed (no LLM): its pages then go to the thread as
     * they are read and are parsed there, which keeps seconds of JSON off the loop that
     * receives spans.
     */
    private readonly synthesize: (
      model: SystemModel,
      source: SynthesisEvidence,
      tenant: string,
    ) => Promise<TestSpec[]> = async (model, source) =>
      synthesizeVerifiedTests(
        model,
        'evidence' in source ? source.evidence : await readEvidence(source.plan, source.spans),
      ),
  ) {}

  /**
   * Runs are serialised (across tenants too: synthesis is CPU-bound): a request waits for the run
   * in progress. The run is the caller's tenant's, taken now: the queue starts it later, from
   * the previous run's continuation, and enters that tenant again explicitly.
   */
  generate(request: GenerationRequest): Promise<GenerationRun> {
    const tenant = currentTenant();
    const next = this.running.then(() => withTenant(tenant, () => this.run(request, tenant)));
    this.running = next.catch(() => undefined);
    return next;
  }

  /** Tenants that have clusters or a model: those a scheduled run generates for. */
  knownTenants(): Promise<string[]> {
    return this.models.knownTenants();
  }

  private async run(request: GenerationRequest, tenant: string): Promise<GenerationRun> {
    const leadershipLost = () => request.stillLeading !== undefined && !request.stillLeading();
    const run: GenerationRun = {
      runId: randomUUID(),
      trigger: request.trigger,
      status: 'running',
      instance: this.instance,
      modelVersion: 0,
      modelHash: '',
      endpoints: [],
      testsGenerated: 0,
      testsKept: 0,
      testsRejected: 0,
      assertionsDropped: 0,
      error: '',
      startedAt: nowText(),
      finishedAt: null,
    };
    if (leadershipLost()) return this.fencedOff(run);
    try {
      const latest = await this.models.latestVersion();
      if (!latest) return await this.finish(run, 'skipped', 'no model version yet');
      const model = JSON.parse(latest.model) as SystemModel;
      run.modelVersion = latest.version;
      run.modelHash = latest.modelHash;
      let endpoints = request.endpoints;
      if (!endpoints) {
        const lastHash = await this.tests.lastGeneratedModelHash();
        const previous = lastHash ? await this.models.versionByHash(lastHash) : undefined;
        endpoints = changedEndpoints(
          previous ? (JSON.parse(previous.model) as SystemModel) : undefined,
          model,
        );
      }
      run.endpoints = endpoints;
      if (endpoints.length === 0)
        return await this.finish(run, 'skipped', 'no endpoint changed since the last run');
      await this.tests.saveRun(run);

      const reps = new Map(
        (await this.clusters.representatives()).map((r) => [
          `${r.endpoint}\u0000${r.fingerprint}`,
          r.traceId,
        ]),
      );
      const wanted = new Set(endpoints);
      // Only the endpoints this run generates for: the others' spans are not read at all.
      const plan = restrictPlan(await planEvidence(this.models, this.options, reps), wanted);
      const evidence = this.llm ? await readEvidence(plan, this.spans) : undefined;
      const specs = (
        await this.synthesize(model, evidence ? { evidence } : { plan, spans: this.spans }, tenant)
      ).filter((s) => wanted.has(s.endpoint));
      let rejected = specs.filter((s) => s.verification?.status !== 'verified').length;
      const kept = specs.filter((s) => s.verification?.status === 'verified');
      if (this.llm) {
        for (const endpoint of endpoints.filter((e) =>
          model.endpoints.some((x) => x.key === e && x.entry),
        )) {
          const result = await this.llm.generate({
            systemModel: model,
            evidence: evidence ?? [],
            endpoint,
            modelHash: latest.modelHash,
          });
          if (result.error)
            this.log.warn(
              `LLM generation for ${endpoint} failed (${result.error}); deterministic tests only`,
            );
          kept.push(...result.kept);
          rejected += result.rejected;
        }
      }
      if (leadershipLost())
        return await this.finish(
          run,
          'skipped',
          'leadership moved to another replica before the results were stored',
        );
      const stored = kept.map((spec) => this.toStored(spec, run, latest.version));
      await this.tests.saveTests(stored);
      const retired = await this.tests.retireTests(endpoints, new Set(stored.map((t) => t.testId)));
      run.testsGenerated = kept.length + rejected;
      run.testsKept = kept.length;
      run.testsRejected = rejected;
      run.assertionsDropped = specs.reduce((n, s) => n + (s.verification?.dropped.length ?? 0), 0);
      this.log.log(
        `generation ${run.runId.slice(0, 8)} (${request.trigger}) for model v${latest.version} of tenant ${tenant}: ${endpoints.length} endpoint(s), ${kept.length} test(s) kept, ${rejected} rejected, ${retired} retired`,
      );
      return await this.finish(run, 'succeeded');
    } catch (e) {
      this.log.error(
        `generation ${run.runId.slice(0, 8)} of tenant ${tenant} failed: ${(e as Error).message}`,
      );
      return this.finish(run, 'failed', (e as Error).message);
    }
  }

  private toStored(spec: TestSpec, run: GenerationRun, modelVersion: number): StoredTest {
    const v = spec.verification!;
    return {
      testId: spec.id,
      endpoint: spec.endpoint,
      fingerprint: spec.covers.behaviour ?? '',
      rule: spec.covers.rule ? `${spec.covers.rule.condition} → ${spec.covers.rule.effect}` : '',
      kind: spec.covers.journey ? 'journey' : spec.covers.rule ? 'rule' : 'behaviour',
      generator: spec.provenance.generator,
      name: spec.name,
      modelHash: run.modelHash,
      modelVersion,
      generationRunId: run.runId,
      verdict: v.status,
      assertionsKept: v.kept,
      assertionsDropped: v.dropped.length,
      spec: JSON.stringify(spec),
      jestFile: emitJestTest(spec),
      tracetestYaml: emitTracetestYaml(spec)
        .map((f) => `# ${f.fileName}\n${f.content}`)
        .join('\n---\n'),
      createdAt: nowText(),
      retired: false,
    };
  }

  /** A leader-only run that starts after leadership moved on: not run, and not recorded. */
  private fencedOff(run: GenerationRun): GenerationRun {
    run.status = 'skipped';
    run.error = 'this replica no longer leads the generation schedule';
    run.finishedAt = nowText();
    this.log.warn(`generation ${run.runId.slice(0, 8)} (${run.trigger}) dropped: ${run.error}`);
    this.onFinished(run, currentTenant());
    return run;
  }

  private async finish(
    run: GenerationRun,
    status: GenerationRun['status'],
    error = '',
  ): Promise<GenerationRun> {
    run.status = status;
    run.error = error;
    run.finishedAt = nowText();
    await this.tests.saveRun(run);
    this.onFinished(run, currentTenant());
    return run;
  }
}
