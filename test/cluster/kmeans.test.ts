import { describe, expect, it } from 'vitest';
import { assignToCentroids, kMeans, type KMeansResult } from '../../src/cluster/kmeans.js';
import { clusteringAccuracy } from '../../src/cluster/metrics.js';
import { Rng } from '../../src/tensor/random.js';

/** Isotropic Gaussian blobs, `per` points around each centre, rows grouped by blob. */
function blobs(seed: number, centers: number[][], per: number, std: number): { x: Float64Array; y: Int32Array; n: number; d: number } {
  const rng = new Rng(seed);
  const d = centers[0]!.length;
  const n = centers.length * per;
  const x = new Float64Array(n * d);
  const y = new Int32Array(n);
  let i = 0;
  centers.forEach((c, label) => {
    for (let p = 0; p < per; p++, i++) {
      y[i] = label;
      for (let j = 0; j < d; j++) x[i * d + j] = c[j]! + std * rng.normal();
    }
  });
  return { x, y, n, d };
}

/** 12 overlapping-ish blobs on a 4 x 3 grid: k-means++ with one restart lands in different local minima. */
function grid(): { x: Float64Array; n: number; d: number } {
  const centers: number[][] = [];
  for (let a = 0; a < 4; a++) for (let b = 0; b < 3; b++) centers.push([a * 3, b * 3]);
  return blobs(1, centers, 20, 0.8);
}

/** Lloyd's fixed point: every row sits at its nearest centroid and every centroid is the mean of its rows. */
function expectLocalOptimum(x: Float64Array, n: number, d: number, k: number, r: KMeansResult): void {
  const { labels, squaredDistances } = assignToCentroids(x, n, d, r.centroids, k);
  expect(Array.from(r.labels)).toEqual(Array.from(labels));
  expect(r.inertia).toBeCloseTo(
    squaredDistances.reduce((s, v) => s + v, 0),
    9,
  );
  for (let c = 0; c < k; c++) {
    const members = [...labels.keys()].filter((i) => labels[i] === c);
    if (members.length === 0) continue;
    for (let j = 0; j < d; j++) {
      const mean = members.reduce((s, i) => s + x[i * d + j]!, 0) / members.length;
      expect(r.centroids[c * d + j]).toBeCloseTo(mean, 6);
    }
  }
}

