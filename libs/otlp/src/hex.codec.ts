const HEX = /^(?:[0-9a-fA-F]{2})*$/;

/** True for an even-length string of hex digits (either case); '' counts, as a zero-length id. */
export function isHexBytes(s: string): boolean {
  return HEX.test(s);
}

/** The bytes of a hex id, for the protobuf encoder. Throws RangeError for anything but hex bytes. */
export function hexToBytes(hex: string, what: string): Uint8Array {
  if (!HEX.test(hex)) throw new RangeError(`${what} is not a hex string: ${JSON.stringify(hex)}`);
  // Validated above: Buffer's hex parser silently stops at the first bad digit.
  return Buffer.from(hex, 'hex');
}
