/**
 * Clustering metrics of the paper's evaluation: ACC (Hungarian matching of
 * clusters to classes), NMI, ARI, confusion matrices and per-class precision /
 * recall / F1. Definitions and degenerate cases follow scikit-learn so numbers
 * compare with the authors' notebook.
 *
 * Labels are arbitrary non-negative integers (class ids, cluster ids); they
 * need not be contiguous, and the two labelings may use different sets.
 */

export interface AssignmentResult {
  /** Column assigned to each row, or -1 for rows left over when there are more rows than columns. */
  assignment: number[];
  /** Sum of the costs of the assigned cells. */
  cost: number;
}

export interface AccuracyResult {
  /** Fraction of samples whose cluster maps to their class, in [0, 1]. */
  acc: number;
  /** Cluster label -> class label, one-to-one; clusters beyond the number of classes are absent. */
  mapping: Map<number, number>;
}

export interface ConfusionMatrix {
  /** Sorted distinct labels of yTrue: the row order. */
  trueLabels: number[];
  /** Sorted distinct labels of yPred: the column order. */
  predLabels: number[];
  /** counts[i][j] = number of samples of class trueLabels[i] put in cluster predLabels[j]. */
  counts: number[][];
}

export interface ClassScore {
  label: number;
  /** Correct / predicted as this label; 0 when nothing is predicted as it (scikit-learn's zero_division default). */
  precision: number;
  /** Correct / samples of this label; 0 when the label has no samples. */
  recall: number;
  /** Harmonic mean of precision and recall; 0 when both are 0. */
  f1: number;
  /** Samples of this label in yTrue. */
  support: number;
}

/**
 * Minimum-cost assignment of rows to columns (Kuhn-Munkres with potentials,
 * the shortest-augmenting-path form: O(r^2 c) for r <= c rows and columns).
 * Rectangular matrices are allowed: with more rows than columns every column
 * is used and the leftover rows get -1. Costs must be finite; negate a score
 * matrix to maximise.
 */
export function hungarian(cost: readonly (readonly number[])[]): AssignmentResult {
  const rows = cost.length;
  if (rows === 0) throw new Error('hungarian: the cost matrix has no rows');
  const cols = cost[0]!.length;
  if (cols === 0) throw new Error('hungarian: the cost matrix has no columns');
  for (let i = 0; i < rows; i++) {
    const row = cost[i]!;
    if (row.length !== cols) throw new Error(`hungarian: row ${i} has ${row.length} columns, row 0 has ${cols}`);
    for (let j = 0; j < cols; j++) {
      if (!Number.isFinite(row[j])) throw new Error(`hungarian: cost[${i}][${j}] = ${row[j]} is not finite`);
    }
  }
  // The algorithm needs rows <= columns; solve the transpose otherwise.
  const transposed = rows > cols;
  const n = transposed ? cols : rows;
  const m = transposed ? rows : cols;
  const a = (i: number, j: number): number => (transposed ? cost[j]![i]! : cost[i]![j]!);

  // 1-based as in the textbook form: column 0 is a virtual column holding the
  // row being inserted. u, v are the dual potentials; p[j] is the row matched
  // to column j (0 = none); way[j] is the previous column on the shortest path.
  const u = new Float64Array(n + 1);
  const v = new Float64Array(m + 1);
  const p = new Int32Array(m + 1);
  const way = new Int32Array(m + 1);
  const minv = new Float64Array(m + 1);
  const used = new Uint8Array(m + 1);
  for (let i = 1; i <= n; i++) {
    p[0] = i;
    let j0 = 0;
    minv.fill(Infinity);
    used.fill(0);
    do {
      used[j0] = 1;
      const i0 = p[j0]!;
      let delta = Infinity;
      let j1 = 0;
      for (let j = 1; j <= m; j++) {
        if (used[j]) continue;
        const cur = a(i0 - 1, j - 1) - u[i0]! - v[j]!;
        if (cur < minv[j]!) {
          minv[j] = cur;
          way[j] = j0;
        }
        if (minv[j]! < delta) {
          delta = minv[j]!;
          j1 = j;
        }
      }
      for (let j = 0; j <= m; j++) {
        if (used[j]) {
          u[p[j]!] += delta;
          v[j] -= delta;
        } else {
          minv[j] -= delta;
        }
      }
      j0 = j1;
    } while (p[j0] !== 0);
    // Flip the augmenting path back to the virtual column.
    do {
      const j1 = way[j0]!;
      p[j0] = p[j1]!;
      j0 = j1;
    } while (j0 !== 0);
  }

  const assignment = new Array<number>(rows).fill(-1);
  for (let j = 1; j <= m; j++) {
    if (p[j] === 0) continue;
    if (transposed) assignment[j - 1] = p[j]! - 1;
    else assignment[p[j]! - 1] = j - 1;
  }
  // Summed from the matrix, not the potentials, so the total carries no drift.
  let total = 0;
  for (let i = 0; i < rows; i++) if (assignment[i]! >= 0) total += cost[i]![assignment[i]!]!;
  return { assignment, cost: total };
}

