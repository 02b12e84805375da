import {
  SpanKind,
  StatusCode,
  type AnyValue,
  type Attributes,
  type Resource,
  type Span,
} from '@t2t/domain';
import type { GeneratedTrace } from '../generation/generated-trace.model';
import type { HttpMethod, RequestValue } from '../model/system.model';
import { SeededRandom, fnv1a32 } from '../random/seeded.random';
import type { EdgeTruth } from '../truth/ground-truth.model';

/**
 * Mutations of a recorded trace for verifying generated tests: a test assertion that still holds
 * on the mutated trace could never fail, so it is useless. Each mutation returns a copy (the input
 * is not touched) and the exact change made, so a test can tell which assertion should now fail.
 *
 *   drop-db-write  removes a write span (INSERT/UPDATE/DELETE on a table or collection; read
 *                  from the attributes, else from the span name `INSERT ts.orders`)
 *   extra-call     adds a call from the entry span to an endpoint the trace did not call
 *   error-status   marks a span and its ancestors as errors
 *   flip-branch    flips the attribute a branch decided on, keeping the structure it caused
 */
export type FaultKind = 'drop-db-write' | 'extra-call' | 'error-status' | 'flip-branch';

export type FaultChange =
  | {
      readonly kind: 'drop-db-write';
      readonly removedSpanIds: readonly string[];
      readonly edge: EdgeTruth;
    }
  | {
      readonly kind: 'extra-call';
      /** The client span, then the server span. */
      readonly addedSpanIds: readonly string[];
      readonly edge: EdgeTruth;
    }
  | {
      readonly kind: 'error-status';
      /** The span the error starts at, then the ancestors it propagated to (only spans that changed). */
      readonly erroredSpanIds: readonly string[];
    }
  | {
      readonly kind: 'flip-branch';
      /** Spans whose attribute changed (the entry span, plus spans the attribute was forwarded to). */
      readonly changedSpanIds: readonly string[];
      readonly at: string;
      readonly condition: string;
      readonly attribute: string;
      readonly from: RequestValue | undefined;
      readonly to: RequestValue;
      /** How the condition evaluated when the structure was generated (it now evaluates the other way). */
      readonly outcome: boolean;
    };

export interface InjectedFault {
  /**
   * The mutated copy. Its `behaviour` and `decisions` still describe how the structure was
   * generated; `request` reflects a flipped attribute.
   */
  readonly trace: GeneratedTrace;
  readonly change: FaultChange;
}

export interface InjectOptions {
  /** drop-db-write: the table or collection whose write to drop (default: the first write). */
  readonly entity?: string;
  /** extra-call: the endpoint called (default `unexpected-service GET /unexpected`). */
  readonly target?: {
    readonly service: string;
    readonly method: HttpMethod;
    readonly route: string;
  };
  /** error-status: the span the error starts at (default: the last client span). */
  readonly spanId?: string;
  /** flip-branch: index into trace.decisions (default: the first one that can be flipped). */
  readonly decision?: number;
}

/** The trace has nothing the fault could change (no database write, no flippable decision, …). */
export class FaultNotApplicableError extends Error {
  override readonly name = 'FaultNotApplicableError';
}

export function injectFault(
  trace: GeneratedTrace,
  kind: FaultKind,
  options: InjectOptions = {},
): InjectedFault {
  switch (kind) {
    case 'drop-db-write':
      return dropDbWrite(trace, options);
    case 'extra-call':
      return extraCall(trace, options);
    case 'error-status':
      return errorStatus(trace, options);
    case 'flip-branch':
      return flipBranch(trace, options);
  }
}

/** Whether injectFault(trace, kind) would succeed with default options. */
export function canInjectFault(trace: GeneratedTrace, kind: FaultKind): boolean {
  try {
    injectFault(trace, kind);
    return true;
  } catch (error) {
    if (error instanceof FaultNotApplicableError) return false;
    throw error;
  }
}

const WRITES = new Set(['INSERT', 'UPDATE', 'DELETE', 'insert', 'update', 'delete']);

const str = (attrs: Attributes, ...keys: string[]): string | undefined => {
  for (const k of keys) {
    const v = attrs[k];
    if (typeof v === 'string') return v;
  }
  return undefined;
};

const serviceOf = (span: Span): string => str(span.resource.attributes, 'service.name') ?? '';

