import {
  adjustedRandIndex,
  clusteringAccuracy,
  confusionMatrix,
  normalizedMutualInfo,
  perClassScores,
  type ClassScore,
  type ConfusionMatrix,
} from './metrics.js';

/** Everything `evaluate` reports about clusters against known classes. */
export interface Evaluation {
  readonly n: number;
  readonly acc: number;
  readonly nmi: number;
  readonly ari: number;
  /** Cluster -> class, one-to-one (Hungarian), as [cluster, class] pairs. */
  readonly mapping: readonly (readonly [number, number])[];
  /** Precision / recall / F1 per class, with clusters mapped to classes. */
  readonly perClass: readonly ClassScore[];
  readonly confusion: ConfusionMatrix;
}

/**
 * Scores clusters against classes: ACC with its Hungarian map, NMI, ARI,
 * per-class scores of the mapped clusters and the confusion matrix (classes
 * x clusters). Accuracy per SNR bin, which needs the data layer's bins, is
 * the pipeline's (src/pipeline/evaluation.ts).
 */
export function evaluateClusters(labels: ArrayLike<number>, clusters: ArrayLike<number>): Evaluation {
  const { acc, mapping } = clusteringAccuracy(labels, clusters);
  // A cluster left unmatched (more clusters than classes) maps to no class: -1.
  const mapped = Array.from(clusters, (c) => mapping.get(c) ?? -1);
  const scored = mapped.every((m) => m >= 0) ? mapped : mapped.map((m) => (m < 0 ? Number.MAX_SAFE_INTEGER : m));
  const perClass = perClassScores(labels, scored).filter((s) => s.label !== Number.MAX_SAFE_INTEGER);
  return {
    n: labels.length,
    acc,
    nmi: normalizedMutualInfo(labels, clusters),
    ari: adjustedRandIndex(labels, clusters),
    mapping: [...mapping.entries()].sort((a, b) => a[0] - b[0]),
    perClass,
    confusion: confusionMatrix(labels, clusters),
  };
}
