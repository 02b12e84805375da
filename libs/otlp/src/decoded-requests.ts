import type { Span } from '@t2t/domain';

/**
 * Spans already decoded from a request body, handed to the next decoder of the very same bytes.
 * In the one-process default the receiver decodes every body to validate it, produces the body
 * to the in-process spans topic, and ingest receives that same Buffer: it takes the spans here
 * instead of decoding them a second time.
 *
 * Keyed by the Buffer object, not by its content: bytes that went through a real broker come back
 * as other objects and are simply decoded. Bounded by the spans held (oldest given up first), so
 * bodies nobody takes (refused sends, a consumer far behind) cost at most `maxSpans` decoded spans;
 * what was given up is decoded again by its reader, as without this.
 */
export class DecodedRequests {
  private readonly entries = new Map<Uint8Array, Span[]>();
  private held = 0;

  constructor(readonly maxSpans: number) {}

  /** Spans held now (for tests and gauges). */
  get spans(): number {
    return this.held;
  }

  /** Leaves `spans`, decoded from `body`, for whoever decodes `body` next. */
  put(body: Uint8Array, spans: Span[]): void {
    if (spans.length === 0 || spans.length > this.maxSpans) return;
    this.take(body);
    this.entries.set(body, spans);
    this.held += spans.length;
    for (const [oldest, list] of this.entries) {
      if (this.held <= this.maxSpans) break;
      this.entries.delete(oldest);
      this.held -= list.length;
    }
  }

  /** The spans decoded from `body`, once: the caller owns them, later calls get undefined. */
  take(body: Uint8Array): Span[] | undefined {
    const spans = this.entries.get(body);
    if (spans === undefined) return undefined;
    this.entries.delete(body);
    this.held -= spans.length;
    return spans;
  }
}
