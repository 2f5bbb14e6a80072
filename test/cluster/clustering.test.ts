import { describe, expect, it } from 'vitest';
import { kld, noGrad, tensor, tidy } from '../../src/index.js';
import { ClusteringLayer, argmaxRows, softAssign, targetDistribution } from '../../src/cluster/clustering.js';
import { lossWeights } from '../../src/cluster/loss.js';
import { gradCheck } from '../helpers/gradcheck.js';

async function values(fn: () => ReturnType<typeof tensor>): Promise<number[]> {
  const t = tidy(() => noGrad(fn));
  const v = Array.from(await t.data());
  t.dispose();
  return v;
}

describe('softAssign (Student t)', () => {
  it('alpha 1: q proportional to 1 / (1 + d^2), rows sum to 1', async () => {
    // z0 = (0, 0): mu0 = (0, 1) at d^2 = 1, mu1 = (2, 0) at 4 -> [1/2, 1/5] / (7/10) = [5/7, 2/7].
    // z1 = (2, 1): mu0 at 4, mu1 at 1 -> [2/7, 5/7].
    const q = await values(() => softAssign(tensor([0, 0, 2, 1], [2, 2], { dtype: 'float64' }), tensor([0, 1, 2, 0], [2, 2], { dtype: 'float64' })));
    const expected = [5 / 7, 2 / 7, 2 / 7, 5 / 7];
    q.forEach((v, i) => expect(v).toBeCloseTo(expected[i]!, 14));
  });

  it('alpha 2: exponent -(alpha + 1) / 2 = -1.5 on 1 + d^2 / 2', async () => {
    const q = await values(() => softAssign(tensor([0], [1, 1], { dtype: 'float64' }), tensor([0, 2], [2, 1], { dtype: 'float64' }), 2));
    const b = (1 + 4 / 2) ** -1.5;
    expect(q[0]).toBeCloseTo(1 / (1 + b), 14);
    expect(q[1]).toBeCloseTo(b / (1 + b), 14);
  });

  it('the layer holds trained centroids [k, codeSize]', () => {
    const layer = new ClusteringLayer([0, 0, 1, 1, 2, 2], 3, 2, { alpha: 1 });
    expect(layer.centroids.shape).toEqual([3, 2]);
    expect(layer.centroids.requiresGrad).toBe(true);
    expect(() => new ClusteringLayer([0, 0, 1], 2, 2)).toThrow(/3 centroid values, expected k \* codeSize = 2 \* 2/);
    layer.dispose();
  });
});

describe('targetDistribution', () => {
  it('matches a hand-worked case', () => {
    // f = [1.4, 0.6]. Row 0: [0.25/1.4, 0.25/0.6] = [0.178571, 0.416667] -> [0.3, 0.7].
    // Row 1: [0.81/1.4, 0.01/0.6] = [0.578571, 0.016667] -> [0.972, 0.028].
    const p = targetDistribution([0.5, 0.5, 0.9, 0.1], 2, 2);
    const expected = [0.3, 0.7, 0.972, 0.028];
    p.forEach((v, i) => expect(v).toBeCloseTo(expected[i]!, 12));
  });

  it("sharpens: p puts more weight than q on each row's largest entry, rows sum to 1", () => {
    const q = [0.6, 0.3, 0.1, 0.2, 0.5, 0.3, 0.1, 0.1, 0.8];
    const p = targetDistribution(q, 3, 3);
    for (let i = 0; i < 3; i++) {
      const row = Array.from(p.subarray(i * 3, i * 3 + 3));
      expect(row.reduce((a, b) => a + b)).toBeCloseTo(1, 14);
      const j = argmaxRows(q, 3, 3)[i]!;
      expect(row[j]).toBeGreaterThan(q[i * 3 + j]!);
    }
  });
});

