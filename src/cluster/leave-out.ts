/**
 * Leave-one-group-out: how well does a clustering trained without an event,
 * a network or a data set sort that group's records? Each group is held out
 * in turn; the model is trained on the others, the held-out records are
 * assigned by the trained encoder and clustering layer, and clusters become
 * classes through a map fitted on the training records alone, so nothing of
 * the held-out group (records or labels) reaches training or the map.
 */
import { clusteringAccuracy } from './metrics.js';

/** One fold: the group held out, the records trained on and the records scored. */
export interface HeldOutSplit {
  readonly group: string;
  /** Indices of the records of every other group. */
  readonly train: Int32Array;
  /** Indices of the group's records. */
  readonly test: Int32Array;
}

/**
 * One fold per group, in order of first appearance. Records without a value
 * (null) belong to no group: they are neither trained on nor scored.
 */
export function leaveOneGroupOutSplits(groups: readonly (string | null)[]): HeldOutSplit[] {
  const names = [...new Set(groups.filter((g): g is string => g !== null))];
  return names.map((group) => {
    const train: number[] = [];
    const test: number[] = [];
    groups.forEach((g, i) => {
      if (g === group) test.push(i);
      else if (g !== null) train.push(i);
    });
    return { group, train: Int32Array.from(train), test: Int32Array.from(test) };
  });
}

/**
 * Cluster -> class by the Hungarian algorithm over the training records with
 * a label (-1 = unknown): `labels` and `clusters` are the training records'
 * own, nothing else is seen.
 */
export function trainingClusterMap(labels: ArrayLike<number>, clusters: ArrayLike<number>): Map<number, number> {
  if (labels.length !== clusters.length) throw new Error(`trainingClusterMap: ${labels.length} labels for ${clusters.length} records`);
  const known = Array.from({ length: labels.length }, (_, i) => i).filter((i) => labels[i]! >= 0);
  if (known.length === 0) throw new Error('trainingClusterMap: no labelled training record to fit the map on');
  return clusteringAccuracy(
    known.map((i) => labels[i]!),
    known.map((i) => clusters[i]!),
  ).mapping;
}

/** Held-out records whose cluster maps to their class, among those with a label; a cluster the map lacks counts as wrong. */
export interface HeldOutScore {
  readonly hits: number;
  readonly scored: number;
}

export function heldOutScore(map: ReadonlyMap<number, number>, labels: ArrayLike<number>, clusters: ArrayLike<number>): HeldOutScore {
  if (labels.length !== clusters.length) throw new Error(`heldOutScore: ${labels.length} labels for ${clusters.length} records`);
  let hits = 0;
  let scored = 0;
  for (let i = 0; i < labels.length; i++) {
    if (labels[i]! < 0) continue;
    scored++;
    if (map.get(clusters[i]!) === labels[i]) hits++;
  }
  return { hits, scored };
}
