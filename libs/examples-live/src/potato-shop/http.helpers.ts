import type { IncomingMessage, ServerResponse } from 'http';

/** The request body as JSON; `{}` for an empty body, undefined when it is not JSON. */
export async function readJson(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const text = Buffer.concat(chunks).toString('utf8');
  if (text.trim() === '') return {};
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(text),
  });
  res.end(text);
}

/** Work that takes a while, as real I/O does (uniform in [min, max] ms). */
export function work(minMs: number, maxMs: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, minMs + Math.random() * (maxMs - minMs)));
}

/** A field of a nested JSON object by dotted path (`user.likes_potatoes`). */
export function field(body: unknown, path: string): unknown {
  let node = body;
  for (const part of path.split('.')) {
    if (typeof node !== 'object' || node === null) return undefined;
    node = (node as Record<string, unknown>)[part];
  }
  return node;
}

/**
 * The code between two steps of a handler (mapping, logging): a few milliseconds. The OpenTelemetry
 * JS SDK takes a span's start from `Date.now()` (whole milliseconds) and its duration from the
 * high-resolution clock. The fingerprint treats calls less than a tick apart on such a clock as
 * concurrent (libs/fingerprint, version 2); steps a few ms apart stay clear of the one-tick window
 * in which it cannot order them at all, so the handler's sequence is kept.
 */
export function between(): Promise<void> {
  return work(2, 3);
}
