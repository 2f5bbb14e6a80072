/**
 * The exact t-SNE gradient: dense n x n affinities and all pairwise forces,
 * O(n^2) per iteration, for small sets.
 */
import { calibrateRow, P_FLOOR, type Objective } from './tsne-affinities.js';

export function exactObjective(x: Float64Array, n: number, d: number, perplexity: number): Objective {
  // Squared distances and conditional affinities, row by row.
  const p = new Float64Array(n * n);
  const row = new Float64Array(n - 1);
  const cond = new Float64Array(n - 1);
  for (let i = 0; i < n; i++) {
    let k = 0;
    for (let j = 0; j < n; j++) {
      if (j === i) continue;
      let s = 0;
      for (let c = 0; c < d; c++) {
        const t = x[i * d + c]! - x[j * d + c]!;
        s += t * t;
      }
      row[k++] = s;
    }
    calibrateRow(row, perplexity, cond);
    k = 0;
    for (let j = 0; j < n; j++) if (j !== i) p[i * n + j] = cond[k++]!;
  }
  // Joint affinities p_ij = (p_{j|i} + p_{i|j}) / 2n: symmetric, summing to 1.
  for (let i = 0; i < n; i++) {
    for (let j = i + 1; j < n; j++) {
      const v = (p[i * n + j]! + p[j * n + i]!) / (2 * n);
      p[i * n + j] = v;
      p[j * n + i] = v;
    }
  }
  const num = new Float64Array(n * n);
  return {
    gradient(y, exaggeration, grad, withKl) {
      // num_ij = 1 / (1 + |y_i - y_j|^2); Z = sum over i != j.
      let z = 0;
      for (let i = 0; i < n; i++) {
        const yi0 = y[2 * i]!;
        const yi1 = y[2 * i + 1]!;
        for (let j = i + 1; j < n; j++) {
          const a = yi0 - y[2 * j]!;
          const b = yi1 - y[2 * j + 1]!;
          const q = 1 / (1 + a * a + b * b);
          num[i * n + j] = q;
          num[j * n + i] = q;
          z += 2 * q;
        }
      }
      // dC/dy_i = 4 sum_j (p_ij - q_ij) num_ij (y_i - y_j), q_ij = num_ij / Z.
      let kl = 0;
      for (let i = 0; i < n; i++) {
        const yi0 = y[2 * i]!;
        const yi1 = y[2 * i + 1]!;
        let g0 = 0;
        let g1 = 0;
        for (let j = 0; j < n; j++) {
          if (j === i) continue;
          const q = num[i * n + j]!;
          const pij = p[i * n + j]!;
          const m = (exaggeration * pij - q / z) * q;
          g0 += m * (yi0 - y[2 * j]!);
          g1 += m * (yi1 - y[2 * j + 1]!);
          if (withKl && pij > 0) kl += pij * Math.log(Math.max(pij, P_FLOOR) / (q / z));
        }
        grad[2 * i] = 4 * g0;
        grad[2 * i + 1] = 4 * g1;
      }
      return withKl ? kl : NaN;
    },
  };
}
