import { randomUUID } from 'node:crypto';
import type { SystemModel } from '@t2t/model';
import {
  ClickHouseTraceSource,
  EntrySpanRepository,
  formatVerifyResult,
  knownBehavioursOf,
  renderJUnit,
  StoredEndpointTimings,
  StoredTraceVerifier,
  verifyExecutions,
  verifyJsonLines,
  verifyToJUnit,
} from '@t2t/runner';
import {
  type ClickHouseHandle,
  ModelRepository,
  SpanRepository,
  type TestExecution,
  TestRepository,
} from '@t2t/storage';
import type { TestSpec } from '@t2t/testgen';
import { DEFAULT_TENANT, withTenant } from '@t2t/wire';
import {
  type TestBackend,
  unknownEndpointError,
  type VerifyOutput,
  type VerifyRequest,
} from './test.backend';

/**
 * The CLI's own connection to ClickHouse (a server, or the embedded directory it could open), for
 * one tenant: everything it reads and stores, and what its trace source and timings read, is
 * confined to `tenant`.
 */
export class DirectTestBackend implements TestBackend {
  readonly mode = 'direct';
  readonly location: string;
  private readonly spans: SpanRepository;
  private readonly tests: TestRepository;
  private readonly models: ModelRepository;
  private readonly verifier: StoredTraceVerifier;

  constructor(
    private readonly handle: ClickHouseHandle,
    readonly tenant: string = DEFAULT_TENANT,
  ) {
    this.location = `ClickHouse ${handle.mode} (${handle.location})${
      tenant === DEFAULT_TENANT ? '' : `, tenant ${tenant}`
    }`;
    this.spans = new SpanRepository(handle);
    this.tests = new TestRepository(handle);
    this.models = new ModelRepository(handle);
    this.verifier = new StoredTraceVerifier({
      spans: this.spans,
      roots: new EntrySpanRepository(handle),
      tests: this.tests,
    });
  }

  traceSource(): ClickHouseTraceSource {
    return new ClickHouseTraceSource(this.spans, this.tenant);
  }

  endpointTimings(): StoredEndpointTimings {
    return new StoredEndpointTimings(this.models, { tenant: this.tenant });
  }

  storedSpecs(endpoints: readonly string[]): Promise<{ specs: TestSpec[]; problems: string[] }> {
    return withTenant(this.tenant, () => this.verifier.storedSpecs(endpoints));
  }

  saveExecutions(_runId: string, executions: readonly TestExecution[]): Promise<void> {
    return withTenant(this.tenant, () => this.tests.saveExecutions(executions));
  }

  verify(request: VerifyRequest): Promise<VerifyOutput> {
    return withTenant(this.tenant, () => this.verifyInScope(request));
  }

  private async verifyInScope(request: VerifyRequest): Promise<VerifyOutput> {
    let specs = request.specs;
    let problems: string[] = [];
    if (specs === undefined) ({ specs, problems } = await this.storedSpecs(request.endpoints));
    const latest = await this.models.latestVersion();
    const model = latest === undefined ? undefined : (JSON.parse(latest.model) as SystemModel);
    for (const endpoint of request.endpoints) {
      if (specs.some((s) => s.endpoint === endpoint)) continue;
      if (model?.endpoints.some((e) => e.key === endpoint)) continue;
      throw unknownEndpointError(endpoint, latest?.version);
    }
    if (specs.length === 0) return { problems, tests: 0, failed: false };
    const startedAt = new Date().toISOString();
    const result = await this.verifier.verify(specs, {
      fromNs: BigInt(request.fromMs) * 1_000_000n,
      toNs: BigInt(request.toMs) * 1_000_000n,
      endpoints: request.endpoints,
      maxTracesPerEndpoint: request.maxTracesPerEndpoint,
      // The model's behaviours, as the server's verifyTests passes them (a structure no model
      // behaviour has is an unknown behaviour, one without a test of its own is not).
      ...(model === undefined ? {} : { knownBehaviours: knownBehavioursOf(model) }),
      keepJudgements: request.jsonLines,
    });
    const output: VerifyOutput = {
      problems,
      tests: result.tests.length,
      failed: result.tests.some((t) => t.status === 'failed'),
      ...(request.report ? { report: formatVerifyResult(result, request.show) } : {}),
      ...(request.jsonLines ? { jsonLines: verifyJsonLines(result) } : {}),
      ...(request.junit
        ? { junitXml: renderJUnit('trace2test test verify', verifyToJUnit(result)) }
        : {}),
    };
    if (request.store) {
      const runId = randomUUID();
      try {
        await this.tests.saveExecutions(verifyExecutions(result, runId, startedAt));
        output.stored = { runId };
      } catch (e) {
        output.stored = { error: (e as Error).message };
      }
    }
    return output;
  }

  close(): Promise<void> {
    return this.handle.close();
  }
}
