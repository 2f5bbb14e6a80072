import { describe, expect, it } from 'vitest';
import { pca } from '../../src/report/pca.js';
import { calibrateRow } from '../../src/report/tsne-affinities.js';
import { tsne } from '../../src/report/tsne.js';
import { Rng } from '../../src/tensor/random.js';

/** n points in d dimensions: two unit-variance Gaussian blobs `gap` apart along every axis; labels alternate. */
function twoBlobs(n: number, d: number, gap: number, seed: number): { data: Float64Array; labels: Int32Array } {
  const rng = new Rng(seed);
  const data = new Float64Array(n * d);
  const labels = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    labels[i] = i % 2;
    for (let c = 0; c < d; c++) data[i * d + c] = rng.normal() + (labels[i] === 1 ? gap / Math.sqrt(d) : 0);
  }
  return { data, labels };
}

/** Fraction of points whose nearest neighbour in the 2-D map has the same label. */
function neighbourPurity(y: Float64Array, labels: Int32Array): number {
  const n = labels.length;
  let same = 0;
  for (let i = 0; i < n; i++) {
    let best = Infinity;
    let nearest = -1;
    for (let j = 0; j < n; j++) {
      if (j === i) continue;
      const d = (y[2 * i]! - y[2 * j]!) ** 2 + (y[2 * i + 1]! - y[2 * j + 1]!) ** 2;
      if (d < best) {
        best = d;
        nearest = j;
      }
    }
    if (labels[nearest] === labels[i]) same++;
  }
  return same / n;
}

describe('t-SNE keeps separated clusters separated', () => {
  const { data, labels } = twoBlobs(240, 20, 10, 1);

  it('exact: two blobs in 20-D stay apart in 2-D', () => {
    const y = tsne(data, 240, 20, { method: 'exact', seed: 3, iterations: 500 });
    expect(y.length).toBe(480);
    expect(neighbourPurity(y, labels)).toBeGreaterThan(0.95);
  });

  it('Barnes-Hut agrees with exact on the purity of the map', () => {
    const exact = neighbourPurity(tsne(data, 240, 20, { method: 'exact', seed: 3, iterations: 500 }), labels);
    const bh = neighbourPurity(tsne(data, 240, 20, { method: 'barnes-hut', seed: 3, iterations: 500 }), labels);
    expect(bh).toBeGreaterThan(0.95);
    expect(Math.abs(bh - exact)).toBeLessThan(0.03);
  });

  it('inputs wider than 50 dimensions go through PCA first and still separate', () => {
    const wide = twoBlobs(160, 120, 10, 2);
    const y = tsne(wide.data, 160, 120, { seed: 1, iterations: 400, perplexity: 20 });
    expect(neighbourPurity(y, wide.labels)).toBeGreaterThan(0.95);
  });

  it('returns a centred map', () => {
    const y = tsne(data, 240, 20, { seed: 1, iterations: 100 });
    let mx = 0;
    let my = 0;
    for (let i = 0; i < 240; i++) {
      mx += y[2 * i]!;
      my += y[2 * i + 1]!;
    }
    expect(Math.abs(mx / 240)).toBeLessThan(1e-9);
    expect(Math.abs(my / 240)).toBeLessThan(1e-9);
  });
});

describe('the Barnes-Hut gradient', () => {
  it('equals the exact gradient when every neighbour is kept and theta is tiny', () => {
    // perplexity 20 keeps 3 * 20 >= n - 1 neighbours: the sparse affinities are the full ones.
    const n = 60;
    const rng = new Rng(3);
    const data = Float64Array.from({ length: n * 5 }, () => rng.normal());
    const options = { perplexity: 20, iterations: 10, seed: 1 };
    const exact = tsne(data, n, 5, { ...options, method: 'exact' });
    const bh = tsne(data, n, 5, { ...options, method: 'barnes-hut', theta: 1e-9 });
    for (let k = 0; k < 2 * n; k++) expect(bh[k]).toBeCloseTo(exact[k]!, 8);
  });
});

describe('determinism', () => {
  const { data } = twoBlobs(80, 6, 6, 5);
  it('the same seed gives the same map, bit for bit', () => {
    for (const method of ['exact', 'barnes-hut'] as const) {
      expect(tsne(data, 80, 6, { seed: 7, iterations: 120, method, perplexity: 10 })).toEqual(
        tsne(data, 80, 6, { seed: 7, iterations: 120, method, perplexity: 10 }),
      );
    }
  });
  it('another seed gives another map', () => {
    const a = tsne(data, 80, 6, { seed: 7, iterations: 50, perplexity: 10 });
    const b = tsne(data, 80, 6, { seed: 8, iterations: 50, perplexity: 10 });
    expect(a).not.toEqual(b);
  });
  it('float32 input gives the same map as the same values in float64', () => {
    const f32 = Float32Array.from(data);
    expect(tsne(f32, 80, 6, { seed: 1, iterations: 60, perplexity: 10 })).toEqual(
      tsne(Float64Array.from(f32), 80, 6, { seed: 1, iterations: 60, perplexity: 10 }),
    );
  });
});

describe('progress', () => {
  it('reports the KL divergence every 50 iterations and at the end; it falls', () => {
    const { data } = twoBlobs(100, 8, 8, 6);
    for (const method of ['exact', 'barnes-hut'] as const) {
      const seen: [number, number][] = [];
      tsne(data, 100, 8, { method, iterations: 320, perplexity: 15, onProgress: (it, kl) => seen.push([it, kl]) });
      expect(seen.map(([it]) => it)).toEqual([50, 100, 150, 200, 250, 300, 320]);
      for (const [, kl] of seen) expect(Number.isFinite(kl) && kl > 0).toBe(true);
      expect(seen.at(-1)![1]).toBeLessThan(seen[0]![1]);
    }
  });
});