/**
 * The operation and table of a database span whose attributes do not say them (`name-only` spans,
 * as Java agents record JDBC with statement capture off): the span name is `{operation} {table}`,
 * the table qualified by the database on older conventions (`INSERT ts.orders`).
 */
function fromSpanName(
  name: string,
  database: string | undefined,
): { operation: string; table: string } | undefined {
  const match = /^(\S+) (\S+)$/.exec(name);
  if (match === null) return undefined;
  const [, operation, target] = match;
  const prefix = database === undefined ? undefined : `${database}.`;
  const table =
    prefix !== undefined && target.startsWith(prefix) ? target.slice(prefix.length) : target;
  return { operation, table };
}

function dropDbWrite(trace: GeneratedTrace, options: InjectOptions): InjectedFault {
  for (const span of trace.spans) {
    const a = span.attributes;
    const system = str(a, 'db.system.name', 'db.system');
    if (system === undefined || system === 'redis') continue;
    let operation = str(a, 'db.operation.name', 'db.operation');
    let table = str(a, 'db.collection.name', 'db.sql.table', 'db.mongodb.collection');
    if (operation === undefined || table === undefined) {
      const named = fromSpanName(span.name, str(a, 'db.namespace', 'db.name'));
      operation ??= named?.operation;
      table ??= named?.table;
    }
    if (operation === undefined || table === undefined) continue;
    if (!WRITES.has(operation) || (options.entity !== undefined && options.entity !== table))
      continue;
    const removed = withDescendants(trace.spans, span.spanId);
    return {
      trace: { ...trace, spans: trace.spans.filter((s) => !removed.has(s.spanId)) },
      change: {
        kind: 'drop-db-write',
        removedSpanIds: [...removed],
        edge: {
          type: 'WRITES',
          from: serviceOf(span),
          to: table,
          entityKind: system === 'mongodb' ? 'collection' : 'table',
          operation,
        },
      },
    };
  }
  throw new FaultNotApplicableError(
    `trace ${trace.traceId} has no database write${options.entity === undefined ? '' : ` to ${options.entity}`}`,
  );
}

function withDescendants(spans: readonly Span[], spanId: string): Set<string> {
  const out = new Set([spanId]);
  // Pre-order: a descendant always comes after its parent, so one pass finds them all.
  for (const s of spans) if (out.has(s.parentSpanId)) out.add(s.spanId);
  return out;
}

function rootOf(trace: GeneratedTrace): Span {
  const root = trace.spans.find((s) => s.parentSpanId === '');
  if (root === undefined)
    throw new FaultNotApplicableError(`trace ${trace.traceId} has no root span`);
  return root;
}

function extraCall(trace: GeneratedTrace, options: InjectOptions): InjectedFault {
  const target = options.target ?? {
    service: 'unexpected-service',
    method: 'GET',
    route: '/unexpected',
  };
  const targetKey = `${target.service}|HTTP ${target.method} ${target.route}`;
  const called = trace.spans.some(
    (s) =>
      s.kind === SpanKind.Server &&
      serviceOf(s) === target.service &&
      str(s.attributes, 'http.route') === target.route &&
      str(s.attributes, 'http.request.method', 'http.method') === target.method,
  );
  if (called)
    throw new FaultNotApplicableError(`trace ${trace.traceId} already calls ${targetKey}`);
  const root = rootOf(trace);
  const random = new SeededRandom(fnv1a32(trace.traceId), 7, 0);
  // Inside the root span, so the trace's time bounds do not move.
  const span = root.endTimeUnixNano - root.startTimeUnixNano;
  const start = root.startTimeUnixNano + span / 2n;
  const length = span / 4n;
  const clientScope =
    trace.spans.find((s) => s.kind === SpanKind.Client && s.resource === root.resource)?.scope ??
    root.scope;
  const url = `http://${target.service}:8080${target.route}`;
  const client: Span = {
    ...root,
    spanId: random.hex(8),
    parentSpanId: root.spanId,
    flags: 0x101,
    name: target.method,
    kind: SpanKind.Client,
    startTimeUnixNano: start,
    endTimeUnixNano: start + length,
    attributes: attributes({
      'http.request.method': target.method,
      'url.full': url,
      'server.address': target.service,
      'server.port': 8080n,
      'http.response.status_code': 200n,
    }),
    events: [],
    links: [],
    status: { code: StatusCode.Unset, message: '' },
    scope: clientScope,
  };
  const resource: Resource = {
    attributes: attributes({ 'service.name': target.service }),
    droppedAttributesCount: 0,
    schemaUrl: '',
  };
  const server: Span = {
    ...client,
    spanId: random.hex(8),
    parentSpanId: client.spanId,
    flags: 0x301,
    name: `${target.method} ${target.route}`,
    kind: SpanKind.Server,
    startTimeUnixNano: start + length / 10n,
    endTimeUnixNano: start + length - length / 10n,
    attributes: attributes({
      'http.request.method': target.method,
      'http.route': target.route,
      'url.path': target.route,
      'http.response.status_code': 200n,
    }),
    resource,
    scope: {
      name: '@opentelemetry/instrumentation-http',
      version: '0.57.0',
      attributes: attributes({}),
      droppedAttributesCount: 0,
      schemaUrl: '',
    },
  };
  const at = trace.spans.indexOf(root) + 1;
  return {
    trace: {
      ...trace,
      spans: [...trace.spans.slice(0, at), client, server, ...trace.spans.slice(at)],
    },
    change: {
      kind: 'extra-call',
      addedSpanIds: [client.spanId, server.spanId],
      edge: {
        type: 'CALLS',
        from: trace.endpoint,
        to: targetKey,
        protocol: 'http',
        method: target.method,
        route: target.route,
      },
    },
  };
}

