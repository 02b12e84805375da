import { ApolloDriver, type ApolloDriverConfig } from '@nestjs/apollo';
import {
  type DynamicModule,
  Inject,
  Logger,
  type MiddlewareConsumer,
  Module,
  type NestModule,
  RequestMethod,
} from '@nestjs/common';
import { GraphQLModule } from '@nestjs/graphql';
import type { Request } from 'express';
import { ApiContextFactory } from './api-context.factory';
import { ApiKeyAuthenticator } from './auth/api-key.authenticator';
import { createApiErrorFormatter } from './errors/api-error.formatter';
import { roleCheckPlugin } from './auth/role-check.plugin';
import { tenantScopeMiddleware } from './auth/tenant-scope.middleware';
import { configuredApiKeys, type GraphqlApiConfig } from './graphql-api.env';
import { GraphqlApiMetrics } from './graphql-api.metrics';
import { queryLimitsPlugin } from './limits/query-limits.plugin';
import { ModelReader } from './model/model.reader';
import { NodeReader } from './node/node.reader';
import { BehaviourResolver } from './resolvers/behaviour.resolver';
import { ClusterResolver } from './resolvers/cluster.resolver';
import { EndpointTimingResolver } from './resolvers/endpoint-timing.resolver';
import { EndpointResolver } from './resolvers/endpoint.resolver';
import { GenerationRunResolver } from './resolvers/generation-run.resolver';
import { ModelVersionResolver } from './resolvers/model-version.resolver';
import { ModelResolver } from './resolvers/model.resolver';
import { NodeResolver } from './resolvers/node.resolver';
import { SpanResolver } from './resolvers/span.resolver';
import { TestExecutionResolver } from './resolvers/test-execution.resolver';
import { TestResolver } from './resolvers/test.resolver';
import { TraceResolver } from './resolvers/trace.resolver';
import { TestRunsResolver } from './resolvers/test-runs.resolver';
import { VerifyResolver, VerifyTestResolver } from './resolvers/verify.resolver';
import { GenerationLauncher } from './tests/generation.launcher';
import { GenerationRunReader } from './tests/generation-run.reader';
import { TestReader } from './tests/test.reader';
import { MODEL_CHANGE_TYPES } from './types/model-change.type';
import { StoredVerificationService } from './verify/stored-verification.service';

/**
 * What the Apollo options need from DI (the request context and metrics). A module of its own
 * because GraphQLModule.forRootAsync can only inject from modules it imports.
 */
@Module({})
class GraphqlApiSupportModule {
  static forRoot(): DynamicModule {
    return {
      module: GraphqlApiSupportModule,
      providers: [ApiContextFactory, GraphqlApiMetrics],
      exports: [ApiContextFactory, GraphqlApiMetrics],
    };
  }
}

/**
 * The GraphQL API (Apollo through @nestjs/graphql, code-first): the model, its versions and
 * diffs, recorded traces and cluster statistics, the generated tests and the generation runs (and
 * the mutation that starts one, through the app's TestGenerationService: see generation.launcher.ts),
 * global ids with `node(id:)` to refetch any of them (node/global-id.codec.ts), and what
 * `t2t test verify` / `test run` need while the server owns the embedded store: the
 * `verifyTests` and `recordTestExecutions` mutations, span counts and endpoint timings.
 */
/** The options the module needs beside its own: the tenant header (`TENANT_HEADER`). */
export interface GraphqlApiTenantOptions {
  header: string;
}

const GRAPHQL_PATH = Symbol('GRAPHQL_PATH');

@Module({})
export class GraphqlApiModule implements NestModule {
  constructor(
    private readonly authenticator: ApiKeyAuthenticator,
    @Inject(GRAPHQL_PATH) private readonly path: string,
  ) {}

  static forRoot(config: GraphqlApiConfig, tenants: GraphqlApiTenantOptions): DynamicModule {
    const log = new Logger('graphql');
    let authenticator: ApiKeyAuthenticator;
    if (config.auth === 'off') {
      log.warn(
        `GRAPHQL_AUTH=off: the GraphQL API answers without an API key, for the tenant header ${tenants.header} names (default without it)`,
      );
      authenticator = new ApiKeyAuthenticator([], tenants.header);
    } else {
      // Validated with the rest of the configuration (graphqlEnvProblems); the file is read again
      // here, so a problem now means it changed since.
      const { keys, problems } = configuredApiKeys(config);
      if (problems.length > 0 || keys.length === 0) {
        throw new Error(
          `GraphQL API keys: ${problems.map((p) => `${p.key}: ${p.problem}`).join('; ') || 'none configured'}`,
        );
      }
      authenticator = new ApiKeyAuthenticator(keys, tenants.header);
      const tenantCount = new Set(keys.map((k) => k.tenant)).size;
      log.log(`${keys.length} API key(s) for ${tenantCount} tenant(s)`);
    }
    return {
      module: GraphqlApiModule,
      imports: [
        GraphQLModule.forRootAsync<ApolloDriverConfig>({
          // The stock driver mounts Apollo Server on Express 5 through @as-integrations/express5.
          driver: ApolloDriver,
          imports: [GraphqlApiSupportModule.forRoot()],
          inject: [ApiContextFactory, GraphqlApiMetrics],
          useFactory: (contexts: ApiContextFactory, metrics: GraphqlApiMetrics) => ({
            path: config.path,
            // Code-first: the schema is built from the decorated classes, in memory.
            autoSchemaFile: true,
            sortSchema: true,
            buildSchemaOptions: { orphanedTypes: MODEL_CHANGE_TYPES },
            // GraphiQL when asked for; otherwise no landing page (`playground: false` disables it).
            ...(config.playground ? { graphiql: true } : { playground: false }),
            includeStacktraceInErrorResponses: false,
            // Our formatter maps every error; Nest's HttpException translation is not needed.
            autoTransformHttpErrors: false,
            formatError: createApiErrorFormatter(log, (code) => metrics.error(code)),
            context: ({ req }: { req: Request }) => contexts.create(req),
            plugins: [
              // Roles first: a key that may not run an operation learns nothing of its cost.
              roleCheckPlugin(),
              queryLimitsPlugin(
                { maxDepth: config.maxDepth, maxComplexity: config.maxComplexity },
                (limit) => metrics.refusal(limit),
              ),
            ],
          }),
        }),
      ],
      providers: [
        { provide: ApiKeyAuthenticator, useValue: authenticator },
        { provide: GRAPHQL_PATH, useValue: config.path },
        ModelReader,
        ModelResolver,
        ModelVersionResolver,
        EndpointResolver,
        BehaviourResolver,
        TraceResolver,
        SpanResolver,
        ClusterResolver,
        TestReader,
        GenerationRunReader,
        GenerationLauncher,
        TestResolver,
        GenerationRunResolver,
        StoredVerificationService,
        VerifyResolver,
        VerifyTestResolver,
        TestExecutionResolver,
        TestRunsResolver,
        EndpointTimingResolver,
        NodeReader,
        NodeResolver,
      ],
    };
  }

  /**
   * Authentication and the tenant scope, on the GraphQL path ahead of Apollo (Nest registers
   * middleware before GraphQLModule mounts Apollo): see tenant-scope.middleware.ts.
   */
  configure(consumer: MiddlewareConsumer): void {
    consumer
      .apply(tenantScopeMiddleware(this.authenticator))
      .forRoutes({ path: this.path, method: RequestMethod.ALL });
  }
}
