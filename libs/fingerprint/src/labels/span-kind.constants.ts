/**
 * OTLP SpanKind numbers as `SpanFacts.kind` carries them. Plain numbers rather than the
 * `SpanKind` enum of libs/domain, because the contract's `kind` is a number (the wire record
 * keeps whatever the sender wrote, even kinds OTLP does not define).
 */
export const KIND_INTERNAL = 1;
export const KIND_SERVER = 2;
export const KIND_CLIENT = 3;
export const KIND_PRODUCER = 4;
export const KIND_CONSUMER = 5;
