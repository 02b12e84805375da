export { minhashSignature, estimateSimilarity, DEFAULT_SIGNATURE_SIZE } from './minhash.signature';
export {
  groupFamilies,
  chooseBands,
  jaccard,
  type FamilyInput,
  type BandLayout,
} from './fingerprint-family.grouper';
