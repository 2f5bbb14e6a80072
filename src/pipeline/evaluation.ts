/**
 * Clusters scored against known classes as runs and `evaluate` report them:
 * the engine's scores (src/cluster/evaluation.ts) and, given each record's
 * SNR, the accuracy per SNR bin of the paper's Fig. S2, whose bins are the
 * data layer's.
 */
import { evaluateClusters, type Evaluation } from '../cluster/evaluation.js';
import { SNR_BIN_LABELS, snrBin } from '../data/signal/snr.js';

/** Accuracy of the records whose SNR falls in one bin (the paper's Fig. S2). */
export interface SnrBinScore {
  readonly bin: string;
  readonly count: number;
  /** Fraction whose cluster maps (by the global Hungarian map) to their class; null for an empty bin. */
  readonly acc: number | null;
}

/** The engine's evaluation, with accuracy per SNR bin when SNR values were given. */
export interface RunEvaluation extends Evaluation {
  readonly bySnr?: readonly SnrBinScore[];
}

/**
 * `evaluateClusters`, and given each record's SNR, accuracy per SNR bin
 * through the same cluster-to-class map. Records with an unknown SNR (null
 * or NaN) are left out of the bins only.
 */
export function evaluateRun(labels: ArrayLike<number>, clusters: ArrayLike<number>, snr?: ArrayLike<number | null>): RunEvaluation {
  const evaluation = evaluateClusters(labels, clusters);
  if (snr === undefined) return evaluation;
  return { ...evaluation, bySnr: accuracyBySnr(labels, clusters, new Map(evaluation.mapping), snr) };
}

/** Accuracy per SNR bin, clusters mapped to classes by `mapping` (an unmapped cluster is wrong). */
export function accuracyBySnr(
  labels: ArrayLike<number>,
  clusters: ArrayLike<number>,
  mapping: ReadonlyMap<number, number>,
  snr: ArrayLike<number | null>,
): SnrBinScore[] {
  if (snr.length !== labels.length) throw new Error(`accuracyBySnr: ${snr.length} SNR values for ${labels.length} records`);
  const hits = new Array<number>(SNR_BIN_LABELS.length).fill(0);
  const counts = new Array<number>(SNR_BIN_LABELS.length).fill(0);
  for (let i = 0; i < labels.length; i++) {
    const s = snr[i];
    if (s === null || s === undefined || !(s >= 0)) continue;
    const b = snrBin(s);
    counts[b]!++;
    if ((mapping.get(clusters[i]!) ?? -1) === labels[i]) hits[b]!++;
  }
  return SNR_BIN_LABELS.map((bin, b) => ({ bin, count: counts[b]!, acc: counts[b]! > 0 ? hits[b]! / counts[b]! : null }));
}
