import { describe, expect, it } from 'vitest';
import { checkFlips, flipLabels, scoreFlags } from '../../src/cluster/label-noise.js';

/** 200 records, classes 0 and 1 alternating, every tenth unlabelled. */
const labels = Array.from({ length: 200 }, (_, i) => (i % 10 === 9 ? -1 : i % 2));
const labelled = labels.filter((l) => l >= 0).length;

describe('flipLabels', () => {
  it('flips the stated fraction of the labelled records to the other class, and nothing else', () => {
    const { labels: out, flipped } = flipLabels(labels, 2, 0.05, 1);
    expect(flipped.length).toBe(Math.round(0.05 * labelled));
    const changed = labels.flatMap((l, i) => (out[i] !== l ? [i] : []));
    expect(changed).toEqual([...flipped]);
    for (const i of flipped) expect(out[i]).toBe(1 - labels[i]!);
  });

  it('is seeded: one seed gives the same flips, another seed others', () => {
    const a = flipLabels(labels, 2, 0.1, 7);
    expect(flipLabels(labels, 2, 0.1, 7)).toEqual(a);
    expect([...flipLabels(labels, 2, 0.1, 8).flipped]).not.toEqual([...a.flipped]);
  });

  it('never flips an unlabelled record', () => {
    const { labels: out, flipped } = flipLabels(labels, 2, 1, 3);
    expect(flipped.length).toBe(labelled);
    labels.forEach((l, i) => {
      if (l < 0) expect(out[i]).toBe(-1);
    });
  });

  it('with three classes, moves each flipped record to one of the other two', () => {
    const three = Array.from({ length: 300 }, (_, i) => i % 3);
    const { labels: out, flipped } = flipLabels(three, 3, 0.5, 5);
    for (const i of flipped) {
      expect(out[i]).not.toBe(three[i]);
      expect([0, 1, 2]).toContain(out[i]);
    }
    // Both other classes are drawn.
    expect(new Set([...flipped].map((i) => (out[i]! - three[i]! + 3) % 3)).size).toBe(2);
  });

  it('refuses one class, a fraction outside [0, 1] and a label beyond the classes', () => {
    expect(() => flipLabels(labels, 1, 0.05, 0)).toThrow(/at least 2 classes/);
    expect(() => flipLabels(labels, 2, 1.5, 0)).toThrow(/fraction/);
    expect(() => flipLabels([0, 2], 2, 0.5, 0)).toThrow(/record 1 has class 2/);
  });
});

describe('scoreFlags', () => {
  it('gives precision over the flagged and recall over the flipped', () => {
    expect(scoreFlags([1, 2, 3, 4], [2, 4, 6, 8, 10])).toEqual({ flagged: 4, flipped: 5, found: 2, precision: 0.5, recall: 0.4 });
  });

  it('has no precision when nothing is flagged and no recall when nothing was flipped', () => {
    expect(scoreFlags([], [1])).toMatchObject({ precision: null, recall: 0 });
    expect(scoreFlags([1], [])).toMatchObject({ precision: 0, recall: null });
  });
});

describe('checkFlips', () => {
  it("counts as findable only the flipped records whose original label is their cluster's class", () => {
    // Clusters 0 and 1 stand for classes 0 and 1; records 2 and 3 were flipped, and record 3 sat in the wrong cluster before the flip.
    const original = [0, 0, 0, 1];
    const clusters = [0, 0, 0, 0];
    const flips = { labels: Int32Array.from([0, 0, 1, 0]), flipped: Int32Array.from([2, 3]), fraction: 0.5, seed: 9 };
    expect(checkFlips([2], flips, original, clusters, [0, 1])).toEqual({
      fraction: 0.5,
      seed: 9,
      flagged: 1,
      flipped: 2,
      found: 1,
      precision: 1,
      recall: 0.5,
      findable: 1,
    });
  });
});
