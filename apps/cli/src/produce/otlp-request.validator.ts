/**
 * Cheap plausibility checks for OTLP `ExportTraceServiceRequest`s, run before producing so that a
 * bad file is reported with its name instead of landing in ingest's dead-letter topic. They do not
 * decode spans: JSON must parse and hold a non-empty `resourceSpans` array; protobuf must be a
 * well-formed message whose top-level fields include `resource_spans` (field 1).
 *
 * Each returns the reason the input is rejected, or undefined when it looks right.
 */

const utf8 = new TextDecoder('utf-8', { fatal: true });

export function checkJsonRequest(bytes: Buffer): string | undefined {
  let text: string;
  try {
    text = utf8.decode(bytes);
  } catch {
    return 'not valid UTF-8';
  }
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (e) {
    return `invalid JSON: ${(e as Error).message}`;
  }
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) {
    return 'not an ExportTraceServiceRequest: expected a JSON object';
  }
  const resourceSpans = (doc as { resourceSpans?: unknown }).resourceSpans;
  if (!Array.isArray(resourceSpans)) {
    return 'not an ExportTraceServiceRequest: no "resourceSpans" array';
  }
  if (resourceSpans.length === 0) return 'no spans: "resourceSpans" is empty';
  return undefined;
}

/** Reads a base-128 varint at `pos`; undefined when it runs past the end or beyond 64 bits. */
function readVarint(bytes: Buffer, pos: number): { value: number; next: number } | undefined {
  let value = 0;
  let scale = 1;
  for (let i = pos; i < bytes.length && i < pos + 10; i++) {
    const b = bytes[i];
    // Multiplication instead of shifts: lengths above 2^31 must not wrap (they are then rejected
    // as running past the end, which is the truth).
    value += (b & 0x7f) * scale;
    if ((b & 0x80) === 0) return { value, next: i + 1 };
    scale *= 128;
  }
  return undefined;
}

export function checkProtoRequest(bytes: Buffer): string | undefined {
  if (bytes.length === 0) return 'empty protobuf message';
  const bad = (why: string) => `not a protobuf ExportTraceServiceRequest: ${why}`;
  let resourceSpans = 0;
  let pos = 0;
  while (pos < bytes.length) {
    const at = pos;
    const tag = readVarint(bytes, pos);
    if (!tag) return bad(`truncated field tag at byte ${at}`);
    const field = Math.floor(tag.value / 8);
    const wireType = tag.value % 8;
    if (field === 0) return bad(`field number 0 at byte ${at}`);
    pos = tag.next;
    switch (wireType) {
      case 0: {
        const v = readVarint(bytes, pos);
        if (!v) return bad(`truncated varint at byte ${pos}`);
        pos = v.next;
        break;
      }
      case 1:
        pos += 8;
        break;
      case 2: {
        const len = readVarint(bytes, pos);
        if (!len) return bad(`truncated length at byte ${pos}`);
        pos = len.next + len.value;
        break;
      }
      case 5:
        pos += 4;
        break;
      default:
        // 3 and 4 are proto2 groups, which OTLP never uses; 6 and 7 do not exist.
        return bad(`unexpected wire type ${wireType} at byte ${at}`);
    }
    if (pos > bytes.length) {
      return bad(`field ${field} at byte ${at} runs past the end (${bytes.length} bytes)`);
    }
    if (field === 1) {
      if (wireType !== 2) return bad(`field 1 at byte ${at} is not length-delimited`);
      resourceSpans++;
    }
  }
  return resourceSpans === 0 ? bad('no resource_spans (field 1)') : undefined;
}
