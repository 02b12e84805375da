import { decompress as zstdDecompress } from 'fzstd';
import { CompressionCodecs, CompressionTypes } from 'kafkajs';
import { compressBlock, compressBound, decompress as lz4Decompress } from 'lz4js';
import { hash as xxh32 } from 'lz4js/xxh32';
import { compress as snappyCompress, uncompress as snappyUncompress } from 'snappyjs';

/**
 * Kafka record batches may be compressed with gzip, snappy, lz4 or zstd (the Collector's kafka
 * exporter offers all four); kafkajs reads only gzip by itself and fails the whole consumer on the
 * others. These codecs read all four, in plain JavaScript so they run on every platform the
 * product runs on. Producing: snappy and lz4 too; zstd only reads (nothing here produces it).
 */

/** `\x82SNAPPY\0`: the framing Java clients (and some Go ones) wrap snappy blocks in. */
const XERIAL_MAGIC = Buffer.from([0x82, 0x53, 0x4e, 0x41, 0x50, 0x50, 0x59, 0x00]);
/** Magic, then two 4-byte versions, then blocks. */
const XERIAL_HEADER_BYTES = 16;

/** Raw snappy, or xerial-framed blocks (each a 4-byte big-endian length and a raw snappy block). */
export function snappyDecode(buf: Buffer): Buffer {
  if (buf.length < XERIAL_HEADER_BYTES || !buf.subarray(0, 8).equals(XERIAL_MAGIC))
    return Buffer.from(snappyUncompress(buf));
  const parts: Buffer[] = [];
  let offset = XERIAL_HEADER_BYTES;
  while (offset < buf.length) {
    if (offset + 4 > buf.length) throw new Error('snappy: truncated xerial block length');
    const size = buf.readUInt32BE(offset);
    offset += 4;
    if (offset + size > buf.length) throw new Error('snappy: truncated xerial block');
    parts.push(Buffer.from(snappyUncompress(buf.subarray(offset, offset + size))));
    offset += size;
  }
  return Buffer.concat(parts);
}

/** Raw snappy, as Go clients write it. */
export function snappyEncode(buf: Buffer): Buffer {
  return Buffer.from(snappyCompress(buf));
}

/** The LZ4 frame format (record batch v2). */
export function lz4Decode(buf: Buffer): Buffer {
  return Buffer.from(lz4Decompress(buf));
}

const LZ4_MAGIC = 0x184d2204;
const LZ4_BLOCK_BYTES = 64 * 1024;
const lz4Table = new Uint32Array(1 << 16);

/**
 * An LZ4 frame brokers accept: independent 64 KiB blocks, no checksums, no content size (Kafka's
 * reader refuses dependent blocks, which lz4js's own frame writer produces).
 */
export function lz4Encode(buf: Buffer): Buffer {
  const header = Buffer.alloc(7);
  header.writeUInt32LE(LZ4_MAGIC, 0);
  header[4] = 0x60; // version 01, blocks independent
  header[5] = 0x40; // 64 KiB blocks
  header[6] = (xxh32(0, header, 4, 2) >>> 8) & 0xff;
  const parts: Buffer[] = [header];
  for (let offset = 0; offset < buf.length; offset += LZ4_BLOCK_BYTES) {
    // Each block compressed on its own (a fresh table, its own bytes): no match reaches back.
    const block = Uint8Array.prototype.slice.call(buf, offset, offset + LZ4_BLOCK_BYTES);
    const out = new Uint8Array(compressBound(block.length));
    lz4Table.fill(0);
    const n = compressBlock(block, out, 0, block.length, lz4Table);
    const size = Buffer.alloc(4);
    if (n === 0 || n >= block.length) {
      size.writeUInt32LE((0x80000000 | block.length) >>> 0);
      parts.push(size, Buffer.from(block));
    } else {
      size.writeUInt32LE(n);
      parts.push(size, Buffer.from(out.subarray(0, n)));
    }
  }
  parts.push(Buffer.alloc(4));
  return Buffer.concat(parts);
}

export function zstdDecode(buf: Buffer): Buffer {
  return Buffer.from(zstdDecompress(buf));
}

let registered = false;

/** Makes kafkajs read (and, but for zstd, write) every codec Kafka defines. Idempotent. */
export function registerCompressionCodecs(): void {
  if (registered) return;
  registered = true;
  CompressionCodecs[CompressionTypes.Snappy] = () => ({
    compress: async (encoder: { buffer: Buffer }) => snappyEncode(encoder.buffer),
    decompress: async (buf: Buffer) => snappyDecode(buf),
  });
  CompressionCodecs[CompressionTypes.LZ4] = () => ({
    compress: async (encoder: { buffer: Buffer }) => lz4Encode(encoder.buffer),
    decompress: async (buf: Buffer) => lz4Decode(buf),
  });
  CompressionCodecs[CompressionTypes.ZSTD] = () => ({
    compress: async () => {
      throw new Error('producing zstd-compressed records is not supported (reading them is)');
    },
    decompress: async (buf: Buffer) => zstdDecode(buf),
  });
}

/** A record batch codec as the Kafka client uses it: whole batches in, whole batches out. */
export interface CompressionCodec {
  compress(data: Buffer): Promise<Buffer> | Buffer;
  decompress(data: Buffer): Promise<Buffer> | Buffer;
}

const CODEC_TYPES = {
  gzip: CompressionTypes.GZIP,
  snappy: CompressionTypes.Snappy,
  lz4: CompressionTypes.LZ4,
  zstd: CompressionTypes.ZSTD,
} as const;

/**
 * Replaces how the Kafka client compresses or decompresses one codec, process-wide (the client's
 * codec registry is global), until the returned function restores what was there. For tests that
 * must produce what the product only reads (xerial-framed snappy, zstd), or play a client that
 * cannot read a codec. A side not given keeps the codec's current behaviour.
 */
export function overrideCompressionCodec(
  type: keyof typeof CODEC_TYPES,
  replacement: Partial<CompressionCodec>,
): () => void {
  registerCompressionCodecs();
  const key = CODEC_TYPES[type];
  const original = CompressionCodecs[key];
  const current = original() as {
    compress(encoder: { buffer: Buffer }): Promise<Buffer>;
    decompress(data: Buffer): Promise<Buffer>;
  };
  CompressionCodecs[key] = () => ({
    compress: async (encoder: { buffer: Buffer }) =>
      replacement.compress ? replacement.compress(encoder.buffer) : current.compress(encoder),
    decompress: async (data: Buffer) =>
      replacement.decompress ? replacement.decompress(data) : current.decompress(data),
  });
  return () => {
    CompressionCodecs[key] = original;
  };
}
