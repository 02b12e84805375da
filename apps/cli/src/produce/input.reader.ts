import { createReadStream } from 'node:fs';
import { readdir, readFile, realpath, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { type FormatChoice, formatFromName, type InputFormat, sniffFormat } from './input-format';
import { LineSplitter, splitLines, stripBom } from './line.splitter';
import { checkJsonRequest, checkProtoRequest } from './otlp-request.validator';

/** Name under which standard input appears in messages. */
export const STDIN_NAME = '<stdin>';

/** Where an input item came from: `file` or `file:line`. */
export function describeSource(item: { file: string; line?: number }): string {
  return item.line === undefined ? item.file : `${item.file}:${item.line}`;
}

/** What reading yields, in input order: a request to produce, a rejected input, a skipped file. */
export type InputItem =
  | { kind: 'request'; file: string; line?: number; format: InputFormat; value: Buffer }
  | { kind: 'bad'; file: string; line?: number; reason: string }
  | { kind: 'ignored'; file: string; reason: string };

export interface ReadInputsOptions {
  format: FormatChoice;
  /** Standard input, opened only when `-` is named (touching process.stdin opens it). */
  stdin: () => Readable;
}

/**
 * Reads the named inputs in order and yields every request in them, validated. `-` is standard
 * input; directories are walked depth-first in sorted order (so two runs produce the same order),
 * skipping hidden entries and, unless `--format` says otherwise, files whose extension names no
 * format. Problems are yielded as items and reading goes on; the caller decides whether to stop.
 * JSON Lines files are streamed, so their size is not limited by memory.
 */
export async function* readInputs(
  paths: readonly string[],
  options: ReadInputsOptions,
): AsyncGenerator<InputItem> {
  const forced = options.format === 'auto' ? undefined : options.format;
  for (const path of paths) {
    if (path === '-') {
      yield* readStdin(options.stdin(), forced);
      continue;
    }
    let info;
    try {
      info = await stat(path);
    } catch (e) {
      yield { kind: 'bad', file: path, reason: ioReason(e) };
      continue;
    }
    if (info.isDirectory()) yield* walk(path, forced, new Set());
    else if (info.isFile()) yield* readFileInput(path, forced ?? formatFromName(path));
    else yield { kind: 'bad', file: path, reason: 'not a regular file or directory' };
  }
}

async function* walk(
  dir: string,
  forced: InputFormat | undefined,
  visiting: Set<string>,
): AsyncGenerator<InputItem> {
  let names: string[];
  let real: string;
  try {
    real = await realpath(dir);
    names = await readdir(dir);
  } catch (e) {
    yield { kind: 'bad', file: dir, reason: ioReason(e) };
    return;
  }
  // A symbolic link back to an ancestor would otherwise be walked forever.
  if (visiting.has(real)) {
    yield { kind: 'ignored', file: dir, reason: 'directory link loop' };
    return;
  }
  visiting.add(real);
  for (const name of names.filter((n) => !n.startsWith('.')).sort()) {
    const path = join(dir, name);
    let info;
    try {
      info = await stat(path);
    } catch (e) {
      yield { kind: 'bad', file: path, reason: ioReason(e) };
      continue;
    }
    if (info.isDirectory()) {
      yield* walk(path, forced, visiting);
    } else if (info.isFile()) {
      const format = forced ?? formatFromName(path);
      if (format) yield* readFileInput(path, format);
      else yield { kind: 'ignored', file: path, reason: 'unknown extension (use --format)' };
    }
  }
  visiting.delete(real);
}

/** `format` undefined: a file named on the command line whose extension says nothing. */
async function* readFileInput(
  file: string,
  format: InputFormat | undefined,
): AsyncGenerator<InputItem> {
  try {
    if (format === 'jsonl') {
      yield* fromLines(file, createReadStream(file, { highWaterMark: 1 << 20 }));
    } else {
      yield* fromContent(file, await readFile(file), format);
    }
  } catch (e) {
    yield { kind: 'bad', file, reason: ioReason(e) };
  }
}

async function* readStdin(
  stdin: Readable,
  forced: InputFormat | undefined,
): AsyncGenerator<InputItem> {
  try {
    if (forced === 'jsonl') {
      yield* fromLines(STDIN_NAME, stdin);
    } else {
      const chunks: Buffer[] = [];
      for await (const chunk of stdin) chunks.push(chunk as Buffer);
      yield* fromContent(STDIN_NAME, Buffer.concat(chunks), forced);
    }
  } catch (e) {
    yield { kind: 'bad', file: STDIN_NAME, reason: ioReason(e) };
  }
}

async function* fromLines(file: string, stream: Readable): AsyncGenerator<InputItem> {
  const splitter = new LineSplitter();
  for await (const chunk of stream) {
    for (const line of splitter.push(chunk as Buffer))
      yield lineItem(file, line.number, line.bytes);
  }
  for (const line of splitter.end()) yield lineItem(file, line.number, line.bytes);
}

function* fromContent(
  file: string,
  content: Buffer,
  known: InputFormat | undefined,
): Generator<InputItem> {
  const blank =
    known === 'otlp_proto'
      ? content.length === 0
      : content.every((b) => b === 0x20 || b === 0x09 || b === 0x0a || b === 0x0d);
  if (blank) {
    yield { kind: 'bad', file, reason: 'empty input' };
    return;
  }
  const format = known ?? sniffFormat(content);
  if (format === 'jsonl') {
    for (const line of splitLines(content)) yield lineItem(file, line.number, line.bytes);
  } else if (format === 'otlp_json') {
    const value = stripBom(content);
    const reason = checkJsonRequest(value);
    yield reason ? { kind: 'bad', file, reason } : { kind: 'request', file, format, value };
  } else {
    const reason = checkProtoRequest(content);
    yield reason
      ? { kind: 'bad', file, reason }
      : { kind: 'request', file, format, value: content };
  }
}

function lineItem(file: string, line: number, value: Buffer): InputItem {
  const reason = checkJsonRequest(value);
  return reason
    ? { kind: 'bad', file, line, reason }
    : { kind: 'request', file, line, format: 'jsonl', value };
}

function ioReason(e: unknown): string {
  const err = e as NodeJS.ErrnoException;
  if (err.code === 'ENOENT') return 'no such file or directory';
  if (err.code === 'EACCES') return 'permission denied';
  return err.message ?? String(e);
}
