/**
 * Reads what an OTLP/HTTP endpoint answers: the partial success of an `ExportTraceServiceResponse`
 * (2xx) and the message of a `google.rpc.Status` (4xx/5xx), in protobuf or JSON. Lenient: a body it
 * cannot read gives "nothing rejected" / an empty message, never an exception, because the status
 * code alone already says what happened.
 */

export interface PartialSuccess {
  rejectedSpans: number;
  errorMessage: string;
}

function isJson(contentType: string | null): boolean {
  return contentType?.toLowerCase().includes('json') ?? false;
}

export function readPartialSuccess(body: Buffer, contentType: string | null): PartialSuccess {
  const none = { rejectedSpans: 0, errorMessage: '' };
  if (body.length === 0) return none;
  if (isJson(contentType)) {
    try {
      const parsed = JSON.parse(body.toString('utf8')) as {
        partialSuccess?: { rejectedSpans?: string | number; errorMessage?: string };
      };
      const p = parsed.partialSuccess ?? {};
      return {
        rejectedSpans: Number(p.rejectedSpans ?? 0) || 0,
        errorMessage: typeof p.errorMessage === 'string' ? p.errorMessage : '',
      };
    } catch {
      return none;
    }
  }
  const partial = fields(body).get(1);
  if (!(partial instanceof Buffer)) return none;
  const inner = fields(partial);
  const rejected = inner.get(1);
  const message = inner.get(2);
  return {
    rejectedSpans: typeof rejected === 'number' ? rejected : 0,
    errorMessage: message instanceof Buffer ? message.toString('utf8') : '',
  };
}

export function readStatusMessage(body: Buffer, contentType: string | null): string {
  if (body.length === 0) return '';
  if (isJson(contentType)) {
    try {
      const parsed = JSON.parse(body.toString('utf8')) as { message?: unknown };
      return typeof parsed.message === 'string' ? parsed.message : '';
    } catch {
      return '';
    }
  }
  if (contentType?.toLowerCase().includes('protobuf')) {
    const message = fields(body).get(2);
    return message instanceof Buffer ? message.toString('utf8') : '';
  }
  return body.toString('utf8').slice(0, 500);
}

/**
 * The last value of each top-level field of a protobuf message: varints as numbers,
 * length-delimited fields as their bytes. Stops quietly at anything malformed.
 */
function fields(buf: Buffer): Map<number, number | Buffer> {
  const out = new Map<number, number | Buffer>();
  let pos = 0;
  const varint = (): number | undefined => {
    let value = 0;
    let scale = 1;
    while (pos < buf.length) {
      const byte = buf[pos++];
      value += (byte & 0x7f) * scale;
      if (byte < 0x80) return value;
      scale *= 128;
      if (scale > 2 ** 63) return undefined;
    }
    return undefined;
  };
  while (pos < buf.length) {
    const tag = varint();
    if (tag === undefined) break;
    const field = Math.floor(tag / 8);
    const wire = tag % 8;
    if (wire === 0) {
      const v = varint();
      if (v === undefined) break;
      out.set(field, v);
    } else if (wire === 2) {
      const len = varint();
      if (len === undefined || pos + len > buf.length) break;
      out.set(field, buf.subarray(pos, pos + len));
      pos += len;
    } else if (wire === 1) pos += 8;
    else if (wire === 5) pos += 4;
    else break;
  }
  return out;
}