describe('kMeans', () => {
  it('solves a hand-worked 1-D case', () => {
    // Points 0, 1, 10, 11 with k = 2: the only sensible split is {0, 1} | {10, 11},
    // centroids 0.5 and 10.5, inertia 4 * 0.5^2 = 1.
    const r = kMeans(new Float64Array([0, 10, 1, 11]), 4, 1, { k: 2, nInit: 3 });
    const order = r.centroids[0]! < r.centroids[1]! ? [0, 1] : [1, 0];
    expect([r.centroids[order[0]!], r.centroids[order[1]!]]).toEqual([0.5, 10.5]);
    expect(r.inertia).toBe(1);
    expect(r.labels[0]).toBe(r.labels[2]);
    expect(r.labels[1]).toBe(r.labels[3]);
    expect(r.labels[0]).not.toBe(r.labels[1]);
  });

  it('recovers well-separated Gaussian blobs exactly', () => {
    const centers = [
      [0, 0, 0, 0, 0],
      [10, 0, 0, 0, 0],
      [0, 10, 10, 0, 0],
      [0, 0, 0, -10, 10],
    ];
    const { x, y, n, d } = blobs(42, centers, 50, 0.5);
    const r = kMeans(x, n, d, { k: 4, seed: 1 });
    expect(clusteringAccuracy(y, r.labels).acc).toBe(1);
    // Each centroid is the sample mean of its blob, within the noise of 50 points.
    const { mapping } = clusteringAccuracy(y, r.labels);
    for (let c = 0; c < 4; c++) {
      const truth = centers[mapping.get(c)!]!;
      for (let j = 0; j < d; j++) expect(Math.abs(r.centroids[c * d + j]! - truth[j]!)).toBeLessThan(0.3);
    }
    expect(r.nInit).toBe(20);
    expectLocalOptimum(x, n, d, 4, r);
  });

  it('returns a Lloyd fixed point whose labels and inertia belong to the returned centroids', () => {
    const { x, n, d } = grid();
    expectLocalOptimum(x, n, d, 12, kMeans(x, n, d, { k: 12, nInit: 3, tol: 0 }));
    // Also when stopped early by maxIter or by a loose tol.
    for (const r of [kMeans(x, n, d, { k: 12, nInit: 1, maxIter: 1 }), kMeans(x, n, d, { k: 12, nInit: 1, tol: 1e3 })]) {
      expect(r.iterations).toBe(1);
      const { labels, squaredDistances } = assignToCentroids(x, n, d, r.centroids, 12);
      expect(Array.from(r.labels)).toEqual(Array.from(labels));
      expect(r.inertia).toBeCloseTo(
        squaredDistances.reduce((s, v) => s + v, 0),
        9,
      );
    }
  });

  it('ends at a Lloyd fixed point on random data of many shapes (the distance bounds never skip a row that must move)', () => {
    const rng = new Rng(99);
    for (let trial = 0; trial < 40; trial++) {
      const d = [1, 2, 3, 5, 12, 17][trial % 6]!;
      const k = [1, 2, 3, 7, 20][trial % 5]!;
      const n = k + 30 + rng.int(300);
      // A few loose blobs plus uniform noise: many rows near cluster borders.
      const blobCenters = Array.from({ length: 1 + rng.int(5) }, () => Array.from({ length: d }, () => rng.uniform() * 6));
      const x = new Float64Array(n * d);
      for (let i = 0; i < n; i++) {
        const c = blobCenters[rng.int(blobCenters.length)]!;
        for (let j = 0; j < d; j++) x[i * d + j] = rng.uniform() < 0.2 ? rng.uniform() * 6 : c[j]! + rng.normal();
      }
      const r = kMeans(x, n, d, { k, nInit: 2, tol: 0, maxIter: 10_000, seed: trial });
      expectLocalOptimum(x, n, d, k, r);
    }
  });

  it('keeps the restart with the lowest inertia (best of nInit)', () => {
    // Restart i draws from the i-th fork of the seed's generator, so nInit = m
    // runs exactly the first m restarts of nInit = 10: the kept inertia can only
    // fall as m grows, and it must equal the lowest seen.
    const { x, n, d } = grid();
    const runs = Array.from({ length: 10 }, (_, m) => kMeans(x, n, d, { k: 12, nInit: m + 1, seed: 0 }));
    const inertias = runs.map((r) => r.inertia);
    for (let m = 1; m < 10; m++) expect(inertias[m]).toBeLessThanOrEqual(inertias[m - 1]!);
    // On this data one restart is not enough: more restarts found a strictly better optimum.
    expect(inertias[9]).toBeLessThan(inertias[0]!);
    expect(inertias[9]).toBe(Math.min(...inertias));
    expect(runs[9]!.nInit).toBe(10);
  });

  it('is deterministic for a seed, and different seeds may give different optima', () => {
    const { x, n, d } = grid();
    const a = kMeans(x, n, d, { k: 12, nInit: 2, seed: 7 });
    const b = kMeans(x, n, d, { k: 12, nInit: 2, seed: 7 });
    expect(b).toEqual(a);
    const single = new Set(Array.from({ length: 8 }, (_, s) => kMeans(x, n, d, { k: 12, nInit: 1, seed: s }).inertia));
    expect(single.size).toBeGreaterThan(1);
  });

  it('gives the same result for float32 and float64 input (computes in float64)', () => {
    const { x, n, d } = grid();
    const x32 = Float32Array.from(x);
    expect(kMeans(x32, n, d, { k: 5, nInit: 3 })).toEqual(kMeans(Float64Array.from(x32), n, d, { k: 5, nInit: 3 }));
  });

  it('copes with fewer distinct points than clusters (duplicate centres, no NaN)', () => {
    // Two distinct values, k = 3: once both are centres every remaining point is
    // at distance 0, so the third centre repeats one of them and its cluster is
    // re-seeded from the farthest point; the partition is exact either way.
    const x = new Float64Array([0, 0, 0, 5, 5]);
    const r = kMeans(x, 5, 1, { k: 3, nInit: 4 });
    expect(r.inertia).toBe(0);
    expect(new Set(r.centroids)).toEqual(new Set([0, 5]));
    x.forEach((v, i) => expect(r.centroids[r.labels[i]!]).toBe(v));
  });

  it('allows k = 1 and k = n', () => {
    const x = new Float64Array([1, 2, 3, 6]);
    const one = kMeans(x, 4, 1, { k: 1 });
    // Mean 3; inertia (1-3)^2 + (2-3)^2 + 0 + (6-3)^2 = 4 + 1 + 0 + 9 = 14.
    expect(Array.from(one.centroids)).toEqual([3]);
    expect(one.inertia).toBe(14);
    const all = kMeans(x, 4, 1, { k: 4 });
    expect(all.inertia).toBe(0);
    expect([...all.centroids].sort((p, q) => p - q)).toEqual([1, 2, 3, 6]);
  });

  it('rejects bad input with a clear message', () => {
    const x = new Float64Array([0, 1, 2, 3, 4, 5]);
    expect(() => kMeans(x, 3, 2, { k: 4 })).toThrow(/k = 4 clusters need at least 4 rows, got n = 3/);
    expect(() => kMeans(x, 6, 0, { k: 2 })).toThrow(/d \(columns\) must be a positive integer, got 0/);
    expect(() => kMeans(x, 4, 2, { k: 2 })).toThrow(/data has length 6, expected n \* d = 4 \* 2 = 8/);
    expect(() => kMeans(x, 3, 2, { k: 0 })).toThrow(/k must be a positive integer/);
    expect(() => kMeans(x, 3, 2, { k: 1.5 })).toThrow(/k must be a positive integer/);
    expect(() => kMeans(x, 3, 2, { k: 2, nInit: 0 })).toThrow(/nInit must be a positive integer/);
    expect(() => kMeans(x, 3, 2, { k: 2, maxIter: 0 })).toThrow(/maxIter must be a positive integer/);
    expect(() => kMeans(x, 3, 2, { k: 2, tol: -1 })).toThrow(/tol must be a finite number >= 0/);
    expect(() => kMeans(x, 3, 2, { k: 2, seed: Number.NaN })).toThrow(/seed must be a finite number/);
    const bad = Float32Array.from([0, 1, 2, 3, Number.NaN, 5]);
    expect(() => kMeans(bad, 3, 2, { k: 2 })).toThrow(/non-finite value NaN at row 2, column 0/);
    const inf = Float64Array.from([0, Infinity, 2, 3]);
    expect(() => kMeans(inf, 2, 2, { k: 1 })).toThrow(/non-finite value Infinity at row 0, column 1/);
  });
});

describe('assignToCentroids', () => {
  it('gives each row its nearest centroid and the squared distance, the lower index on a tie', () => {
    // Centroids 0 and 10: 1 -> 0 (d^2 1), 6 -> 10 (16), 5 -> tie at 25 -> centroid 0.
    const r = assignToCentroids(new Float32Array([1, 6, 5]), 3, 1, new Float64Array([0, 10]), 2);
    expect(Array.from(r.labels)).toEqual([0, 1, 0]);
    expect(Array.from(r.squaredDistances)).toEqual([1, 16, 25]);
  });

  it('rejects centroids of the wrong size and non-finite centroids', () => {
    const x = new Float64Array([0, 1, 2, 3]);
    expect(() => assignToCentroids(x, 2, 2, new Float64Array(3), 2)).toThrow(/centroids has length 3, expected k \* d = 2 \* 2 = 4/);
    expect(() => assignToCentroids(x, 2, 2, new Float64Array([0, 0, Number.NaN, 0]), 2)).toThrow(/centroids has a non-finite value NaN at row 1, column 0/);
  });
});
