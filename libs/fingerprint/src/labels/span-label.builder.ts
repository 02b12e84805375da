import type { SpanFacts } from '../trace.model';
import { normalizeOperation } from './operation-name.normalizer';
import { semanticKey } from './semantic-key.builder';
import { KIND_CONSUMER, KIND_SERVER } from './span-kind.constants';

/**
 * The label of a span in a fingerprint: `service|kind|normalised operation|semantic key`, e.g.
 * `checkout|client|SELECT shop.orders|db postgresql SELECT shop.orders`.
 *
 * Two spans get the same label exactly when they are the same call from the same place, whatever
 * the request: no ids, timestamps, peer addresses or durations reach it. The four parts never
 * contain `|` or control characters (they are replaced), so a label splits back unambiguously and
 * stays one line in the canonical form.
 */
export function spanLabel(span: SpanFacts): string {
  return (
    clean(span.serviceName) +
    '|' +
    kindName(span.kind) +
    '|' +
    clean(normalizeOperation(span.name)) +
    '|' +
    clean(semanticKey(span.attributes, span.kind, span.name))
  );
}

const KIND_NAMES = ['unspecified', 'internal', 'server', 'client', 'producer', 'consumer'];

/** `server`, `client`, …; `kind7` for numbers OTLP does not define (kept apart, not guessed). */
export function kindName(kind: number): string {
  return KIND_NAMES[kind] ?? `kind${kind}`;
}

/** `|` would shift the label's fields and a newline would break the canonical form's lines. */
export function clean(part: string): string {
  for (let i = 0; i < part.length; i++) {
    const c = part.charCodeAt(i);
    if (c === 124 || c < 32 || c === 127) return replaceUnsafe(part);
  }
  return part;
}

function replaceUnsafe(part: string): string {
  let out = '';
  for (let i = 0; i < part.length; i++) {
    const c = part.charCodeAt(i);
    out += c === 124 ? '/' : c < 32 || c === 127 ? ' ' : part[i];
  }
  return out;
}

/** The service part of a label (everything before the first `|`). */
export function labelService(label: string): string {
  const bar = label.indexOf('|');
  return bar < 0 ? label : label.slice(0, bar);
}

/**
 * Whether a label's span was received from another process (kind server or consumer): such a
 * child's clock is not its parent's, which decides how the fingerprint orders it.
 */
export function labelIsInbound(label: string): boolean {
  const bar = label.indexOf('|');
  if (bar < 0) return false;
  return label.startsWith('server|', bar + 1) || label.startsWith('consumer|', bar + 1);
}

/** Whether a span of this kind is received from another process. */
export function isInboundKind(kind: number): boolean {
  return kind === KIND_SERVER || kind === KIND_CONSUMER;
}