/**
 * Unsupervised clustering accuracy: the best one-to-one map from clusters to
 * classes, found with the Hungarian algorithm on the contingency table, and
 * the fraction of samples it gets right. Any numbers of classes and clusters.
 */
export function clusteringAccuracy(yTrue: ArrayLike<number>, yPred: ArrayLike<number>): AccuracyResult {
  const t = contingency('clusteringAccuracy', yTrue, yPred);
  // Rows = clusters, columns = classes, cost = -count: the minimum-cost matching maximises agreement.
  const cost: number[][] = [];
  for (let c = 0; c < t.nPred; c++) {
    const row = new Array<number>(t.nTrue);
    for (let r = 0; r < t.nTrue; r++) row[r] = -t.counts[r * t.nPred + c]!;
    cost.push(row);
  }
  const { assignment, cost: negCorrect } = hungarian(cost);
  const mapping = new Map<number, number>();
  assignment.forEach((cls, cluster) => {
    if (cls >= 0) mapping.set(t.predLabels[cluster]!, t.trueLabels[cls]!);
  });
  return { acc: -negCorrect / t.n, mapping };
}

/**
 * Normalised mutual information, MI / ((H(true) + H(pred)) / 2) (scikit-learn's
 * default arithmetic normalisation). Degenerate cases as scikit-learn: both
 * labelings a single cluster -> 1 (identical trivial partitions); otherwise
 * MI = 0 -> 0 (this also covers one side being a single cluster).
 */
export function normalizedMutualInfo(yTrue: ArrayLike<number>, yPred: ArrayLike<number>): number {
  const t = contingency('normalizedMutualInfo', yTrue, yPred);
  if (t.nTrue === 1 && t.nPred === 1) return 1;
  const { n, nTrue, nPred, counts, rowSums, colSums } = t;
  let mi = 0;
  for (let r = 0; r < nTrue; r++) {
    for (let c = 0; c < nPred; c++) {
      const nij = counts[r * nPred + c]!;
      if (nij > 0) mi += (nij / n) * Math.log((n * nij) / (rowSums[r]! * colSums[c]!));
    }
  }
  // MI is >= 0; rounding can leave a tiny negative sum for independent labelings.
  if (mi <= 0) return 0;
  const hTrue = entropy(rowSums, n);
  const hPred = entropy(colSums, n);
  return mi / ((hTrue + hPred) / 2);
}

/**
 * Adjusted Rand index (Hubert and Arabie 1985) from the pair confusion matrix,
 * as scikit-learn computes it: 2 (tp tn - fn fp) / ((tp + fn)(fn + tn) + (tp + fp)(fp + tn))
 * over ordered pairs, and 1 when no pair disagrees (fp = fn = 0). The products
 * are taken in BigInt: they exceed 2^53 from about 10^4 samples and the
 * numerator is a difference of nearly equal terms near ARI = 0.
 */
export function adjustedRandIndex(yTrue: ArrayLike<number>, yPred: ArrayLike<number>): number {
  const t = contingency('adjustedRandIndex', yTrue, yPred);
  const n = BigInt(t.n);
  let sumSquares = 0n;
  for (let i = 0; i < t.counts.length; i++) {
    const c = BigInt(t.counts[i]!);
    sumSquares += c * c;
  }
  const sumSq = (xs: Float64Array): bigint => xs.reduce((acc, x) => acc + BigInt(x) * BigInt(x), 0n);
  const tp = sumSquares - n;
  const fp = sumSq(t.colSums) - sumSquares;
  const fn = sumSq(t.rowSums) - sumSquares;
  const tn = n * n - fp - fn - sumSquares;
  if (fp === 0n && fn === 0n) return 1;
  const num = 2n * (tp * tn - fn * fp);
  const den = (tp + fn) * (fn + tn) + (tp + fp) * (fp + tn);
  return Number(num) / Number(den);
}

