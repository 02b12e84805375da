import { Injectable } from '@nestjs/common';
import { MetricsRegistry } from '@t2t/platform';
import type { Counter } from 'prom-client';
import type { ApiErrorCode } from './errors/api.errors';

/** What operators watch on the API: errors by code (auth failures, refusals, internal errors). */
@Injectable()
export class GraphqlApiMetrics {
  private readonly errors: Counter;
  private readonly refused: Counter;

  constructor(metrics: MetricsRegistry) {
    this.errors = metrics.counter(
      't2t_graphql_errors_total',
      'GraphQL errors returned to clients, by extensions.code',
      ['code'],
    );
    this.refused = metrics.counter(
      't2t_graphql_refused_total',
      'Operations refused before execution by the query limits, by limit (depth, complexity)',
      ['limit'],
    );
  }

  error(code: ApiErrorCode): void {
    this.errors.inc({ code });
  }

  refusal(limit: 'depth' | 'complexity'): void {
    this.refused.inc({ limit });
  }
}
