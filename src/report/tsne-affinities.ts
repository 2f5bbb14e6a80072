/**
 * What both t-SNE gradients share: the input affinities, calibrated per point
 * by binary search on the precision until the entropy is log(perplexity), and
 * the objective a gradient implements.
 */

/** Entropy tolerance (nats) and step limit of the per-point binary search. */
const ENTROPY_TOL = 1e-5;
const SEARCH_STEPS = 200;

/** Floor on affinities inside the KL's logarithm. */
export const P_FLOOR = 1e-12;

/**
 * Conditional affinities p_{j|i} of one point from its squared distances to
 * the others (`sqDist`, the point itself excluded): p_j proportional to
 * exp(-beta * sqDist_j), with the precision beta found by bisection so that
 * the entropy -sum p_j ln p_j is ln(perplexity) to within 1e-5 nats. Writes
 * the normalised affinities to `out` (same length) and returns beta.
 *
 * Distances are shifted by their minimum before exponentiating, which leaves
 * the normalised p unchanged and keeps the largest term at exp(0) = 1, so the
 * sum never underflows however far the point is from the rest.
 */
export function calibrateRow(sqDist: Float64Array, perplexity: number, out: Float64Array): number {
  const m = sqDist.length;
  let dmin = Infinity;
  for (let j = 0; j < m; j++) dmin = Math.min(dmin, sqDist[j]!);
  const target = Math.log(perplexity);
  let beta = 1;
  let lo = 0;
  let hi = Infinity;
  let sum = 1;
  for (let step = 0; step < SEARCH_STEPS; step++) {
    sum = 0;
    let weighted = 0;
    for (let j = 0; j < m; j++) {
      const dj = sqDist[j]! - dmin;
      const p = Math.exp(-beta * dj);
      out[j] = p;
      sum += p;
      weighted += dj * p;
    }
    const entropy = Math.log(sum) + (beta * weighted) / sum;
    if (Math.abs(entropy - target) < ENTROPY_TOL) break;
    if (entropy > target) {
      // Too flat: sharpen.
      lo = beta;
      beta = hi === Infinity ? beta * 2 : (beta + hi) / 2;
    } else {
      hi = beta;
      beta = (beta + lo) / 2;
    }
  }
  for (let j = 0; j < m; j++) out[j] = out[j]! / sum;
  return beta;
}

export interface Objective {
  /**
   * Writes the gradient for `y` with the affinities multiplied by
   * `exaggeration` to `grad`; returns KL(P || Q) (true P) when `withKl`, else NaN.
   */
  gradient(y: Float64Array, exaggeration: number, grad: Float64Array, withKl: boolean): number;
}
