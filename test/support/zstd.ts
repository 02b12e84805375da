/**
 * zstd as senders write it (real compressed blocks), from the reference library compiled to
 * JavaScript (`zstd-codec`, a dev dependency): the product itself only decodes zstd.
 */
export async function zstdCompressor(): Promise<(bytes: Uint8Array) => Buffer> {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { ZstdCodec } = require('zstd-codec') as {
    ZstdCodec: {
      run(f: (z: { Simple: new () => { compress(b: Uint8Array): Uint8Array } }) => void): void;
    };
  };
  return new Promise((resolve) =>
    ZstdCodec.run((z) => {
      const simple = new z.Simple();
      resolve((bytes) => Buffer.from(simple.compress(bytes)));
    }),
  );
}
