/**
 * Choosing one of several training restarts without labels. A user with an
 * unlabelled archive has what the runs themselves say: how their clusterings
 * agree with each other. The restart whose clustering agrees most with the
 * others (mean adjusted Rand index over the other restarts; consensus) is
 * kept, so a single run that fell into an unusual split is outvoted instead
 * of being what one seed happened to give. Ties go to the earlier restart,
 * so the choice is deterministic.
 */
import { adjustedRandIndex } from './metrics.js';

export interface RestartChoice {
  /** Index of the restart kept. */
  readonly chosen: number;
  /** Each restart's mean ARI with the other restarts (1 for a single restart). */
  readonly agreement: readonly number[];
}

/** Consensus among the restarts' hard clusterings of the same records. */
export function chooseByConsensus(clusterings: readonly ArrayLike<number>[]): RestartChoice {
  if (clusterings.length === 0) throw new Error('chooseByConsensus: no restarts to choose from');
  const n = clusterings.length;
  const agreement = clusterings.map((a, i) => {
    if (n === 1) return 1;
    let sum = 0;
    for (let j = 0; j < n; j++) if (j !== i) sum += adjustedRandIndex(a, clusterings[j]!);
    return sum / (n - 1);
  });
  let chosen = 0;
  // A margin keeps float noise in the ARI sums from breaking a tie the other way.
  for (let i = 1; i < n; i++) if (agreement[i]! > agreement[chosen]! + 1e-12) chosen = i;
  return { chosen, agreement };
}

/** The seed of restart `r` of a run seeded `seed`: restart 0 is the run itself; the others sit far from the seeds a user runs side by side (0, 1, 2, ...). */
export function restartSeed(seed: number, r: number): number {
  return seed + 7919 * r;
}
