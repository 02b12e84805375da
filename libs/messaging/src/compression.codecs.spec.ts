import { CompressionCodecs, CompressionTypes } from 'kafkajs';
import {
  lz4Decode,
  lz4Encode,
  registerCompressionCodecs,
  snappyDecode,
  snappyEncode,
} from './compression.codecs';

/** Compressible like OTLP: repeated keys, varying values; over several 64 KiB blocks. */
const payload = Buffer.from(
  JSON.stringify(
    Array.from({ length: 20_000 }, (_, i) => ({
      key: 'http.request.method',
      value: i % 7 === 0 ? 'POST' : 'GET',
      n: i,
    })),
  ),
);

describe('Kafka compression codecs', () => {
  it('reads raw snappy and xerial-framed snappy', () => {
    expect(snappyDecode(snappyEncode(payload)).equals(payload)).toBe(true);
    const header = Buffer.from([
      0x82, 0x53, 0x4e, 0x41, 0x50, 0x50, 0x59, 0, 0, 0, 0, 1, 0, 0, 0, 1,
    ]);
    const blocks = [payload.subarray(0, 40_000), payload.subarray(40_000)].flatMap((b) => {
      const block = snappyEncode(b);
      const size = Buffer.alloc(4);
      size.writeUInt32BE(block.length);
      return [size, block];
    });
    expect(snappyDecode(Buffer.concat([header, ...blocks])).equals(payload)).toBe(true);
  });

  it('says when a xerial frame is cut short', () => {
    const framed = Buffer.concat([
      Buffer.from([0x82, 0x53, 0x4e, 0x41, 0x50, 0x50, 0x59, 0, 0, 0, 0, 1, 0, 0, 0, 1]),
      Buffer.from([0, 0, 1, 0]),
      Buffer.from('short'),
    ]);
    expect(() => snappyDecode(framed)).toThrow('snappy: truncated xerial block');
  });

  it('writes LZ4 frames with independent blocks (what brokers accept) and reads them back', () => {
    const frame = lz4Encode(payload);
    expect(frame.readUInt32LE(0)).toBe(0x184d2204);
    expect(frame[4] & 0x20).toBe(0x20); // block independence
    expect(frame.length).toBeLessThan(payload.length / 2);
    expect(lz4Decode(frame).equals(payload)).toBe(true);
    expect(lz4Decode(lz4Encode(Buffer.alloc(0))).length).toBe(0);
  });

  it('registers readers for snappy, lz4 and zstd with kafkajs, and refuses to write zstd', async () => {
    registerCompressionCodecs();
    const snappy = CompressionCodecs[CompressionTypes.Snappy]();
    const lz4 = CompressionCodecs[CompressionTypes.LZ4]();
    const zstd = CompressionCodecs[CompressionTypes.ZSTD]();
    expect(
      (await snappy.decompress(await snappy.compress({ buffer: payload }))).equals(payload),
    ).toBe(true);
    expect((await lz4.decompress(await lz4.compress({ buffer: payload }))).equals(payload)).toBe(
      true,
    );
    await expect(zstd.compress({ buffer: payload })).rejects.toThrow(/not supported/);
    // A frame written by the zstd reference implementation (`zstd -19` of "hello hello hello\n").
    const frame = Buffer.from('KLUv/QRobQAAOGhlbGxvIAoBADFKEaOqdM4=', 'base64');
    expect((await zstd.decompress(frame)).toString()).toBe('hello hello hello\n');
  });
});
