/**
 * Label noise made on purpose, to measure a label check: flip a seeded
 * fraction of the labels, then score the records the check flags against
 * the flipped ones. An evaluation tool; it never touches training.
 */
import { Rng } from '../tensor/random.js';

export interface FlippedLabels {
  /** The labels with the flipped ones changed; -1 (unlabelled) stays -1. */
  readonly labels: Int32Array;
  /** Indices of the flipped records, ascending. */
  readonly flipped: Int32Array;
}

/**
 * Flips round(fraction × labelled records) labels, chosen by a seeded
 * permutation of the labelled records, each to another class drawn
 * uniformly from the other `classes - 1` (with two classes: the other one).
 */
export function flipLabels(labels: ArrayLike<number>, classes: number, fraction: number, seed: number): FlippedLabels {
  if (!(Number.isInteger(classes) && classes >= 2)) throw new Error(`flipLabels: needs at least 2 classes, got ${classes}`);
  if (!(fraction >= 0 && fraction <= 1)) throw new Error(`flipLabels: fraction must be in [0, 1], got ${fraction}`);
  const out = Int32Array.from(labels);
  const labelled = Int32Array.from(out.keys()).filter((i) => out[i]! >= 0);
  for (const i of labelled) if (out[i]! >= classes) throw new Error(`flipLabels: record ${i} has class ${out[i]}, beyond the ${classes} classes`);
  const rng = new Rng(seed);
  const order = rng.permutation(labelled.length);
  const flipped = Int32Array.from(order.subarray(0, Math.round(fraction * labelled.length)), (j) => labelled[j]!).sort();
  for (const i of flipped) {
    // One draw among the other classes: skip over the record's own.
    const other = rng.int(classes - 1);
    out[i] = other >= out[i]! ? other + 1 : other;
  }
  return { labels: out, flipped };
}

/** How well flagged records find the flipped ones. */
export interface FlagScore {
  readonly flagged: number;
  readonly flipped: number;
  /** Flagged records that were flipped. */
  readonly found: number;
  /** found / flagged; null when nothing was flagged. */
  readonly precision: number | null;
  /** found / flipped; null when nothing was flipped. */
  readonly recall: number | null;
}

/** Precision and recall of the flagged records against the flipped ones. */
export function scoreFlags(flagged: Iterable<number>, flipped: Iterable<number>): FlagScore {
  const wrong = new Set(flipped);
  const marked = new Set(flagged);
  let found = 0;
  for (const i of marked) if (wrong.has(i)) found++;
  return {
    flagged: marked.size,
    flipped: wrong.size,
    found,
    precision: marked.size > 0 ? found / marked.size : null,
    recall: wrong.size > 0 ? found / wrong.size : null,
  };
}

/** A label check measured on labels flipped on purpose. */
export interface FlipCheck extends FlagScore {
  readonly fraction: number;
  readonly seed: number;
  /**
   * Flipped records whose original label agrees with their cluster's class:
   * the most a check by clusters can find, since a flipped record the model
   * put in the wrong cluster agrees with its cluster after the flip.
   */
  readonly findable: number;
}

/**
 * `scoreFlags`, with how many flipped records were findable: `original` are
 * the labels before flipping, `labelMap` each cluster's class.
 */
export function checkFlips(
  flagged: Iterable<number>,
  flips: FlippedLabels & { readonly fraction: number; readonly seed: number },
  original: ArrayLike<number>,
  clusters: ArrayLike<number>,
  labelMap: ArrayLike<number>,
): FlipCheck {
  const findable = Array.from(flips.flipped).filter((i) => original[i] === labelMap[clusters[i]!]).length;
  return { fraction: flips.fraction, seed: flips.seed, ...scoreFlags(flagged, flips.flipped), findable };
}
