import { describe, expect, it } from 'vitest';
import { compareReadOuts, jointVote, nearestNeighbours, neighbourVote, readOut } from '../../src/cluster/neighbour-labels.js';

/** Records on a line: points 0, 1, 3, 6, 10 (one value each). */
const line = [0, 1, 3, 6, 10];
const all = (): boolean => true;

describe('nearestNeighbours', () => {
  it('lists the nearest other records, nearest first, with their distances', () => {
    const { k, index, distance } = nearestNeighbours(line, 1, all, 2);
    expect(k).toBe(2);
    // Record 2 (at 3) has records 0 and 3 both 3 away: the smaller index comes first.
    expect([...index]).toEqual([1, 2, 0, 2, 1, 0, 2, 4, 3, 2]);
    expect([...distance]).toEqual([1, 3, 1, 2, 2, 3, 3, 4, 4, 7]);
  });

  it('breaks a tie in distance towards the smaller index', () => {
    // Records 0 and 2 lie at distance 1 from record 1, in either order of the points.
    expect([...nearestNeighbours([0, 1, 2], 1, all, 1).index]).toEqual([1, 0, 1]);
    expect([...nearestNeighbours([2, 1, 0], 1, all, 1).index]).toEqual([1, 0, 1]);
  });

  it('searches and lists only the candidates, and never more neighbours than there are', () => {
    const { k, index, distance } = nearestNeighbours(line, 1, (i) => i !== 1, 5);
    expect(k).toBe(3);
    expect([...index.subarray(3, 6)]).toEqual([-1, -1, -1]);
    expect(distance[3]).toBe(Number.POSITIVE_INFINITY);
    expect([...index.subarray(0, 3)]).toEqual([2, 3, 4]);
  });

  it('measures Euclidean distance over all the values of a row', () => {
    const { distance } = nearestNeighbours([0, 0, 3, 4], 2, all, 1);
    expect([...distance]).toEqual([5, 5]);
  });
});

describe('neighbourVote', () => {
  // Each record's 4 nearest of 10 records on a line: 0-4 carry class 0, 5-9 class 1.
  const points = Array.from({ length: 10 }, (_, i) => i);
  const labels = points.map((i) => (i < 5 ? 0 : 1));
  const neighbours = nearestNeighbours(points, 1, all, 4);

  it('gives the class most neighbours carry and the fraction that carry it', () => {
    const { vote, share } = neighbourVote(neighbours, labels);
    expect(vote[0]).toBe(0);
    expect(share[0]).toBe(1);
    // Record 4's neighbours 3, 5, 2, 6: two of each; the tie goes to the smaller class.
    expect(vote[4]).toBe(0);
    expect(share[4]).toBe(0.5);
    expect(vote[9]).toBe(1);
  });

  it('reads only the first k of each list', () => {
    // Record 4's nearest two are 3 and 5, one of each; record 6's nearest two, 5 and 7, both class 1.
    const { share, vote } = neighbourVote(neighbours, labels, 2);
    expect(share[4]).toBe(0.5);
    expect(vote[6]).toBe(1);
    expect(share[6]).toBe(1);
  });

  it('neither counts nor gives a vote to unlabelled records', () => {
    const some = labels.map((l, i) => (i === 3 || i === 8 ? -1 : l));
    const { vote, share } = neighbourVote(neighbours, some);
    expect(vote[3]).toBe(-1);
    expect(share[3]).toBe(0);
    // Record 4's neighbours 3 (unlabelled), 5, 2, 6: of the three that carry a label, two say class 1.
    expect(vote[4]).toBe(1);
    expect(share[4]).toBeCloseTo(2 / 3, 12);
  });

  it('with several witnesses, averages the shares each gives a class', () => {
    // Record 6 by its 4 nearest (5, 7, 4, 8): class 1 three times in four; by its 2 nearest (5, 7): always.
    const { vote, share } = jointVote(
      [
        { neighbours, k: 4 },
        { neighbours, k: 2 },
      ],
      labels,
    );
    expect(vote[6]).toBe(1);
    expect(share[6]).toBeCloseTo((0.75 + 1) / 2, 12);
  });

  it('leaves a witness without a labelled neighbour of the record out of the mean', () => {
    // Record 4's nearest (3) is unlabelled, so the 1-neighbour witness says nothing; the 4-neighbour one says class 1, two in three.
    const some = labels.map((l, i) => (i === 3 ? -1 : l));
    const { vote, share } = jointVote(
      [
        { neighbours, k: 4 },
        { neighbours, k: 1 },
      ],
      some,
    );
    expect(vote[4]).toBe(1);
    expect(share[4]).toBeCloseTo(2 / 3, 12);
  });
});

