import { SNR_BIN_LABELS, snrBin } from '../data/signal/snr.js';
import {
  adjustedRandIndex,
  clusteringAccuracy,
  confusionMatrix,
  normalizedMutualInfo,
  perClassScores,
  type ClassScore,
  type ConfusionMatrix,
} from './metrics.js';

/** Accuracy of the records whose SNR falls in one bin (the paper's Fig. S2). */
export interface SnrBinScore {
  readonly bin: string;
  readonly count: number;
  /** Fraction whose cluster maps (by the global Hungarian map) to their class; null for an empty bin. */
  readonly acc: number | null;
}

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
  /** Only when SNR values were given. */
  readonly bySnr?: readonly SnrBinScore[];
}

/**
 * Scores clusters against classes: ACC with its Hungarian map, NMI, ARI,
 * per-class scores of the mapped clusters, the confusion matrix (classes x
 * clusters) and, given each record's SNR, accuracy per SNR bin. Records with
 * an unknown SNR (null or NaN) are left out of the bins only.
 */
export function evaluateClusters(labels: ArrayLike<number>, clusters: ArrayLike<number>, snr?: ArrayLike<number | null>): Evaluation {
  const { acc, mapping } = clusteringAccuracy(labels, clusters);
  // A cluster left unmatched (more clusters than classes) maps to no class: -1.
  const mapped = Array.from(clusters, (c) => mapping.get(c) ?? -1);
  const scored = mapped.every((m) => m >= 0) ? mapped : mapped.map((m) => (m < 0 ? Number.MAX_SAFE_INTEGER : m));
  const perClass = perClassScores(labels, scored).filter((s) => s.label !== Number.MAX_SAFE_INTEGER);
  let bySnr: SnrBinScore[] | undefined;
  if (snr !== undefined) {
    if (snr.length !== labels.length) throw new Error(`evaluateClusters: ${snr.length} SNR values for ${labels.length} records`);
    const hits = new Array<number>(SNR_BIN_LABELS.length).fill(0);
    const counts = new Array<number>(SNR_BIN_LABELS.length).fill(0);
    for (let i = 0; i < labels.length; i++) {
      const s = snr[i];
      if (s === null || s === undefined || !(s >= 0)) continue;
      const b = snrBin(s);
      counts[b]!++;
      if (mapped[i] === labels[i]) hits[b]!++;
    }
    bySnr = SNR_BIN_LABELS.map((bin, b) => ({ bin, count: counts[b]!, acc: counts[b]! > 0 ? hits[b]! / counts[b]! : null }));
  }
  return {
    n: labels.length,
    acc,
    nmi: normalizedMutualInfo(labels, clusters),
    ari: adjustedRandIndex(labels, clusters),
    mapping: [...mapping.entries()].sort((a, b) => a[0] - b[0]),
    perClass,
    confusion: confusionMatrix(labels, clusters),
    ...(bySnr && { bySnr }),
  };
}
