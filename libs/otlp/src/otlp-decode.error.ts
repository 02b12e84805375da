/**
 * Thrown for input that is not a well-formed OTLP trace request. Ingest treats it as a permanent
 * error (the record goes to the dead-letter topic), so the message must say enough to find the fault
 * in the payload without a debugger: what was wrong and where (byte offset or JSON path).
 */
export class OtlpDecodeError extends Error {
  override readonly name = 'OtlpDecodeError';

  constructor(
    message: string,
    /** Byte offset into the protobuf input, or -1 for JSON input (the path is in the message). */
    readonly offset: number = -1,
  ) {
    super(message);
  }
}