describe('readOut', () => {
  const voteOf = (witnesses: Parameters<typeof jointVote>[0], given: readonly number[]) => jointVote(witnesses, given).vote;
  // The 10 records on a line again, 0-4 class 0 and 5-9 class 1, each with its 4 nearest.
  const points = Array.from({ length: 10 }, (_, i) => i);
  const labels = points.map((i) => (i < 5 ? 0 : 1));
  const neighbours = nearestNeighbours(points, 1, all, 4);

  it("is the share of labelled records whose neighbours' vote is their own label", () => {
    const flipped = labels.map((l, i) => (i === 2 ? 1 : l));
    // Only record 5 is misread: its neighbours 4, 6, 3, 7 are two of each, and the tie goes to class 0.
    expect(readOut(voteOf([{ neighbours, k: 4 }], labels), labels)).toBe(0.9);
    // Record 2's label flipped: it is misread (its neighbours are class 0), and so is record 4, whose neighbours 3, 5, 2, 6 now say class 1.
    expect(readOut(voteOf([{ neighbours, k: 4 }], flipped), flipped)).toBeCloseTo(0.7, 12);
  });

  it('compares two sets of witnesses by a sign test over the records they read differently', () => {
    // A second view with records 0 and 9 swapped end for end: each sits among the other class and is misread there,
    // and record 5 is misread by both. Only the first view is right on two records, the second alone on none: z = 2 / √2.
    const four = { neighbours, k: 4 };
    const swapped = { neighbours: nearestNeighbours([9, 1, 2, 3, 4, 5, 6, 7, 8, 0], 1, all, 4), k: 4 };
    const contrast = compareReadOuts(voteOf([four], labels), voteOf([swapped], labels), labels);
    expect(contrast.first).toBe(0.9);
    expect(contrast.second).toBeCloseTo(0.7, 12);
    expect(contrast.z).toBeCloseTo(Math.SQRT2, 12);
    // The other way round the sign turns; a witness against itself has nothing to weigh.
    expect(compareReadOuts(voteOf([swapped], labels), voteOf([four], labels), labels).z).toBeCloseTo(-Math.SQRT2, 12);
    expect(compareReadOuts(voteOf([four], labels), voteOf([four], labels), labels).z).toBe(0);
    // Together the two views split evenly on records 0 and 9, and the tie goes to class 0: record 0 is read again, 9 is not.
    expect(compareReadOuts(voteOf([four], labels), voteOf([four, swapped], labels), labels)).toEqual({ first: 0.9, second: 0.8, z: 1 });
  });

  it('counts neither unlabelled records nor their votes, and a witness that reads nothing reads 0', () => {
    const ninthUnlabelled = labels.map((l, i) => (i === 9 ? -1 : l));
    const none = labels.map(() => -1);
    // Record 9 unlabelled: of the 9 labelled, record 5 is still misread.
    expect(readOut(voteOf([{ neighbours, k: 4 }], ninthUnlabelled), ninthUnlabelled)).toBeCloseTo(8 / 9, 12);
    expect(readOut(voteOf([{ neighbours, k: 4 }], none), none)).toBe(0);
  });
});
