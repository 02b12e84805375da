import * as protobuf from 'protobufjs';

/**
 * The messages of a gRPC rich error (`grpc-status-details-bin`), declared from their .proto
 * definitions and read with protobufjs: a decoder independent of the receiver's hand-written
 * encoder, so the tests check the bytes against the schema rather than against themselves.
 */
const { root } = protobuf.parse(`
syntax = "proto3";
package google.rpc;
message Status { int32 code = 1; string message = 2; repeated Any details = 3; }
message Any { string type_url = 1; bytes value = 2; }
message RetryInfo { Duration retry_delay = 1; }
message Duration { int64 seconds = 1; int32 nanos = 2; }
`);

const STATUS = root.lookupType('google.rpc.Status');
const RETRY_INFO = root.lookupType('google.rpc.RetryInfo');

export interface DecodedRetryStatus {
  code: number;
  message: string;
  /** Type URLs of every detail, in order. */
  detailTypes: string[];
  /** The RetryInfo detail's delay in milliseconds; undefined without one. */
  retryDelayMs: number | undefined;
}

/** Reads a serialized `google.rpc.Status` and the RetryInfo among its details. */
export function decodeRetryStatus(bytes: Uint8Array): DecodedRetryStatus {
  const status = STATUS.toObject(STATUS.decode(bytes), { longs: Number, defaults: true }) as {
    code: number;
    message: string;
    details: { typeUrl: string; value: Uint8Array }[];
  };
  const retry = status.details.find(
    (d) => d.typeUrl === 'type.googleapis.com/google.rpc.RetryInfo',
  );
  let retryDelayMs: number | undefined;
  if (retry) {
    const info = RETRY_INFO.toObject(RETRY_INFO.decode(retry.value), {
      longs: Number,
      defaults: true,
    }) as { retryDelay?: { seconds: number; nanos: number } };
    retryDelayMs = info.retryDelay
      ? info.retryDelay.seconds * 1000 + info.retryDelay.nanos / 1e6
      : undefined;
  }
  return {
    code: status.code,
    message: status.message,
    detailTypes: status.details.map((d) => d.typeUrl),
    retryDelayMs,
  };
}