describe('perplexity calibration', () => {
  const entropy = (p: Float64Array): number => -p.reduce((s, v) => (v > 0 ? s + v * Math.log(v) : s), 0);

  it('finds the precision whose affinities have entropy ln(perplexity)', () => {
    const rng = new Rng(9);
    for (const perplexity of [5, 30, 60]) {
      const d2 = Float64Array.from({ length: 150 }, () => 4 * rng.uniform() + rng.normal() ** 2);
      const p = new Float64Array(150);
      const beta = calibrateRow(d2, perplexity, p);
      expect(beta).toBeGreaterThan(0);
      expect(p.reduce((s, v) => s + v, 0)).toBeCloseTo(1, 12);
      expect(entropy(p)).toBeCloseTo(Math.log(perplexity), 4);
      // Nearer points get more affinity.
      const order = Array.from(d2.keys()).sort((a, b) => d2[a]! - d2[b]!);
      expect(p[order[0]!]!).toBeGreaterThan(p[order[149]!]!);
    }
  });

  it('works at any distance scale, and for a point far from all others', () => {
    const rng = new Rng(10);
    for (const scale of [1e-6, 1e6]) {
      const d2 = Float64Array.from({ length: 90 }, () => scale * (1e4 + rng.uniform()));
      const p = new Float64Array(90);
      calibrateRow(d2, 30, p);
      expect(entropy(p)).toBeCloseTo(Math.log(30), 4);
    }
  });
});

describe('PCA', () => {
  it('keeps the distances of data lying in a low-dimensional subspace', () => {
    // 100 points in a random 3-D subspace of 60-D: 3 components keep every distance.
    const rng = new Rng(11);
    const basis = Float64Array.from({ length: 3 * 60 }, () => rng.normal());
    const n = 100;
    const data = new Float64Array(n * 60);
    for (let i = 0; i < n; i++) {
      const z = [3 * rng.normal(), 2 * rng.normal(), rng.normal()];
      for (let c = 0; c < 60; c++) data[i * 60 + c] = 5 + z[0]! * basis[c]! + z[1]! * basis[60 + c]! + z[2]! * basis[120 + c]!;
    }
    const out = pca(data, n, 60, 3, new Rng(1));
    for (const [i, j] of [
      [0, 1],
      [5, 77],
      [42, 99],
    ] as const) {
      let full = 0;
      for (let c = 0; c < 60; c++) full += (data[i * 60 + c]! - data[j * 60 + c]!) ** 2;
      let reduced = 0;
      for (let c = 0; c < 3; c++) reduced += (out[i * 3 + c]! - out[j * 3 + c]!) ** 2;
      expect(reduced).toBeCloseTo(full, 6);
    }
    // Components come in order of variance.
    const variance = (c: number): number => out.filter((_, k) => k % 3 === c).reduce((s, v) => s + v * v, 0);
    expect(variance(0)).toBeGreaterThan(variance(1));
    expect(variance(1)).toBeGreaterThan(variance(2));
  });
});

describe('bad input', () => {
  it('needs at least two points', () => {
    expect(() => tsne(new Float64Array(3), 1, 3)).toThrow(/at least 2 points, got n = 1/);
  });
  it('needs n * d values', () => {
    expect(() => tsne(new Float64Array(10), 4, 3)).toThrow(/data has 10 values, n \* d = 4 \* 3 = 12/);
  });
  it('names the row and column of a non-finite value', () => {
    const data = new Float64Array(40);
    data[3 * 4 + 1] = NaN;
    expect(() => tsne(data, 10, 4, { perplexity: 3 })).toThrow(/data\[row 3, column 1\] = NaN is not finite/);
    data[3 * 4 + 1] = 0;
    data[9 * 4 + 3] = -Infinity;
    expect(() => tsne(data, 10, 4, { perplexity: 3 })).toThrow(/data\[row 9, column 3\] = -Infinity/);
  });
  it('clamps the perplexity to (n - 1) / 3 for few points: 10 points map as with perplexity 3', () => {
    const data = Float64Array.from({ length: 20 }, (_, i) => Math.sin(i * 1.7));
    const clamped = tsne(data, 10, 2, { seed: 2, iterations: 60 });
    expect(clamped.every(Number.isFinite)).toBe(true);
    expect(clamped).toEqual(tsne(data, 10, 2, { seed: 2, iterations: 60, perplexity: 3 }));
    expect(tsne(new Float64Array(4), 2, 2, { iterations: 20 }).every(Number.isFinite)).toBe(true);
    expect(() => tsne(new Float64Array(20), 10, 2, { perplexity: 0 })).toThrow(/perplexity must be a positive number/);
  });
  it('rejects options out of range', () => {
    const data = new Float64Array(40);
    expect(() => tsne(data, 20, 2, { perplexity: 5, iterations: 0 })).toThrow(/iterations must be an integer >= 1/);
    expect(() => tsne(data, 20, 2, { perplexity: 5, theta: 0 })).toThrow(/theta must be a positive number/);
    expect(() => tsne(data, 20, 2, { perplexity: 5, learningRate: -1 })).toThrow(/learningRate must be a positive number/);
    expect(() => tsne(data, 20, 2, { perplexity: 5, method: 'fast' as 'exact' })).toThrow(/method must be 'auto', 'exact' or 'barnes-hut', got "fast"/);
  });
  it('refuses the exact method for more points than its n x n matrices allow', () => {
    expect(() => tsne(new Float64Array(6000), 6000, 1, { method: 'exact' })).toThrow(/limited to 5000 points, got 6000; use 'barnes-hut'/);
  });
});