function errorStatus(trace: GeneratedTrace, options: InjectOptions): InjectedFault {
  const candidates = trace.spans.filter((s) => s.status.code !== StatusCode.Error);
  const origin =
    options.spanId !== undefined
      ? candidates.find((s) => s.spanId === options.spanId)
      : ([...candidates].reverse().find((s) => s.kind === SpanKind.Client) ?? candidates[0]);
  if (origin === undefined)
    throw new FaultNotApplicableError(
      `trace ${trace.traceId} has no span that is not already an error`,
    );
  const byId = new Map(trace.spans.map((s) => [s.spanId, s]));
  const errored: string[] = [];
  for (let s: Span | undefined = origin; s !== undefined; s = byId.get(s.parentSpanId)) {
    if (s.status.code !== StatusCode.Error) errored.push(s.spanId);
  }
  const changed = new Set(errored);
  return {
    trace: {
      ...trace,
      spans: trace.spans.map((s) =>
        changed.has(s.spanId)
          ? {
              ...s,
              status: {
                code: StatusCode.Error,
                message: s === origin ? 'injected error' : 'injected error downstream',
              },
            }
          : s,
      ),
    },
    change: { kind: 'error-status', erroredSpanIds: errored },
  };
}

function flipBranch(trace: GeneratedTrace, options: InjectOptions): InjectedFault {
  const index =
    options.decision ??
    trace.decisions.findIndex(
      (d) => d.flipTo !== undefined && carries(trace, d.attribute, d.value),
    );
  const decision = trace.decisions[index];
  if (
    decision === undefined ||
    decision.flipTo === undefined ||
    !carries(trace, decision.attribute, decision.value)
  ) {
    throw new FaultNotApplicableError(
      `trace ${trace.traceId} has no decision whose attribute its spans carry and that can flip`,
    );
  }
  const { attribute, value, flipTo } = decision;
  const changed: string[] = [];
  const spans = trace.spans.map((s) => {
    if (!(attribute in s.attributes) || s.attributes[attribute] !== value) return s;
    changed.push(s.spanId);
    const attrs = Object.assign(Object.create(null) as Attributes, s.attributes);
    attrs[attribute] = flipTo;
    return { ...s, attributes: attrs };
  });
  const request = Object.assign(Object.create(null) as Record<string, RequestValue>, trace.request);
  request[attribute] = flipTo;
  return {
    trace: { ...trace, spans, request },
    change: {
      kind: 'flip-branch',
      changedSpanIds: changed,
      at: decision.at,
      condition: decision.condition,
      attribute,
      from: value,
      to: flipTo,
      outcome: decision.outcome,
    },
  };
}

function carries(
  trace: GeneratedTrace,
  attribute: string,
  value: RequestValue | undefined,
): boolean {
  return value !== undefined && trace.spans.some((s) => s.attributes[attribute] === value);
}

function attributes(values: Record<string, AnyValue>): Attributes {
  return Object.assign(Object.create(null) as Attributes, values);
}
