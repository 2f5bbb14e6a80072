import { describe, expect, it } from 'vitest';
import { adjustedRandIndex, clusteringAccuracy, confusionMatrix, hungarian, normalizedMutualInfo, perClassScores } from '../../src/cluster/metrics.js';
import { Rng } from '../../src/tensor/random.js';

/** Minimum cost over all injective maps of the smaller side into the larger, by enumeration. */
function bruteForceMinCost(cost: number[][]): number {
  const rows = cost.length;
  const cols = cost[0]!.length;
  const small = Math.min(rows, cols);
  const big = Math.max(rows, cols);
  const at = (s: number, b: number): number => (rows <= cols ? cost[s]![b]! : cost[b]![s]!);
  const taken = new Array<boolean>(big).fill(false);
  let best = Infinity;
  const walk = (s: number, acc: number): void => {
    if (s === small) {
      best = Math.min(best, acc);
      return;
    }
    for (let b = 0; b < big; b++) {
      if (taken[b]) continue;
      taken[b] = true;
      walk(s + 1, acc + at(s, b));
      taken[b] = false;
    }
  };
  walk(0, 0);
  return best;
}

/**
 * An independent reference for larger matrices: min-cost perfect matching as
 * min-cost flow (source -> rows -> columns -> sink, unit capacities), one
 * Bellman-Ford shortest path per augmentation on the residual graph.
 */
function minCostFlowAssignment(cost: number[][]): number {
  const n = cost.length;
  const V = 2 * n + 2;
  const S = 2 * n;
  const T = 2 * n + 1;
  const to: number[] = [];
  const cap: number[] = [];
  const w: number[] = [];
  const addEdge = (u: number, v: number, c: number): void => {
    to.push(v, u);
    cap.push(1, 0);
    w.push(c, -c);
  };
  const from: number[] = [];
  const edge = (u: number, v: number, c: number): void => {
    from.push(u, v);
    addEdge(u, v, c);
  };
  for (let i = 0; i < n; i++) edge(S, i, 0);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) edge(i, n + j, cost[i]![j]!);
  for (let j = 0; j < n; j++) edge(n + j, T, 0);
  let total = 0;
  for (let flow = 0; flow < n; flow++) {
    const dist = new Array<number>(V).fill(Infinity);
    const prevEdge = new Array<number>(V).fill(-1);
    dist[S] = 0;
    for (let round = 0; round < V; round++) {
      let relaxed = false;
      for (let e = 0; e < to.length; e++) {
        const u = from[e]!;
        if (cap[e]! > 0 && dist[u]! + w[e]! < dist[to[e]!]!) {
          dist[to[e]!] = dist[u]! + w[e]!;
          prevEdge[to[e]!] = e;
          relaxed = true;
        }
      }
      if (!relaxed) break;
    }
    for (let v = T; v !== S; v = from[prevEdge[v]!]!) {
      const e = prevEdge[v]!;
      cap[e]--;
      cap[e ^ 1]++;
    }
    total += dist[T]!;
  }
  return total;
}

function randomMatrix(rng: Rng, rows: number, cols: number, integer: boolean): number[][] {
  return Array.from({ length: rows }, () => Array.from({ length: cols }, () => (integer ? rng.int(21) - 5 : rng.uniform() * 100 - 20)));
}

/** Every row gets a distinct column (or -1 only when rows outnumber columns) and the cost is their sum. */
function expectValidAssignment(cost: number[][], result: { assignment: number[]; cost: number }): void {
  const rows = cost.length;
  const cols = cost[0]!.length;
  const used = result.assignment.filter((j) => j >= 0);
  expect(new Set(used).size).toBe(used.length);
  expect(used.length).toBe(Math.min(rows, cols));
  used.forEach((j) => expect(j).toBeLessThan(cols));
  const sum = result.assignment.reduce((acc, j, i) => (j >= 0 ? acc + cost[i]![j]! : acc), 0);
  expect(result.cost).toBeCloseTo(sum, 9);
}