describe('targetDistribution balance: how much a small cluster is favoured', () => {
  // 90 records leaning hard to cluster 0, 10 to cluster 1, and one on the fence leaning to 0: f = [82.55, 18.45].
  const q = [...Array.from({ length: 90 }, () => [0.9, 0.1]), ...Array.from({ length: 10 }, () => [0.1, 0.9]), [0.55, 0.45]].flat();
  const fence = 100;

  it("balance 1 (DEC's) pulls the record on the fence into the small cluster: 0.3025 / 82.55 against 0.2025 / 18.45", () => {
    const p = targetDistribution(q, 101, 2, 1);
    expect(p[2 * fence + 1]).toBeCloseTo(0.010976 / (0.003664 + 0.010976), 3);
    expect(p[2 * fence + 1]).toBeGreaterThan(0.5);
  });

  it('balance 0 only sharpens: the record keeps leaning where it leans, p = q^2 normalised', () => {
    const p = targetDistribution(q, 101, 2, 0);
    expect(p[2 * fence]).toBeCloseTo(0.3025 / (0.3025 + 0.2025), 12);
    expect(p[2 * fence]).toBeGreaterThan(0.55);
  });

  it('balance 0.5 lies between, and the default is 1', () => {
    const half = targetDistribution(q, 101, 2, 0.5)[2 * fence + 1]!;
    expect(half).toBeGreaterThan(targetDistribution(q, 101, 2, 0)[2 * fence + 1]!);
    expect(half).toBeLessThan(targetDistribution(q, 101, 2, 1)[2 * fence + 1]!);
    expect(Array.from(targetDistribution(q, 101, 2))).toEqual(Array.from(targetDistribution(q, 101, 2, 1)));
  });

  it('refuses a negative or non-finite balance', () => {
    expect(() => targetDistribution(q, 101, 2, -1)).toThrow(/balance must be a finite number >= 0, got -1/);
    expect(() => targetDistribution(q, 101, 2, NaN)).toThrow(/got NaN/);
  });
});

describe('KL(P || Q) gradient, float64 finite differences', () => {
  // P is the fixed target (no gradient), as in fine-tuning.
  const p = Float64Array.from(targetDistribution([0.7, 0.2, 0.1, 0.1, 0.6, 0.3, 0.25, 0.25, 0.5, 0.4, 0.4, 0.2, 0.05, 0.15, 0.8], 5, 3));

  for (const alpha of [1, 2.5]) {
    it(`w.r.t. codes and centroids (alpha ${alpha})`, async () => {
      const r = await gradCheck(
        (pt, z, mu) => kld(pt, softAssign(z, mu, alpha)),
        [{ shape: [5, 3], values: p, grad: false }, { shape: [5, 4] }, { shape: [3, 4] }],
      );
      expect(r.worst, r.where).toBeLessThan(1);
    });
  }

  it('w.r.t. codes and centroids when they nearly coincide (late fine-tuning)', async () => {
    const z = Float64Array.from({ length: 5 * 4 }, (_, i) => 0.01 * Math.sin(i));
    const mu = Float64Array.from({ length: 3 * 4 }, (_, i) => 0.01 * Math.cos(i));
    const r = await gradCheck(
      (pt, zt, mt) => kld(pt, softAssign(zt, mt)),
      [
        { shape: [5, 3], values: p, grad: false },
        { shape: [5, 4], values: z },
        { shape: [3, 4], values: mu },
      ],
    );
    expect(r.worst, r.where).toBeLessThan(1);
  });
});

describe('lossWeights', () => {
  it('notebook form gamma KL + MSE (default gamma 0.1); paper form (1 - lambda) MSE + lambda KL', () => {
    expect(lossWeights()).toEqual({ kl: 0.1, reconstruction: 1 });
    expect(lossWeights({ form: 'notebook', gamma: 0.5 })).toEqual({ kl: 0.5, reconstruction: 1 });
    expect(lossWeights({ form: 'paper' })).toEqual({ kl: 0.1, reconstruction: 0.9 });
    expect(() => lossWeights({ form: 'paper', lambda: 1.5 })).toThrow(/lambda must lie in \[0, 1\]/);
  });
});
