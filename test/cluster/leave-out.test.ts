import { describe, expect, it } from 'vitest';
import { heldOutScore, leaveOneGroupOutSplits, trainingClusterMap } from '../../src/cluster/leave-out.js';

describe('leaveOneGroupOutSplits', () => {
  const groups = ['chile', 'ncedc', 'chile', null, 'alaska', 'ncedc', 'chile'];

  it('holds out each group once, trains on every other group, and never on a held-out record', () => {
    const splits = leaveOneGroupOutSplits(groups);
    expect(splits.map((s) => s.group)).toEqual(['chile', 'ncedc', 'alaska']);
    for (const s of splits) {
      expect([...s.test].every((i) => groups[i] === s.group)).toBe(true);
      expect([...s.train].every((i) => groups[i] !== s.group)).toBe(true);
      expect([...s.train].filter((i) => s.test.includes(i))).toEqual([]);
    }
    expect([...splits[0]!.test]).toEqual([0, 2, 6]);
    expect([...splits[0]!.train]).toEqual([1, 4, 5]);
  });

  it('a record without a group is neither trained on nor scored', () => {
    for (const s of leaveOneGroupOutSplits(groups)) {
      expect(s.train.includes(3)).toBe(false);
      expect(s.test.includes(3)).toBe(false);
    }
  });
});

describe('trainingClusterMap and heldOutScore', () => {
  it('the map comes from the training records alone, even where the held-out labels would flip it', () => {
    // Training: cluster 0 holds class 0, cluster 1 holds class 1.
    const trainLabels = [0, 0, 0, 1, 1, 1];
    const trainClusters = [0, 0, 0, 1, 1, 1];
    // Held out: 8 records whose labels say the opposite; a map fitted with them would be 0 -> 1, 1 -> 0.
    const testLabels = [1, 1, 1, 1, 0, 0, 0, 0];
    const testClusters = [0, 0, 0, 0, 1, 1, 1, 1];
    const map = trainingClusterMap(trainLabels, trainClusters);
    expect([...map.entries()].sort()).toEqual([
      [0, 0],
      [1, 1],
    ]);
    expect(heldOutScore(map, testLabels, testClusters)).toEqual({ hits: 0, scored: 8 });
    // Pooled together, the majority would flip the map and claim the held-out group is perfect.
    const pooled = trainingClusterMap([...trainLabels, ...testLabels], [...trainClusters, ...testClusters]);
    expect(heldOutScore(pooled, testLabels, testClusters)).toEqual({ hits: 8, scored: 8 });
  });

  it('unlabelled training records take no part in the map; unlabelled held-out records are not scored', () => {
    const map = trainingClusterMap([0, -1, 1, -1], [1, 1, 0, 0]);
    expect(map.get(1)).toBe(0);
    expect(map.get(0)).toBe(1);
    expect(heldOutScore(map, [0, -1, 1], [1, 0, 1])).toEqual({ hits: 1, scored: 2 });
  });

  it('a held-out cluster the training map lacks counts as wrong', () => {
    // Training holds one class only, so one cluster maps to nothing.
    const map = trainingClusterMap([0, 0, 0], [0, 0, 1]);
    expect(map.size).toBe(1);
    expect(heldOutScore(map, [0, 0], [0, 1])).toEqual({ hits: 1, scored: 2 });
  });

  it('a training set without any label is an error, not a silent zero', () => {
    expect(() => trainingClusterMap([-1, -1], [0, 1])).toThrow(/no labelled training record/);
  });
});