describe('hungarian (min-cost assignment)', () => {
  it('solves the 3 x 3 textbook case', () => {
    // All 6 permutations (row i -> column p[i]):
    //   012: 4+0+2 = 6   021: 4+5+2 = 11   102: 1+2+2 = 5
    //   120: 1+5+3 = 9   201: 3+2+2 = 7    210: 3+0+3 = 6
    // The unique minimum is 5 with rows -> columns 1, 0, 2 (scipy's linear_sum_assignment example).
    const cost = [
      [4, 1, 3],
      [2, 0, 5],
      [3, 2, 2],
    ];
    expect(hungarian(cost)).toEqual({ assignment: [1, 0, 2], cost: 5 });
  });

  it('assigns every row when there are more columns than rows', () => {
    // Row 0 -> column 2 (1) and row 1 -> column 0 (1) give 2; every other choice costs at least 3.
    const cost = [
      [5, 4, 1, 7],
      [1, 6, 2, 9],
    ];
    expect(hungarian(cost)).toEqual({ assignment: [2, 0], cost: 2 });
  });

  it('uses every column and leaves the surplus rows at -1 when there are more rows than columns', () => {
    // Columns take rows 2 (1) and 0 (2); row 1 is left out: 3 is the minimum.
    const cost = [
      [2, 9],
      [8, 8],
      [9, 1],
    ];
    expect(hungarian(cost)).toEqual({ assignment: [0, -1, 1], cost: 3 });
  });

  it('handles negative costs (maximisation by negation)', () => {
    const score = [
      [7, 1],
      [6, 2],
    ];
    // Max score: 7 + 2 = 9 against 1 + 6 = 7.
    const result = hungarian(score.map((r) => r.map((v) => -v)));
    expect(result).toEqual({ assignment: [0, 1], cost: -9 });
  });

  it('matches brute force over all permutations on random square and rectangular matrices', () => {
    const rng = new Rng(20190405);
    for (let trial = 0; trial < 300; trial++) {
      const rows = 1 + rng.int(6);
      const cols = 1 + rng.int(6);
      const cost = randomMatrix(rng, rows, cols, trial % 2 === 0);
      const result = hungarian(cost);
      expectValidAssignment(cost, result);
      expect(result.cost).toBeCloseTo(bruteForceMinCost(cost), 9);
    }
  });

  it('recovers a planted optimal permutation in a 50 x 50 matrix', () => {
    // Planted cells cost < 1, every other cell >= 1: any deviation from the
    // plant swaps some cells < 1 for cells >= 1, so the plant is the unique optimum.
    const rng = new Rng(7);
    const n = 50;
    const plant = rng.permutation(n);
    const cost = Array.from({ length: n }, (_, i) => Array.from({ length: n }, (_, j) => (plant[i] === j ? rng.uniform() : 1 + rng.uniform() * 99)));
    const result = hungarian(cost);
    expect(result.assignment).toEqual(Array.from(plant));
    expectValidAssignment(cost, result);
  });

  it('agrees with an independent min-cost-flow solver on random 50 x 50 matrices', () => {
    const rng = new Rng(11);
    for (let trial = 0; trial < 2; trial++) {
      const cost = randomMatrix(rng, 50, 50, trial === 0);
      const result = hungarian(cost);
      expectValidAssignment(cost, result);
      expect(result.cost).toBeCloseTo(minCostFlowAssignment(cost), 8);
    }
  });

  it('rejects empty, ragged and non-finite matrices with a message naming the problem', () => {
    expect(() => hungarian([])).toThrow(/no rows/);
    expect(() => hungarian([[]])).toThrow(/no columns/);
    expect(() => hungarian([[1, 2], [3]])).toThrow(/row 1 has 1 columns, row 0 has 2/);
    expect(() =>
      hungarian([
        [1, 2],
        [3, Number.NaN],
      ]),
    ).toThrow(/cost\[1\]\[1\] = NaN is not finite/);
    expect(() => hungarian([[Infinity]])).toThrow(/not finite/);
  });
});

