import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import type { SystemModel } from '@t2t/model';
import {
  EntrySpanRepository,
  knownBehavioursOf,
  StoredTraceVerifier,
  verifyExecutions,
  type VerifyResult,
} from '@t2t/runner';
import {
  CLICKHOUSE,
  type ClickHouseHandle,
  ModelRepository,
  SpanRepository,
  TestRepository,
} from '@t2t/storage';
import type { TestSpec } from '@t2t/testgen';
import { BadUserInputError } from '../errors/api.errors';

export interface VerificationRequest {
  /** Only these endpoints' tests, each with the argument that named it (for errors); [] = all. */
  endpoints: { endpoint: string; argument: string }[];
  fromMs: number;
  toMs: number;
  maxTracesPerEndpoint: number;
  store: boolean;
  /** Specs to verify instead of the stored current tests. */
  specs?: TestSpec[];
  /** Keep every trace's judgement (per-trace results, JSON Lines). */
  keepJudgements: boolean;
}

export interface VerificationOutcome {
  result: VerifyResult;
  /** Stored tests that could not be read, left out (as `t2t test verify` prints them). */
  problems: string[];
  /** The test_runs id the executions were stored under; null when not stored. */
  runId: string | null;
  /** Why storing failed, when it did: the verdicts stand, the run id is then null. */
  storeError?: Error;
}

/**
 * `t2t test verify` on the server: the stored current tests (or given specs) evaluated on the
 * stored production traces of a period, with libs/runner's StoredTraceVerifier (the CLI's own),
 * the latest model's behaviours as the known ones, and the executions stored in test_runs as the
 * CLI stores them (mode `stored`, one row per test, under a fresh run id). It exists so that
 * verification works while the server owns the embedded store: no second process can open it.
 */
@Injectable()
export class StoredVerificationService {
  private readonly verifier: StoredTraceVerifier;

  constructor(
    @Inject(CLICKHOUSE) handle: ClickHouseHandle,
    spans: SpanRepository,
    private readonly tests: TestRepository,
    private readonly models: ModelRepository,
  ) {
    this.verifier = new StoredTraceVerifier({
      spans,
      roots: new EntrySpanRepository(handle),
      tests,
    });
  }

  async verify(request: VerificationRequest): Promise<VerificationOutcome> {
    const endpoints = [...new Set(request.endpoints.map((e) => e.endpoint))];
    const latest = await this.models.latestVersion();
    const model = latest === undefined ? undefined : (JSON.parse(latest.model) as SystemModel);
    let specs: TestSpec[];
    let problems: string[] = [];
    if (request.specs !== undefined) {
      specs = request.specs;
    } else {
      ({ specs, problems } = await this.verifier.storedSpecs(endpoints));
    }
    // A misspelt endpoint would otherwise verify nothing and pass: refuse it by name.
    for (const { endpoint, argument } of request.endpoints) {
      if (specs.some((s) => s.endpoint === endpoint)) continue;
      if (model?.endpoints.some((e) => e.key === endpoint)) continue;
      throw new BadUserInputError(
        `unknown endpoint ${JSON.stringify(endpoint)}: no test to verify is of it, and it is not in ` +
          (latest === undefined
            ? 'any model (none has been built yet)'
            : `the latest model (version ${latest.version})`),
        argument,
      );
    }
    const startedAt = new Date().toISOString();
    const result = await this.verifier.verify(specs, {
      fromNs: BigInt(request.fromMs) * 1_000_000n,
      toNs: BigInt(request.toMs) * 1_000_000n,
      endpoints,
      maxTracesPerEndpoint: request.maxTracesPerEndpoint,
      ...(model === undefined ? {} : { knownBehaviours: knownBehavioursOf(model) }),
      keepJudgements: request.keepJudgements,
    });
    if (!request.store || result.tests.length === 0) return { result, problems, runId: null };
    const runId = randomUUID();
    try {
      await this.tests.saveExecutions(verifyExecutions(result, runId, startedAt));
      return { result, problems, runId };
    } catch (e) {
      const storeError = e instanceof Error ? e : new Error(`storing failed: ${String(e)}`);
      return { result, problems, runId: null, storeError };
    }
  }
}
