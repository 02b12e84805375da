import type { HttpTrigger } from '@t2t/testgen';
import { TriggerError } from './trigger.errors';

/** What came back from a trigger (HTTP only; a message has no answer). */
export interface TriggerResponse {
  status?: number;
  /** The body parsed as JSON, when it is JSON. Journey captures read it. */
  json?: unknown;
  /** The body as text, cut at MAX_BODY_CHARS (for reports). */
  text?: string;
}

const MAX_BODY_CHARS = 64 * 1024;

/** `https://shop.example/api` + `/orders/7` → `https://shop.example/api/orders/7` (a base path is kept). */
export function joinUrl(baseUrl: string, path: string): string {
  return baseUrl.replace(/\/+$/, '') + (path.startsWith('/') ? path : `/${path}`);
}

/**
 * Sends an HTTP trigger (placeholders already resolved) with the test's `traceparent`. Any status
 * is an answer: whether a 500 is wrong is for the assertions on the trace to say. Only failing to
 * get an answer at all (refused, reset, timed out) is a TriggerError.
 */
export async function sendHttpTrigger(
  trigger: HttpTrigger,
  baseUrl: string,
  traceparent: string,
  options: { timeoutMs: number; fetch?: typeof fetch },
): Promise<TriggerResponse> {
  const url = joinUrl(baseUrl, trigger.path);
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(trigger.headers)) {
    // The run's own context wins over anything recorded.
    if (!/^(traceparent|tracestate)$/i.test(k)) headers[k] = v;
  }
  headers.traceparent = traceparent;
  let body: string | undefined;
  if (trigger.body !== undefined) {
    body = typeof trigger.body === 'string' ? trigger.body : JSON.stringify(trigger.body);
    if (!Object.keys(headers).some((k) => k.toLowerCase() === 'content-type')) {
      headers['content-type'] = 'application/json';
    }
  }
  let res: Response;
  try {
    res = await (options.fetch ?? fetch)(url, {
      method: trigger.method,
      headers,
      body,
      signal: AbortSignal.timeout(Math.max(1, options.timeoutMs)),
    });
  } catch (e) {
    const cause = e instanceof Error ? ((e.cause as Error | undefined)?.message ?? e.message) : e;
    throw new TriggerError(`${trigger.method} ${url} got no answer: ${String(cause)}`, {
      cause: e,
    });
  }
  let text: string;
  try {
    text = await res.text();
  } catch (e) {
    throw new TriggerError(
      `${trigger.method} ${url} answered ${res.status} but the body could not be read: ${(e as Error).message}`,
      { cause: e },
    );
  }
  let json: unknown;
  if (/json/i.test(res.headers.get('content-type') ?? '') || /^\s*[[{]/.test(text)) {
    try {
      json = JSON.parse(text);
    } catch {
      json = undefined;
    }
  }
  return {
    status: res.status,
    json,
    text: text.length > MAX_BODY_CHARS ? `${text.slice(0, MAX_BODY_CHARS)}…` : text,
  };
}