describe('clusteringAccuracy (ACC)', () => {
  it('ACC maps clusters to classes one-to-one with the Hungarian algorithm', () => {
    // Classes {3, 7, 9}, clusters {10, 20, 30}; contingency (rows = classes):
    //          10  20  30
    //    3  [   3   2   0 ]
    //    7  [   0   1   0 ]
    //    9  [   0   0   2 ]
    // A majority vote would send both 10 and 20 to class 3 (7/8 "right"), which
    // is not a one-to-one map. The best one-to-one map is 10->3, 20->7, 30->9:
    // 3 + 1 + 2 = 6 of 8 (the alternative 20->3, 10->7 gives 2 + 0 + 2 = 4).
    const yTrue = [3, 3, 3, 3, 3, 7, 9, 9];
    const yPred = [10, 10, 10, 20, 20, 20, 30, 30];
    const { acc, mapping } = clusteringAccuracy(yTrue, yPred);
    expect(acc).toBe(0.75);
    expect([...mapping.entries()].sort((a, b) => a[0] - b[0])).toEqual([
      [10, 3],
      [20, 7],
      [30, 9],
    ]);
  });

  it('is 1 for a relabelled perfect clustering', () => {
    const yTrue = [0, 0, 1, 1, 2, 2, 2];
    const yPred = [5, 5, 0, 0, 1, 1, 1];
    const { acc, mapping } = clusteringAccuracy(yTrue, yPred);
    expect(acc).toBe(1);
    expect(mapping).toEqual(
      new Map([
        [0, 1],
        [1, 2],
        [5, 0],
      ]),
    );
  });

  it('leaves surplus clusters unmapped (counted as errors) when there are more clusters than classes', () => {
    // class 0: cluster 0 x2, cluster 1 x1; class 1: cluster 2 x3.
    // Best: 0->0 (2) and 2->1 (3) = 5 of 6; cluster 1 maps to nothing.
    const { acc, mapping } = clusteringAccuracy([0, 0, 0, 1, 1, 1], [0, 0, 1, 2, 2, 2]);
    expect(acc).toBeCloseTo(5 / 6, 15);
    expect(mapping).toEqual(
      new Map([
        [0, 0],
        [2, 1],
      ]),
    );
  });

  it('leaves classes unmatched when there are fewer clusters than classes', () => {
    // class 0: cluster 0 x2; class 1: cluster 0 x1, cluster 1 x1; class 2: cluster 1 x2.
    // Best: 0->0 (2) and 1->2 (2) = 4 of 6.
    const { acc, mapping } = clusteringAccuracy([0, 0, 1, 1, 2, 2], [0, 0, 0, 1, 1, 1]);
    expect(acc).toBeCloseTo(4 / 6, 15);
    expect(mapping).toEqual(
      new Map([
        [0, 0],
        [1, 2],
      ]),
    );
  });

  it('equals the best accuracy over all one-to-one maps (brute force) on random labelings', () => {
    const rng = new Rng(3);
    for (let trial = 0; trial < 100; trial++) {
      const kTrue = 1 + rng.int(4);
      const kPred = 1 + rng.int(4);
      const n = 1 + rng.int(40);
      const yTrue = Array.from({ length: n }, () => rng.int(kTrue));
      const yPred = Array.from({ length: n }, () => rng.int(kPred));
      const { counts } = confusionMatrix(yTrue, yPred);
      const best = -bruteForceMinCost(counts.map((r) => r.map((v) => -v)));
      const { acc, mapping } = clusteringAccuracy(yTrue, yPred);
      expect(acc).toBeCloseTo(best / n, 12);
      const correct = yPred.filter((c, i) => mapping.get(c) === yTrue[i]).length;
      expect(correct / n).toBeCloseTo(acc, 12);
    }
  });

  it('accepts typed arrays', () => {
    expect(clusteringAccuracy(new Int32Array([0, 1, 1]), new Uint8Array([1, 0, 0])).acc).toBe(1);
  });
});

