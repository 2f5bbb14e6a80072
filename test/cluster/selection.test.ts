import { describe, expect, it } from 'vitest';
import { chooseByConsensus, restartSeed } from '../../src/cluster/selection.js';

describe('choosing a restart without labels', () => {
  it('keeps the clustering the other restarts agree with, whatever its cluster numbering', () => {
    const split = [0, 0, 0, 0, 1, 1, 1, 1];
    const renamed = [1, 1, 1, 1, 0, 0, 0, 0];
    const nearly = [0, 0, 0, 1, 1, 1, 1, 1];
    const other = [0, 1, 0, 1, 0, 1, 0, 1];
    const choice = chooseByConsensus([other, nearly, split, renamed]);
    expect(choice.chosen).toBe(2);
    expect(choice.agreement[2]).toBeGreaterThan(choice.agreement[0]!);
    expect(choice.agreement[2]).toBeCloseTo(choice.agreement[3]!, 12);
  });

  it('a tie goes to the earlier restart; a single restart is kept', () => {
    expect(
      chooseByConsensus([
        [0, 0, 1, 1],
        [0, 1, 0, 1],
      ]).chosen,
    ).toBe(0);
    expect(chooseByConsensus([[0, 1]])).toEqual({ chosen: 0, agreement: [1] });
    expect(() => chooseByConsensus([])).toThrow(/no restarts/);
  });

  it('restart 0 is the run itself; the others do not collide with neighbouring seeds', () => {
    expect(restartSeed(3, 0)).toBe(3);
    const seeds = [0, 1, 2, 3, 4].flatMap((s) => [0, 1, 2].map((r) => restartSeed(s, r)));
    expect(new Set(seeds).size).toBe(seeds.length);
  });
});
