/** OTLP SpanKind numbers, as ModelSpan.kind carries them. */
export const KIND_INTERNAL = 1;
export const KIND_SERVER = 2;
export const KIND_CLIENT = 3;
export const KIND_PRODUCER = 4;
export const KIND_CONSUMER = 5;