describe('normalizedMutualInfo (NMI, arithmetic normalisation)', () => {
  it('reproduces the scikit-learn documentation examples', () => {
    // Identical partitions, also under relabelling: MI = H = ln 2 -> 1.
    expect(normalizedMutualInfo([0, 0, 1, 1], [0, 0, 1, 1])).toBeCloseTo(1, 15);
    expect(normalizedMutualInfo([0, 0, 1, 1], [1, 1, 0, 0])).toBeCloseTo(1, 15);
    // Independent: all four cells hold 1, each term (1/4) ln(4 * 1 / (2 * 2)) = 0.
    expect(normalizedMutualInfo([0, 0, 1, 1], [0, 1, 0, 1])).toBe(0);
    // Classes completely split: H(true) = 0 so MI = 0 -> 0.
    expect(normalizedMutualInfo([0, 0, 0, 0], [0, 1, 2, 3])).toBe(0);
  });

  it('matches the hand-worked user-guide example [0,0,0,1,1,1] vs [0,0,1,1,2,2]', () => {
    // Cells (2,1 | 1,2), class sizes 3,3, cluster sizes 2,2,2, n = 6.
    // MI = 2 * (2/6) ln(6*2 / (3*2)) + 2 * (1/6) ln(6*1 / (3*2)) = (2/3) ln 2
    // H(true) = ln 2, H(pred) = ln 3; NMI = (2/3) ln 2 / ((ln 2 + ln 3) / 2) = (4/3) ln 2 / ln 6
    // = 0.5158037429793889 (scikit-learn's printed value).
    const nmi = normalizedMutualInfo([0, 0, 0, 1, 1, 1], [0, 0, 1, 1, 2, 2]);
    expect(nmi).toBeCloseTo(((4 / 3) * Math.LN2) / Math.log(6), 15);
    expect(nmi).toBeCloseTo(0.5158037429793889, 14);
  });

  it('matches a hand-worked asymmetric case', () => {
    // [0,0,1,1] vs [0,0,0,1]: cells (0,0)=2, (1,0)=1, (1,1)=1; sizes 2,2 and 3,1.
    // MI = (2/4) ln(4*2/(2*3)) + (1/4) ln(4*1/(2*3)) + (1/4) ln(4*1/(2*1))
    //    = 0.5 ln(4/3) + 0.25 ln(2/3) + 0.25 ln 2 = 0.75 ln(4/3)
    // H(true) = ln 2; H(pred) = 0.75 ln(4/3) + 0.25 ln 4 = 0.75 ln(4/3) + 0.5 ln 2
    // NMI = 1.5 ln(4/3) / (1.5 ln 2 + 0.75 ln(4/3)) = 0.34371101848545...
    const expected = (1.5 * Math.log(4 / 3)) / (1.5 * Math.LN2 + 0.75 * Math.log(4 / 3));
    expect(normalizedMutualInfo([0, 0, 1, 1], [0, 0, 0, 1])).toBeCloseTo(expected, 15);
    expect(expected).toBeCloseTo(0.3437110184854508, 15);
    // NMI is symmetric.
    expect(normalizedMutualInfo([0, 0, 0, 1], [0, 0, 1, 1])).toBeCloseTo(expected, 15);
  });

  it('defines the degenerate cases like scikit-learn: both single-cluster -> 1, one single-cluster -> 0', () => {
    expect(normalizedMutualInfo([4, 4, 4], [9, 9, 9])).toBe(1);
    expect(normalizedMutualInfo([0], [0])).toBe(1);
    expect(normalizedMutualInfo([0, 0, 1], [2, 2, 2])).toBe(0);
  });
});

describe('adjustedRandIndex (ARI)', () => {
  it('reproduces the scikit-learn documentation examples', () => {
    // [0,0,1,2] vs [0,0,1,1], pair counts: sum C(n_ij,2) = C(2,2) = 1; classes sizes 2,1,1 -> 1;
    // cluster sizes 2,2 -> 2; C(4,2) = 6. Expected index = 1*2/6 = 1/3, max = (1+2)/2 = 3/2.
    // ARI = (1 - 1/3) / (3/2 - 1/3) = (2/3) / (7/6) = 4/7. The published 0.5714285714285715
    // is one ulp above the correctly rounded 4/7 (older scikit-learn rounding).
    const ari = adjustedRandIndex([0, 0, 1, 2], [0, 0, 1, 1]);
    expect(ari).toBeCloseTo(4 / 7, 15);
    expect(ari).toBeCloseTo(0.5714285714285715, 15);
    expect(adjustedRandIndex([0, 0, 1, 1], [0, 0, 1, 1])).toBe(1);
    expect(adjustedRandIndex([0, 0, 1, 1], [1, 1, 0, 0])).toBe(1);
    // Classes completely split: tp = 0, tn = 0, fp = 0 -> numerator 0.
    expect(adjustedRandIndex([0, 0, 0, 0], [0, 1, 2, 3])).toBe(0);
  });

  it('matches the hand-worked user-guide example [0,0,0,1,1,1] vs [0,0,1,1,2,2] = 8/33', () => {
    // sum C(n_ij,2) = 1 + 1 = 2; class sizes 3,3 -> 3 + 3 = 6; cluster sizes 2,2,2 -> 3; C(6,2) = 15.
    // Expected = 6*3/15 = 1.2, max = (6+3)/2 = 4.5; ARI = 0.8 / 3.3 = 8/33 = 0.24242424242424243.
    expect(adjustedRandIndex([0, 0, 0, 1, 1, 1], [0, 0, 1, 1, 2, 2])).toBeCloseTo(8 / 33, 15);
  });

  it('is negative for worse-than-chance agreement', () => {
    // [0,0,1,1] vs [0,1,0,1] (ordered pairs): sum n_ij^2 = 4 -> tp = 0; fp = fn = 8 - 4 = 4;
    // tn = 16 - 4 - 4 - 4 = 4. ARI = 2(0*4 - 4*4) / ((0+4)(4+4) + (0+4)(4+4)) = -32/64 = -0.5.
    expect(adjustedRandIndex([0, 0, 1, 1], [0, 1, 0, 1])).toBe(-0.5);
  });

  it('is 1 when both labelings are a single cluster', () => {
    expect(adjustedRandIndex([1, 1, 1], [2, 2, 2])).toBe(1);
  });

  it('agrees with the Hubert-Arabie pair-counting formula on random labelings, large n included', () => {
    const rng = new Rng(5);
    const choose2 = (x: number): number => (x * (x - 1)) / 2;
    for (const n of [10, 57, 1000, 100_000]) {
      const yTrue = Array.from({ length: n }, () => rng.int(3));
      // Half agree with the truth, half random: an ARI well inside (0, 1).
      const yPred = yTrue.map((c) => (rng.uniform() < 0.5 ? c : rng.int(4)));
      const { counts } = confusionMatrix(yTrue, yPred);
      const index = counts.flat().reduce((s, v) => s + choose2(v), 0);
      const a = counts.map((r) => r.reduce((s, v) => s + v, 0)).reduce((s, v) => s + choose2(v), 0);
      const b = counts[0]!.map((_, j) => counts.reduce((s, r) => s + r[j]!, 0)).reduce((s, v) => s + choose2(v), 0);
      const expected = (a * b) / choose2(n);
      const reference = (index - expected) / ((a + b) / 2 - expected);
      expect(adjustedRandIndex(yTrue, yPred)).toBeCloseTo(reference, 12);
    }
  });
});

