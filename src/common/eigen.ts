/**
 * Eigenvalues and eigenvectors of small symmetric matrices (a covariance of
 * a few dozen dimensions), for principal axes: the report's PCA and the gap
 * statistic's reference box (cluster/select-k.ts).
 */

/** Eigen-decomposition of a small symmetric matrix by cyclic Jacobi rotations; vectors are the columns of `vectors`. */
export function jacobiEigen(input: Float64Array, m: number): { values: Float64Array; vectors: Float64Array } {
  const a = Float64Array.from(input);
  const vectors = new Float64Array(m * m);
  for (let i = 0; i < m; i++) vectors[i * m + i] = 1;
  let total = 0;
  for (let i = 0; i < m * m; i++) total += a[i]! * a[i]!;
  for (let sweep = 0; sweep < 100; sweep++) {
    let off = 0;
    for (let p = 0; p < m; p++) for (let q = p + 1; q < m; q++) off += a[p * m + q]! * a[p * m + q]!;
    if (off <= 1e-30 * total) break;
    for (let p = 0; p < m; p++) {
      for (let q = p + 1; q < m; q++) {
        const apq = a[p * m + q]!;
        if (apq === 0) continue;
        // The rotation angle that zeroes a_pq (the smaller root, for stability).
        const tau = (a[q * m + q]! - a[p * m + p]!) / (2 * apq);
        const t = Math.sign(tau || 1) / (Math.abs(tau) + Math.sqrt(1 + tau * tau));
        const c = 1 / Math.sqrt(1 + t * t);
        const s = t * c;
        for (let r = 0; r < m; r++) {
          const arp = a[r * m + p]!;
          const arq = a[r * m + q]!;
          a[r * m + p] = c * arp - s * arq;
          a[r * m + q] = s * arp + c * arq;
        }
        for (let r = 0; r < m; r++) {
          const apr = a[p * m + r]!;
          const aqr = a[q * m + r]!;
          a[p * m + r] = c * apr - s * aqr;
          a[q * m + r] = s * apr + c * aqr;
        }
        for (let r = 0; r < m; r++) {
          const vrp = vectors[r * m + p]!;
          const vrq = vectors[r * m + q]!;
          vectors[r * m + p] = c * vrp - s * vrq;
          vectors[r * m + q] = s * vrp + c * vrq;
        }
      }
    }
  }
  const values = new Float64Array(m);
  for (let i = 0; i < m; i++) values[i] = a[i * m + i]!;
  return { values, vectors };
}
