/** Nest injection tokens of the receiver module. */
export const OTLP_INTAKE = Symbol('OTLP_INTAKE');
export const RECEIVER_CONFIG = Symbol('RECEIVER_CONFIG');
export const GRPC_RECEIVER_CONFIG = Symbol('GRPC_RECEIVER_CONFIG');