describe('confusionMatrix', () => {
  it('puts true classes on rows and clusters on columns, in sorted label order', () => {
    const cm = confusionMatrix([7, 7, 2, 2, 2], [1, 0, 0, 0, 5]);
    expect(cm).toEqual({
      trueLabels: [2, 7],
      predLabels: [0, 1, 5],
      counts: [
        [2, 0, 1],
        [1, 1, 0],
      ],
    });
  });
});

describe('perClassScores', () => {
  it('computes precision, recall, F1 and support per class', () => {
    // class 0: tp 2, predicted 2, support 3 -> P 1, R 2/3, F1 = 2*(2/3)/(5/3) = 0.8
    // class 1: tp 2, predicted 3, support 2 -> P 2/3, R 1, F1 = 0.8
    const scores = perClassScores([0, 0, 0, 1, 1], [0, 0, 1, 1, 1]);
    expect(scores).toHaveLength(2);
    expect(scores[0]!.label).toBe(0);
    expect(scores[0]!.precision).toBe(1);
    expect(scores[0]!.recall).toBeCloseTo(2 / 3, 15);
    expect(scores[0]!.f1).toBeCloseTo(0.8, 15);
    expect(scores[0]!.support).toBe(3);
    expect(scores[1]!.label).toBe(1);
    expect(scores[1]!.precision).toBeCloseTo(2 / 3, 15);
    expect(scores[1]!.recall).toBe(1);
    expect(scores[1]!.f1).toBeCloseTo(0.8, 15);
    expect(scores[1]!.support).toBe(2);
  });

  it('scores 0 (not NaN) for a class never predicted or a label never true', () => {
    // Class 1 is never predicted; label 2 is predicted but never true.
    const scores = perClassScores([0, 1, 1], [0, 2, 0]);
    expect(scores.map((s) => s.label)).toEqual([0, 1, 2]);
    expect(scores[0]).toEqual({ label: 0, precision: 0.5, recall: 1, f1: 2 / 3, support: 1 });
    expect(scores[1]).toEqual({ label: 1, precision: 0, recall: 0, f1: 0, support: 2 });
    expect(scores[2]).toEqual({ label: 2, precision: 0, recall: 0, f1: 0, support: 0 });
  });
});

describe('label validation', () => {
  const fns = { clusteringAccuracy, normalizedMutualInfo, adjustedRandIndex, confusionMatrix, perClassScores };
  for (const [name, fn] of Object.entries(fns)) {
    it(`${name} rejects unequal lengths, empty input and labels that are not non-negative integers`, () => {
      expect(() => fn([0, 1], [0])).toThrow(new RegExp(`${name}: yTrue and yPred differ in length \\(2 vs 1\\)`));
      expect(() => fn([], [])).toThrow(/no samples/);
      expect(() => fn([0, -1], [0, 0])).toThrow(/yTrue\[1\] = -1 is not a non-negative integer label/);
      expect(() => fn([0, 1], [0.5, 0])).toThrow(/yPred\[0\] = 0.5 is not/);
      expect(() => fn([0, Number.NaN], [0, 0])).toThrow(/yTrue\[1\] = NaN/);
    });
  }
});
