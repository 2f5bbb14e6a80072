/**
 * What fine-tuning records at each target-distribution update: the history
 * a run returns, its log and figures show, and its checkpoints carry (so a
 * resumed run goes on with it). Apart from the loop, so that the checkpoint
 * format and the loop that writes checkpoints need not import each other.
 */

export interface LossParts {
  readonly total: number;
  readonly kl: number;
  readonly reconstruction: number;
}

/** What the loop records at each target-distribution update (and at the end). */
export interface UpdateRecord {
  /** Training batches done. */
  readonly iteration: number;
  /** 'update': a target-distribution update; 'final': the state after the last batch when maxIter ended training. */
  readonly kind: 'update' | 'final';
  /** Fraction of records whose hard cluster changed since the previous record. */
  readonly deltaLabel: number;
  /** Mean loss parts of the batches since the previous record (unweighted; null when there were none). */
  readonly loss: LossParts | null;
  /** Present when evaluation labels were given. */
  readonly acc?: number;
  readonly nmi?: number;
  readonly ari?: number;
  readonly elapsedSeconds: number;
}
