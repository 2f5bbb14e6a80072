/**
 * The mean silhouette width (Rousseeuw 1987): for each record, how much
 * nearer it lies to its own cluster than to the nearest other one, from -1
 * (in the wrong cluster) to 1 (tight, far apart). Computed on a sample of
 * records and their pairwise Euclidean distances, which stay fixed while
 * different clusterings of the same records are scored.
 */

export interface SilhouetteSample {
  /** Indices of the records scored. */
  readonly sample: Int32Array;
  /** Their pairwise Euclidean distances, m x m. */
  readonly distances: Float64Array;
}

/** Distances between the sampled rows of x (n rows of d values). */
export function silhouetteSample(x: Float32Array | Float64Array, d: number, sample: Int32Array): SilhouetteSample {
  const m = sample.length;
  const distances = new Float64Array(m * m);
  for (let i = 0; i < m; i++) {
    const a = sample[i]! * d;
    for (let j = i + 1; j < m; j++) {
      const b = sample[j]! * d;
      let s = 0;
      for (let c = 0; c < d; c++) s += (x[a + c]! - x[b + c]!) ** 2;
      distances[i * m + j] = distances[j * m + i] = Math.sqrt(s);
    }
  }
  return { sample, distances };
}

/** Mean silhouette over the sample of a clustering into k clusters; a record alone in its cluster scores 0 (Rousseeuw's convention, scikit-learn's). */
export function meanSilhouette({ sample, distances: dist }: SilhouetteSample, labels: ArrayLike<number>, k: number): number {
  const m = sample.length;
  const cluster = Int32Array.from(sample, (i) => labels[i]!);
  const sizes = new Float64Array(k);
  for (const c of cluster) sizes[c]++;
  const sums = new Float64Array(k);
  let total = 0;
  for (let i = 0; i < m; i++) {
    sums.fill(0);
    for (let j = 0; j < m; j++) sums[cluster[j]!] += dist[i * m + j]!;
    const own = cluster[i]!;
    if (sizes[own]! < 2) continue;
    const a = sums[own]! / (sizes[own]! - 1);
    let b = Infinity;
    for (let c = 0; c < k; c++) if (c !== own && sizes[c]! > 0) b = Math.min(b, sums[c]! / sizes[c]!);
    if (Number.isFinite(b)) total += (b - a) / Math.max(a, b);
  }
  return total / m;
}
