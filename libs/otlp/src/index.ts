export { decodeTraceRequestProto } from './proto-trace.decoder';
export { decodeTraceRequestJson } from './json-trace.decoder';
export { encodeTraceRequestProto } from './proto-trace.encoder';
export { encodeTraceRequestJson } from './json-trace.encoder';
export { attributeValueToString, attributesToStringMap } from './attribute-value.format';
export { OtlpDecodeError } from './otlp-decode.error';
export { Utf8Interner, MAX_INTERNED_BYTES, type Utf8Slicer } from './utf8.interner';
export { DecodedRequests } from './decoded-requests';
