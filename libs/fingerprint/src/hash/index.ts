export { FINGERPRINT_VERSION, fingerprintTrace, fingerprintTree } from './trace.fingerprinter';
export { Fnv64, toHex64 } from './fnv64.hasher';
