/** The xxHash32 that lz4js ships (its frame checksums): seed, bytes, start index, length. */
declare module 'lz4js/xxh32' {
  export function hash(seed: number, src: Uint8Array, index: number, length: number): number;
}
