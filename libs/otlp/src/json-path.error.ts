import { OtlpDecodeError } from './otlp-decode.error';

/**
 * A shape error deep inside an OTLP/JSON document. The path is collected on the way out, each
 * enclosing object or list adding its key or index as the error passes through, so the happy path
 * builds no path strings at all.
 */
export class JsonShapeError extends Error {
  readonly path: Array<string | number> = [];

  constructor(readonly reason: string) {
    super(reason);
  }

  /** The public error, e.g. `resourceSpans[0].scopeSpans[1].spans[3].name: expected a string`. */
  toDecodeError(): OtlpDecodeError {
    let path = '';
    for (const segment of this.path) {
      path += typeof segment === 'number' ? `[${segment}]` : path === '' ? segment : `.${segment}`;
    }
    return new OtlpDecodeError(path === '' ? this.reason : `${path}: ${this.reason}`);
  }
}

/** Adds `segment` in front of the path of a JsonShapeError and rethrows; other errors pass as is. */
export function rethrowWithin(err: unknown, segment: string | number): never {
  if (err instanceof JsonShapeError) err.path.unshift(segment);
  throw err;
}
