import { describe, expect, it } from 'vitest';
import { chooseByConsensus, chooseBySilhouette, restartSeed } from '../../src/cluster/selection.js';
import { Rng } from '../../src/tensor/random.js';

/** n records of d values: the first half scattered about -1, the second about +1. */
function twoGroups(n: number, d: number, seed: number): Float32Array {
  const rng = new Rng(seed);
  const x = new Float32Array(n * d);
  for (let i = 0; i < n; i++) for (let c = 0; c < d; c++) x[i * d + c] = (i < n / 2 ? -1 : 1) + 0.3 * rng.normal();
  return x;
}

describe('choosing a restart without labels', () => {
  it('keeps the clustering the other restarts agree with, whatever its cluster numbering', () => {
    const split = [0, 0, 0, 0, 1, 1, 1, 1];
    const renamed = [1, 1, 1, 1, 0, 0, 0, 0];
    const nearly = [0, 0, 0, 1, 1, 1, 1, 1];
    const other = [0, 1, 0, 1, 0, 1, 0, 1];
    const choice = chooseByConsensus([other, nearly, split, renamed]);
    expect(choice.chosen).toBe(2);
    expect(choice.scores[2]).toBeGreaterThan(choice.scores[0]!);
    expect(choice.scores[2]).toBeCloseTo(choice.scores[3]!, 12);
  });

  it('a tie goes to the earlier restart; a single restart is kept', () => {
    expect(
      chooseByConsensus([
        [0, 0, 1, 1],
        [0, 1, 0, 1],
      ]).chosen,
    ).toBe(0);
    expect(chooseByConsensus([[0, 1]])).toEqual({ rule: 'consensus', chosen: 0, scores: [1], passedOver: [] });
    expect(() => chooseByConsensus([])).toThrow(/no restarts/);
    expect(() => chooseBySilhouette(new Float32Array(4), 2, 2, [])).toThrow(/no restarts/);
  });

  it('silhouette keeps the restart whose clusters separate the inputs, not one that the other restarts share', () => {
    const n = 40;
    const x = twoGroups(n, 6, 1);
    const halves = Array.from({ length: n }, (_, i) => (i < n / 2 ? 0 : 1));
    // A split across both groups (every other record), made twice: consensus would keep it.
    const across = Array.from({ length: n }, (_, i) => i % 2);
    const choice = chooseBySilhouette(x, 6, 2, [across, halves, across]);
    expect(choice.rule).toBe('silhouette');
    expect(choice.chosen).toBe(1);
    expect(choice.scores[1]).toBeGreaterThan(0.5);
    expect(choice.scores[0]).toBeLessThan(0.1);
    expect(chooseByConsensus([across, halves, across]).chosen).toBe(0);
  });

  it('silhouette passes over a run that split off a lone outlier, however high its score, unless every run did', () => {
    const n = 60;
    const x = twoGroups(n, 3, 4);
    // One record far from everything: alone in a cluster, it leaves every other record's nearest other cluster far away.
    x.set([40, 40, 40], 0);
    const halves = Array.from({ length: n }, (_, i) => (i < n / 2 ? 0 : 1));
    const outlier = Array.from({ length: n }, (_, i) => (i === 0 ? 1 : 0));
    const choice = chooseBySilhouette(x, 3, 2, [outlier, halves]);
    expect(choice.scores[0]).toBeGreaterThan(choice.scores[1]!);
    expect(choice.passedOver).toEqual([0]);
    expect(choice.chosen).toBe(1);
    expect(chooseBySilhouette(x, 3, 2, [outlier, outlier])).toMatchObject({ chosen: 0, passedOver: [] });
  });

  it('silhouette on a seeded sample of a large set scores the same clustering the same way, and still finds the separating one', () => {
    const n = 300;
    const x = twoGroups(n, 4, 2);
    const halves = Array.from({ length: n }, (_, i) => (i < n / 2 ? 0 : 1));
    const across = Array.from({ length: n }, (_, i) => i % 2);
    const a = chooseBySilhouette(x, 4, 2, [across, halves], { sample: 50, seed: 3 });
    const b = chooseBySilhouette(x, 4, 2, [across, halves], { sample: 50, seed: 3 });
    expect(a).toEqual(b);
    expect(a.chosen).toBe(1);
    expect(() => chooseBySilhouette(x, 4, 2, [halves.slice(1)])).toThrow(/do not match/);
  });

  it('restart 0 is the run itself; the others do not collide with neighbouring seeds', () => {
    expect(restartSeed(3, 0)).toBe(3);
    const seeds = [0, 1, 2, 3, 4].flatMap((s) => [0, 1, 2].map((r) => restartSeed(s, r)));
    expect(new Set(seeds).size).toBe(seeds.length);
  });
});
