/**
 * The span model every stage shares: OTLP's data model with every field kept, ids as lowercase hex.
 * Types only (plus tiny constant tables); no dependencies.
 */

/**
 * An OTLP AnyValue. The JS type carries the OTLP type, so nothing is lost in a round trip:
 * string → string, bool → boolean, int (int64) → bigint, double → number, bytes → Uint8Array,
 * array → AnyValue[], kvlist → KeyValueList. An empty AnyValue (no value set) is `null`.
 */
export type AnyValue =
  string | boolean | bigint | number | Uint8Array | AnyValue[] | KeyValueList | null;

/** OTLP kvlist_value, kept as an ordered list of pairs (OTLP does not forbid repeated keys inside). */
export interface KeyValueList {
  readonly kvlist: ReadonlyArray<readonly [string, AnyValue]>;
}

/**
 * Attributes of a span, event, link, resource or scope: key → value. Objects are created with a
 * null prototype, so any key (even "__proto__") is just data. If the wire repeats a key, the last
 * value wins (OTLP requires unique keys).
 */
export type Attributes = Record<string, AnyValue>;

/** OTLP Span.SpanKind numbering. */
export enum SpanKind {
  Unspecified = 0,
  Internal = 1,
  Server = 2,
  Client = 3,
  Producer = 4,
  Consumer = 5,
}

/** OTLP Status.StatusCode numbering. */
export enum StatusCode {
  Unset = 0,
  Ok = 1,
  Error = 2,
}

export interface Resource {
  readonly attributes: Attributes;
  readonly droppedAttributesCount: number;
  readonly schemaUrl: string;
}

export interface InstrumentationScope {
  readonly name: string;
  readonly version: string;
  readonly attributes: Attributes;
  readonly droppedAttributesCount: number;
  readonly schemaUrl: string;
}

export interface SpanEvent {
  readonly timeUnixNano: bigint;
  readonly name: string;
  readonly attributes: Attributes;
  readonly droppedAttributesCount: number;
}

export interface SpanLink {
  /** 32 lowercase hex characters. */
  readonly traceId: string;
  /** 16 lowercase hex characters. */
  readonly spanId: string;
  readonly traceState: string;
  readonly attributes: Attributes;
  readonly droppedAttributesCount: number;
  readonly flags: number;
}

export interface Span {
  /** 32 lowercase hex characters (16 bytes). Decoders keep what the wire says; validation judges it. */
  readonly traceId: string;
  /** 16 lowercase hex characters (8 bytes). */
  readonly spanId: string;
  /** '' for a root span. */
  readonly parentSpanId: string;
  readonly traceState: string;
  /** W3C trace flags in the low 8 bits; bits 8-9 carry OTLP's has-/is-remote-parent flags. */
  readonly flags: number;
  readonly name: string;
  readonly kind: SpanKind;
  readonly startTimeUnixNano: bigint;
  readonly endTimeUnixNano: bigint;
  readonly attributes: Attributes;
  readonly droppedAttributesCount: number;
  readonly events: readonly SpanEvent[];
  readonly droppedEventsCount: number;
  readonly links: readonly SpanLink[];
  readonly droppedLinksCount: number;
  readonly status: { readonly code: StatusCode; readonly message: string };
  /** Shared by every span of one ResourceSpans (same object), so per-resource work can be cached. */
  readonly resource: Resource;
  /** Shared by every span of one ScopeSpans (same object). */
  readonly scope: InstrumentationScope;
}

/** Names the OpenTelemetry Collector's ClickHouse exporter writes for SpanKind / StatusCode. */
export const SPAN_KIND_NAMES: Record<SpanKind, string> = {
  [SpanKind.Unspecified]: 'Unspecified',
  [SpanKind.Internal]: 'Internal',
  [SpanKind.Server]: 'Server',
  [SpanKind.Client]: 'Client',
  [SpanKind.Producer]: 'Producer',
  [SpanKind.Consumer]: 'Consumer',
};

export const STATUS_CODE_NAMES: Record<StatusCode, string> = {
  [StatusCode.Unset]: 'Unset',
  [StatusCode.Ok]: 'Ok',
  [StatusCode.Error]: 'Error',
};
