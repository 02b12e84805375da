/** The ground truth cannot be computed (a branch on an attribute with an unbounded domain). */
export class GroundTruthError extends Error {
  override readonly name = 'GroundTruthError';
}
