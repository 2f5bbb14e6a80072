/**
 * Principal components, for reducing t-SNE's inputs wider than 50 dimensions
 * (as bhtsne and Rtsne do).
 */
import { jacobiEigen } from '../common/eigen.js';
import type { Rng } from '../tensor/random.js';

/** Subspace-iteration limit and relative tolerance on the captured variance. */
const PCA_STEPS = 100;
const PCA_TOL = 1e-9;

/**
 * Projects n rows of d values onto their k leading principal components
 * (n x k, row-major): the covariance matrix, its top-k eigenvectors by
 * subspace (block power) iteration with k + 10 vectors until the variance
 * the leading k capture settles, then a Rayleigh-Ritz step (Jacobi on the small projected
 * matrix) to turn the subspace into ordered eigenvectors. Each component's
 * sign is fixed so its largest-magnitude loading is positive. `rng` seeds the
 * start block (its result does not depend on it beyond round-off when the
 * spectrum has a gap after k).
 */
export function pca(data: Float32Array | Float64Array, n: number, d: number, k: number, rng: Rng): Float64Array {
  if (!Number.isInteger(k) || k < 1 || k > d) throw new Error(`pca: k must be an integer in [1, ${d}], got ${k}`);
  if (data.length !== n * d) throw new Error(`pca: data has ${data.length} values, n * d = ${n * d}`);
  const mean = new Float64Array(d);
  for (let i = 0; i < n; i++) for (let c = 0; c < d; c++) mean[c] = mean[c]! + data[i * d + c]!;
  for (let c = 0; c < d; c++) mean[c] = mean[c]! / n;
  // Covariance, upper triangle accumulated row by row, then mirrored.
  const cov = new Float64Array(d * d);
  const xc = new Float64Array(d);
  for (let i = 0; i < n; i++) {
    for (let c = 0; c < d; c++) xc[c] = data[i * d + c]! - mean[c]!;
    for (let a = 0; a < d; a++) {
      const va = xc[a]!;
      if (va === 0) continue;
      const base = a * d;
      for (let b = a; b < d; b++) cov[base + b] = cov[base + b]! + va * xc[b]!;
    }
  }
  for (let a = 0; a < d; a++) {
    for (let b = a; b < d; b++) {
      const v = cov[a * d + b]! / Math.max(1, n - 1);
      cov[a * d + b] = v;
      cov[b * d + a] = v;
    }
  }
  const m = Math.min(d, k + 10);
  // Column-major blocks: vector j is v[j*d .. j*d + d).
  let v = new Float64Array(m * d);
  for (let t = 0; t < m * d; t++) v[t] = rng.normal();
  orthonormalise(v, d, m, rng);
  let w = new Float64Array(m * d);
  // The captured variance of the leading k columns grows to its limit; stop
  // when it settles (or after PCA_STEPS: t-SNE needs the leading subspace
  // roughly, not to the last digit, and a flat spectrum converges slowly).
  let previous = NaN;
  for (let iter = 0; iter < PCA_STEPS; iter++) {
    symMulBlock(cov, d, v, m, w);
    let captured = 0;
    for (let j = 0; j < k; j++) {
      let s = 0;
      for (let c = 0; c < d; c++) s += v[j * d + c]! * w[j * d + c]!;
      captured += s;
    }
    orthonormalise(w, d, m, rng);
    [v, w] = [w, v];
    if (Math.abs(captured - previous) <= PCA_TOL * Math.abs(captured)) break;
    previous = captured;
  }
  // Rayleigh-Ritz: T = V' C V (m x m), T = S diag(lambda) S', components U = V S.
  symMulBlock(cov, d, v, m, w);
  const t = new Float64Array(m * m);
  for (let a = 0; a < m; a++) {
    for (let b = a; b < m; b++) {
      let s = 0;
      for (let c = 0; c < d; c++) s += v[a * d + c]! * w[b * d + c]!;
      t[a * m + b] = s;
      t[b * m + a] = s;
    }
  }
  const { values, vectors } = jacobiEigen(t, m);
  const order = Array.from({ length: m }, (_, i) => i).sort((a, b) => values[b]! - values[a]!);
  const u = new Float64Array(k * d);
  for (let j = 0; j < k; j++) {
    const col = order[j]!;
    let big = 0;
    for (let c = 0; c < d; c++) {
      let s = 0;
      for (let a = 0; a < m; a++) s += v[a * d + c]! * vectors[a * m + col]!;
      u[j * d + c] = s;
      if (Math.abs(s) > Math.abs(big)) big = s;
    }
    if (big < 0) for (let c = 0; c < d; c++) u[j * d + c] = -u[j * d + c]!;
  }
  const out = new Float64Array(n * k);
  for (let i = 0; i < n; i++) {
    for (let c = 0; c < d; c++) xc[c] = data[i * d + c]! - mean[c]!;
    for (let j = 0; j < k; j++) {
      let s = 0;
      for (let c = 0; c < d; c++) s += xc[c]! * u[j * d + c]!;
      out[i * k + j] = s;
    }
  }
  return out;
}

/** w_j = C v_j for the m column vectors of a d x m block. */
function symMulBlock(c: Float64Array, d: number, v: Float64Array, m: number, w: Float64Array): void {
  for (let j = 0; j < m; j++) {
    const vj = j * d;
    for (let a = 0; a < d; a++) {
      let s = 0;
      const row = a * d;
      for (let b = 0; b < d; b++) s += c[row + b]! * v[vj + b]!;
      w[vj + a] = s;
    }
  }
}

/**
 * Modified Gram-Schmidt with one re-orthogonalisation pass. A column that
 * vanishes (the covariance has lower rank than the block) is replaced by a
 * fresh random vector, so the block stays a basis.
 */
function orthonormalise(v: Float64Array, d: number, m: number, rng: Rng): void {
  for (let j = 0; j < m; j++) {
    const vj = j * d;
    let before = 0;
    for (let c = 0; c < d; c++) before += v[vj + c]! * v[vj + c]!;
    for (let attempt = 0; ; attempt++) {
      for (let pass = 0; pass < 2; pass++) {
        for (let i = 0; i < j; i++) {
          const vi = i * d;
          let dot = 0;
          for (let c = 0; c < d; c++) dot += v[vi + c]! * v[vj + c]!;
          for (let c = 0; c < d; c++) v[vj + c] = v[vj + c]! - dot * v[vi + c]!;
        }
      }
      let norm = 0;
      for (let c = 0; c < d; c++) norm += v[vj + c]! * v[vj + c]!;
      if (norm > 1e-20 * before && norm > 0) {
        const s = 1 / Math.sqrt(norm);
        for (let c = 0; c < d; c++) v[vj + c] = v[vj + c]! * s;
        break;
      }
      if (attempt > 10) throw new Error('pca: could not complete an orthonormal basis');
      for (let c = 0; c < d; c++) v[vj + c] = rng.normal();
      before = 0;
      for (let c = 0; c < d; c++) before += v[vj + c]! * v[vj + c]!;
    }
  }
}