/** Contingency table: rows = true classes, columns = clusters, each in sorted label order. */
export function confusionMatrix(yTrue: ArrayLike<number>, yPred: ArrayLike<number>): ConfusionMatrix {
  const t = contingency('confusionMatrix', yTrue, yPred);
  const counts: number[][] = [];
  for (let r = 0; r < t.nTrue; r++) counts.push(Array.from(t.counts.subarray(r * t.nPred, (r + 1) * t.nPred)));
  return { trueLabels: t.trueLabels, predLabels: t.predLabels, counts };
}

/**
 * Precision, recall, F1 and support for every label of yTrue or yPredMapped
 * (sorted), where yPredMapped holds predictions in class labels (for clusters:
 * after the ACC mapping).
 */
export function perClassScores(yTrue: ArrayLike<number>, yPredMapped: ArrayLike<number>): ClassScore[] {
  const t = contingency('perClassScores', yTrue, yPredMapped);
  const labels = [...new Set([...t.trueLabels, ...t.predLabels])].sort((x, y) => x - y);
  const rowOf = new Map(t.trueLabels.map((l, i) => [l, i]));
  const colOf = new Map(t.predLabels.map((l, i) => [l, i]));
  return labels.map((label) => {
    const r = rowOf.get(label);
    const c = colOf.get(label);
    const support = r === undefined ? 0 : t.rowSums[r]!;
    const predicted = c === undefined ? 0 : t.colSums[c]!;
    const tp = r === undefined || c === undefined ? 0 : t.counts[r * t.nPred + c]!;
    const precision = predicted > 0 ? tp / predicted : 0;
    const recall = support > 0 ? tp / support : 0;
    const f1 = precision + recall > 0 ? (2 * precision * recall) / (precision + recall) : 0;
    return { label, precision, recall, f1, support };
  });
}

interface Contingency {
  n: number;
  trueLabels: number[];
  predLabels: number[];
  nTrue: number;
  nPred: number;
  /** nTrue x nPred, row-major. */
  counts: Float64Array;
  rowSums: Float64Array;
  colSums: Float64Array;
}

function contingency(fn: string, yTrue: ArrayLike<number>, yPred: ArrayLike<number>): Contingency {
  if (yTrue.length !== yPred.length) {
    throw new Error(`${fn}: yTrue and yPred differ in length (${yTrue.length} vs ${yPred.length})`);
  }
  const n = yTrue.length;
  if (n === 0) throw new Error(`${fn}: no samples (empty label arrays)`);
  const a = encode(fn, 'yTrue', yTrue);
  const b = encode(fn, 'yPred', yPred);
  const nTrue = a.labels.length;
  const nPred = b.labels.length;
  const counts = new Float64Array(nTrue * nPred);
  const rowSums = new Float64Array(nTrue);
  const colSums = new Float64Array(nPred);
  for (let i = 0; i < n; i++) {
    counts[a.codes[i]! * nPred + b.codes[i]!]++;
    rowSums[a.codes[i]!]++;
    colSums[b.codes[i]!]++;
  }
  return { n, trueLabels: a.labels, predLabels: b.labels, nTrue, nPred, counts, rowSums, colSums };
}

/** Sorted distinct labels and each sample's index into them; rejects anything but non-negative integers. */
function encode(fn: string, name: string, y: ArrayLike<number>): { labels: number[]; codes: Int32Array } {
  const seen = new Set<number>();
  for (let i = 0; i < y.length; i++) {
    const v = y[i]!;
    if (!Number.isInteger(v) || v < 0) throw new Error(`${fn}: ${name}[${i}] = ${v} is not a non-negative integer label`);
    seen.add(v);
  }
  const labels = [...seen].sort((x, z) => x - z);
  const index = new Map(labels.map((l, i) => [l, i]));
  const codes = new Int32Array(y.length);
  for (let i = 0; i < y.length; i++) codes[i] = index.get(y[i]!)!;
  return { labels, codes };
}

function entropy(sums: Float64Array, n: number): number {
  let h = 0;
  for (const s of sums) if (s > 0) h -= (s / n) * Math.log(s / n);
  return h;
}
