import { Field, Float, ID, ObjectType } from '@nestjs/graphql';
import type { SpanRow } from '@t2t/storage';
import { encodeGlobalId } from '../node/global-id.codec';
import { enumValue, SpanKind, SpanStatusCode } from './model.enums';
import { globalIdDescription, NodeType } from './node.type';

/**
 * An attribute as a key/value pair. The spans table stores attributes as Map(String, String), so
 * every value is a string and the type says so; a list keeps the schema typed (codegen, tooling)
 * and lets a client ask for the few keys it needs (`attributes(keys: [...])`), where a JSON scalar
 * would be an opaque blob that always carries everything.
 */
@ObjectType('Attribute')
export class AttributeType {
  @Field() key!: string;
  @Field() value!: string;
}

@ObjectType('SpanEvent')
export class SpanEventType {
  @Field() name!: string;
  @Field({ description: 'Unix epoch nanoseconds, as a decimal string (exceeds 2^53).' })
  timeUnixNano!: string;
  @Field(() => [AttributeType]) attributes!: AttributeType[];
}

@ObjectType('SpanLink')
export class SpanLinkType {
  @Field() traceId!: string;
  @Field() spanId!: string;
  @Field() traceState!: string;
  @Field(() => [AttributeType]) attributes!: AttributeType[];
}

@ObjectType('InstrumentationScope')
export class ScopeType {
  @Field() name!: string;
  @Field() version!: string;
}

@ObjectType('Span')
export class SpanType {
  @Field() traceId!: string;
  @Field() spanId!: string;

  @Field(() => String, { nullable: true, description: 'Null for a root span.' })
  parentSpanId!: string | null;

  @Field() name!: string;
  @Field(() => SpanKind) kind!: SpanKind;
  @Field({ description: '`service.name` of the emitting process.' }) service!: string;

  @Field({ description: 'Start, Unix epoch nanoseconds, as a decimal string (exceeds 2^53).' })
  startTimeUnixNano!: string;

  @Field({ description: 'Duration in nanoseconds, as a decimal string (exact).' })
  durationNs!: string;

  @Field(() => Float, { description: 'Duration in milliseconds (rounded to a double).' })
  durationMs!: number;

  @Field(() => SpanStatusCode) statusCode!: SpanStatusCode;
  @Field() statusMessage!: string;
  @Field(() => ScopeType) scope!: ScopeType;
  @Field(() => [SpanEventType]) events!: SpanEventType[];
  @Field(() => [SpanLinkType]) links!: SpanLinkType[];

  /** The stored row, for `attributes` and `resourceAttributes` (not a GraphQL field). */
  row!: SpanRow;
}

@ObjectType('Trace', {
  implements: () => [NodeType],
  description: 'A recorded trace. Its spans are read when selected, batched across the request.',
})
export class TraceType {
  @Field(() => ID, { description: globalIdDescription('traceId') })
  id!: string;

  @Field() traceId!: string;
}

/** A trace by id; its spans are read only if selected. */
export function toTraceType(traceId: string): TraceType {
  return { id: encodeGlobalId('Trace', traceId), traceId };
}

/** Attribute map → sorted key/value list, optionally only `keys`. */
export function toAttributes(
  map: Record<string, string>,
  keys?: readonly string[] | null,
): AttributeType[] {
  const names = keys ? keys.filter((k) => k in map) : Object.keys(map).sort();
  return names.map((key) => ({ key, value: map[key] }));
}

export function toSpanType(row: SpanRow): SpanType {
  return {
    traceId: row.TraceId,
    spanId: row.SpanId,
    parentSpanId: row.ParentSpanId === '' ? null : row.ParentSpanId,
    name: row.SpanName,
    kind: enumValue(SpanKind, row.SpanKind, SpanKind.UNSPECIFIED),
    service: row.ServiceName,
    startTimeUnixNano: row.Timestamp,
    durationNs: row.Duration,
    durationMs: Number(row.Duration) / 1e6,
    statusCode: enumValue(SpanStatusCode, row.StatusCode, SpanStatusCode.UNSET),
    statusMessage: row.StatusMessage,
    scope: { name: row.ScopeName, version: row.ScopeVersion },
    events: row['Events.Name'].map((name, i) => ({
      name,
      timeUnixNano: row['Events.Timestamp'][i],
      attributes: toAttributes(row['Events.Attributes'][i] ?? {}),
    })),
    links: row['Links.TraceId'].map((traceId, i) => ({
      traceId,
      spanId: row['Links.SpanId'][i],
      traceState: row['Links.TraceState'][i] ?? '',
      attributes: toAttributes(row['Links.Attributes'][i] ?? {}),
    })),
    row,
  };
}
