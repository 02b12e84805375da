/** One non-blank line of a JSON Lines input: its 1-based line number and its bytes. */
export interface Line {
  number: number;
  bytes: Buffer;
}

const LF = 0x0a;
const CR = 0x0d;
const BOM = Buffer.from([0xef, 0xbb, 0xbf]);

function isBlank(bytes: Buffer): boolean {
  for (const b of bytes) if (b !== 0x20 && b !== 0x09 && b !== CR) return false;
  return true;
}

/**
 * Splits a byte stream into lines without decoding it, so each record carries exactly the bytes of
 * its line: the terminator (`\n` or `\r\n`) and a leading UTF-8 byte-order mark are dropped, nothing
 * else. Lines of only whitespace are skipped but still counted, so line numbers match an editor's.
 * Chunks may end anywhere, also inside a line or between `\r` and `\n`.
 */
export class LineSplitter {
  /** Pieces of a line that started in an earlier chunk. */
  private partial: Buffer[] = [];
  private lineNumber = 0;

  push(chunk: Buffer): Line[] {
    const lines: Line[] = [];
    let start = 0;
    for (let nl = chunk.indexOf(LF); nl !== -1; nl = chunk.indexOf(LF, start)) {
      const piece = chunk.subarray(start, nl);
      const line = this.partial.length > 0 ? Buffer.concat([...this.partial, piece]) : piece;
      this.partial = [];
      this.take(line, lines);
      start = nl + 1;
    }
    if (start < chunk.length) this.partial.push(chunk.subarray(start));
    return lines;
  }

  /** The last line, when the input does not end with a newline. */
  end(): Line[] {
    const lines: Line[] = [];
    if (this.partial.length > 0) {
      const line = Buffer.concat(this.partial);
      this.partial = [];
      this.take(line, lines);
    }
    return lines;
  }

  private take(raw: Buffer, into: Line[]): void {
    this.lineNumber++;
    let line = raw.length > 0 && raw[raw.length - 1] === CR ? raw.subarray(0, -1) : raw;
    if (this.lineNumber === 1 && line.subarray(0, 3).equals(BOM)) line = line.subarray(3);
    if (!isBlank(line)) into.push({ number: this.lineNumber, bytes: line });
  }
}

/** All non-blank lines of an input held in memory. */
export function splitLines(content: Buffer): Line[] {
  const splitter = new LineSplitter();
  return [...splitter.push(content), ...splitter.end()];
}

/** A whole-document input without its UTF-8 byte-order mark, which JSON parsers reject. */
export function stripBom(content: Buffer): Buffer {
  return content.subarray(0, 3).equals(BOM) ? content.subarray(3) : content;
}
