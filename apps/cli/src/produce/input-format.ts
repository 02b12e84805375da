import { extname } from 'node:path';
import { CONTENT_TYPES } from '@t2t/messaging';
import { splitLines, stripBom } from './line.splitter';
import { checkProtoRequest } from './otlp-request.validator';

/**
 * How an input holds its requests: one OTLP/JSON document, one OTLP/JSON document per line, or
 * one protobuf message.
 */
export type InputFormat = 'otlp_json' | 'jsonl' | 'otlp_proto';
export const FORMAT_CHOICES = ['auto', 'otlp_json', 'otlp_proto', 'jsonl'] as const;
export type FormatChoice = (typeof FORMAT_CHOICES)[number];

/** The record header each format's requests carry. */
export const CONTENT_TYPE: Record<InputFormat, string> = {
  otlp_json: CONTENT_TYPES.otlpJson,
  jsonl: CONTENT_TYPES.otlpJson,
  otlp_proto: CONTENT_TYPES.otlpProto,
};

const BY_EXTENSION: Readonly<Record<string, InputFormat>> = {
  '.json': 'otlp_json',
  '.jsonl': 'jsonl',
  '.ndjson': 'jsonl',
  '.pb': 'otlp_proto',
  '.bin': 'otlp_proto',
  '.protobuf': 'otlp_proto',
};

/** The format a file name announces (case-insensitive extension); undefined when it says none. */
export function formatFromName(path: string): InputFormat | undefined {
  return BY_EXTENSION[extname(path).toLowerCase()];
}

function parses(bytes: Buffer): boolean {
  try {
    JSON.parse(bytes.toString('utf8'));
    return true;
  } catch {
    return false;
  }
}

/**
 * The format of content whose name says nothing (stdin, unknown extension). A well-formed protobuf
 * message wins first: protobuf requests start with byte 0x0a (`\n`), so "starts with `{` after
 * whitespace" alone could misread one. JSON text is one document when it parses as a whole, JSON
 * Lines when its first line does on its own; otherwise it is taken as one (broken) document, so
 * validation reports one error instead of one per line.
 */
export function sniffFormat(content: Buffer): InputFormat {
  if (checkProtoRequest(content) === undefined) return 'otlp_proto';
  const text = stripBom(content);
  const first = text.findIndex((b) => b !== 0x20 && b !== 0x09 && b !== 0x0a && b !== 0x0d);
  if (first === -1 || text[first] !== 0x7b) return 'otlp_proto';
  if (parses(text)) return 'otlp_json';
  const [line] = splitLines(text);
  return line && parses(line.bytes) ? 'jsonl' : 'otlp_json';
}
