import { describe, expect, it } from 'vitest';
import { codeSpace, K_RULE, recommendK, scoreK, selectK, type KScore } from '../../src/cluster/select-k.js';
import { Rng } from '../../src/tensor/random.js';

/** n codes of d values around `centres` (one blob each, equal shares), with Gaussian spread `sd`. */
function blobs(centres: readonly (readonly number[])[], n: number, sd: number, seed: number): Float32Array {
  const rng = new Rng(seed);
  const d = centres[0]!.length;
  const out = new Float32Array(n * d);
  for (let i = 0; i < n; i++) {
    const c = centres[i % centres.length]!;
    for (let j = 0; j < d; j++) out[i * d + j] = c[j]! + sd * rng.normal();
  }
  return out;
}

/** Corners of a simplex in 12 dimensions (the size of network A's code), two units apart. */
const corner = (i: number): number[] => Array.from({ length: 12 }, (_, j) => (j === i ? Math.SQRT2 : 0));
const ks = [2, 3, 4, 5, 6];

describe('select-k recommends the number of clusters the codes hold', () => {
  it('3 on codes of three clear clusters, 2 on codes of two', () => {
    const three = selectK(blobs([corner(0), corner(1), corner(2)], 300, 0.25, 1), 300, 12, ks, { seed: 4 });
    expect(three.k).toBe(3);
    const two = selectK(blobs([corner(0), corner(1)], 300, 0.25, 2), 300, 12, ks, { seed: 4 });
    expect(two.k).toBe(2);
    expect(three.rule).toBe(K_RULE);
  });

  it('scores each k: the silhouette peaks and k-means agrees with itself at the true k, the inertia falls, the gap jumps there', () => {
    const { scores, clusterings } = selectK(blobs([corner(0), corner(1), corner(2)], 300, 0.25, 1), 300, 12, ks, { seed: 4 });
    const at = (k: number): KScore => scores.find((s) => s.k === k)!;
    expect(scores.map((s) => s.k)).toEqual(ks);
    expect(Math.max(...scores.map((s) => s.silhouette))).toBe(at(3).silhouette);
    expect(at(3).silhouette).toBeGreaterThan(0.4);
    expect(at(3).stability).toBeGreaterThan(0.99);
    for (let i = 1; i < scores.length; i++) expect(scores[i]!.inertia).toBeLessThan(scores[i - 1]!.inertia);
    expect(at(3).gap - at(2).gap).toBeGreaterThan(5 * (at(4).gap - at(3).gap));
    expect(at(3).gapSe).toBeGreaterThan(0);
    expect(clusterings[1]).toHaveLength(300);
  });

  it('one seed gives the same scores bit for bit; another draws other reference sets', () => {
    const codes = blobs([corner(0), corner(1)], 200, 0.5, 3);
    const a = selectK(codes, 200, 12, [2, 3], { seed: 7 });
    expect(selectK(codes, 200, 12, [2, 3], { seed: 7 }).scores).toEqual(a.scores);
    expect(selectK(codes, 200, 12, [2, 3], { seed: 8 }).scores[0]!.gap).not.toBe(a.scores[0]!.gap);
  });

  it("computes the silhouette as Rousseeuw's (and scikit-learn's) mean of (b - a) / max(a, b)", () => {
    // 1-D: {0, 1} and {10, 11}. For 0: a = 1, b = 10.5; for 1: a = 1, b = 9.5; the other two mirror them.
    const { score } = scoreK(codeSpace(Float32Array.from([0, 1, 10, 11]), 4, 1), 2);
    expect(score.silhouette).toBeCloseTo((9.5 / 10.5 + 8.5 / 9.5) / 2, 12);
    expect(score.inertia).toBeCloseTo(1, 12);
  });

  it('refuses a k it cannot score', () => {
    const space = codeSpace(Float32Array.from([0, 1, 2, 3]), 4, 1);
    expect(() => scoreK(space, 5)).toThrow(/k must be an integer from 2 to the 4 records, got 5/);
    expect(() => scoreK(space, 1)).toThrow(/got 1/);
  });
});

describe('the rule, on given scores', () => {
  const score = (k: number, silhouette: number, stability: number): KScore => ({ k, inertia: 1, silhouette, gap: 0, gapSe: 0, stability });

  it('takes the highest silhouette among the stable k', () => {
    const r = recommendK([score(2, 0.3, 0.95), score(3, 0.4, 0.97), score(4, 0.5, 0.6)]);
    expect(r.k).toBe(3);
    expect(r.reason).toBe('silhouette 0.400, the highest; the stable k are 2, 3');
  });

  it('keeps the smaller k when a larger one is better by less than 0.02', () => {
    const r = recommendK([score(2, 0.377, 0.94), score(3, 0.38, 0.6), score(4, 0.393, 0.938)]);
    expect(r.k).toBe(2);
    expect(r.reason).toContain('within 0.02 of the highest (k = 4, 0.393)');
  });

  it('claims no more than the fewest clusters when no k is stable', () => {
    const r = recommendK([score(3, 0.4, 0.7), score(4, 0.5, 0.8)]);
    expect(r.k).toBe(3);
    expect(r.reason).toContain('no k reaches stability 0.9 (the most stable, k = 4, 0.800)');
  });

  it('states itself in words, and never reads labels', () => {
    expect(K_RULE).toMatch(/^among the k whose k-means clusterings agree .* Labels never enter\.$/);
    expect(() => recommendK([])).toThrow(/no scores/);
  });
});
