import { Injectable } from '@nestjs/common';
import { TestRepository } from '@t2t/storage';
import type { ApiLoaders } from '../api.context';
import { ModelDocumentMissingError } from '../loaders/model.loader';
import { ModelReader } from '../model/model.reader';
import { ModelSnapshot } from '../model/model.snapshot';
import { type BehaviourType, toBehaviourType } from '../types/behaviour.type';
import { type EndpointType, toEndpointType } from '../types/endpoint.type';
import { type EntityType, toEntityType } from '../types/entity.type';
import { type GenerationRunType, toGenerationRunType } from '../types/generation-run.type';
import { type ModelVersionType, toModelVersionType } from '../types/model-version.type';
import { type ServiceType, toServiceType } from '../types/service.type';
import { type TestRunType, type TestType, toTestRunType, toTestType } from '../types/test.type';
import { toTraceType, type TraceType } from '../types/trace.type';
import type { GlobalId } from './global-id.codec';

/** What `node` can answer: the object types that implement Node. */
export type NodeValue =
  | TestType
  | GenerationRunType
  | TestRunType
  | ModelVersionType
  | TraceType
  | ServiceType
  | EntityType
  | EndpointType
  | BehaviourType;

/**
 * Looks up the object a global id names, as the field that listed it would have answered it, or
 * null when there is none (any more): a retired test, a trace past retention, an endpoint its
 * version does not have. Lookups go through the request's loaders where one exists, so the ids of
 * one `nodes` call are read together: tests in one `testsByIds`, generation runs in one
 * `runsByIds`, traces in one `findByTraceIds`, the model documents of every version named in one
 * `modelsByHash`. Model versions and test runs are read one query each.
 */
@Injectable()
export class NodeReader {
  constructor(
    private readonly models: ModelReader,
    private readonly tests: TestRepository,
  ) {}

  async node(id: GlobalId, loaders: ApiLoaders): Promise<NodeValue | null> {
    switch (id.type) {
      case 'Test': {
        const row = await loaders.tests.load(id.key[0]);
        return row ? toTestType(row) : null;
      }
      case 'GenerationRun': {
        const run = await loaders.generationRuns.load(id.key[0]);
        return run ? toGenerationRunType(run) : null;
      }
      case 'TestRun': {
        const executions = await this.tests.executionsOfRun(id.key[0]);
        return executions.length > 0 ? toTestRunType(id.key[0], executions) : null;
      }
      case 'ModelVersion': {
        const stored = await this.models.find(Number(id.key[0]));
        if (!stored) return null;
        // As `modelVersion` does: the document came with the version, its fields read it from here.
        loaders.models.prime(stored.modelHash, new ModelSnapshot(stored.modelHash, stored.model));
        return toModelVersionType(stored);
      }
      case 'Trace': {
        const spans = await loaders.spans.load(id.key[0]);
        return spans.length > 0 ? toTraceType(id.key[0]) : null;
      }
      case 'Service': {
        const [hash, name] = id.key;
        const snapshot = await this.snapshot(hash, loaders);
        const service = snapshot?.model.services.find((s) => s.name === name);
        return service ? toServiceType(service, hash) : null;
      }
      case 'Entity': {
        const [hash, kind, name, system] = id.key;
        const snapshot = await this.snapshot(hash, loaders);
        const entity = snapshot?.model.entities.find(
          (e) => e.kind === kind && e.name === name && e.system === system,
        );
        return entity ? toEntityType(entity, hash) : null;
      }
      case 'Endpoint': {
        const [hash, key] = id.key;
        const snapshot = await this.snapshot(hash, loaders);
        const endpoint = snapshot?.endpoint(key);
        return snapshot && endpoint ? toEndpointType(endpoint, snapshot) : null;
      }
      case 'Behaviour': {
        const [hash, endpoint, fingerprint] = id.key;
        const snapshot = await this.snapshot(hash, loaders);
        const behaviour = snapshot?.behaviour(endpoint, fingerprint);
        return snapshot && behaviour ? toBehaviourType(behaviour, snapshot) : null;
      }
    }
  }

  /** The model version with this hash; undefined when no version has it. */
  private async snapshot(hash: string, loaders: ApiLoaders): Promise<ModelSnapshot | undefined> {
    try {
      return await loaders.models.load(hash);
    } catch (e) {
      if (e instanceof ModelDocumentMissingError) return undefined;
      throw e;
    }
  }
}
