/**
 * Choosing one of several training restarts without labels. A user with an
 * unlabelled archive has what the runs themselves say, and two rules use it:
 *
 * - `silhouette` (the default): the restart whose final clusters have the
 *   highest mean silhouette on the network inputs themselves (the
 *   spectrograms or P windows), not on the codes each run learnt for
 *   itself. Codes differ from run to run, so their silhouettes do not
 *   compare; the inputs are common to all runs. A pre-training that split
 *   the records by something the inputs hold only weakly (clean against
 *   noisy onsets) ends with clusters that overlap on the inputs. A run that
 *   split off a handful of outliers is passed over whatever its score (see
 *   `MIN_CLUSTER_SHARE`): everyone else's nearest other cluster is then far
 *   away, which the mean silhouette rewards.
 * - `consensus`: the restart whose clusters agree most with the others'
 *   (mean adjusted Rand index), so one run that fell into an unusual split
 *   is outvoted. It cannot help when most runs share the same mistake.
 *
 * Ties go to the earlier restart, so the choice is deterministic.
 */
import { Rng } from '../tensor/random.js';
import { adjustedRandIndex } from './metrics.js';
import { meanSilhouette, silhouetteSample } from './silhouette.js';

export type RestartRule = 'silhouette' | 'consensus';

export interface RestartChoice {
  readonly rule: RestartRule;
  /** Index of the restart kept. */
  readonly chosen: number;
  /** Each restart's score under the rule (higher is better): mean silhouette on the inputs, or mean ARI with the other restarts (1 for a single restart). */
  readonly scores: readonly number[];
  /** Restarts passed over whatever their score, for a cluster under `MIN_CLUSTER_SHARE` of the records (silhouette only; none when every restart has one). */
  readonly passedOver: readonly number[];
}

/** Records the silhouette is computed on at most (a seeded sample beyond): 2,000 keep it to about a second. */
export const SILHOUETTE_SAMPLE = 2000;

/** A cluster holding fewer than this share of the records (or fewer than 2) marks its run as having split off outliers. */
export const MIN_CLUSTER_SHARE = 0.02;

function chooseHighest(rule: RestartRule, scores: number[], passedOver: readonly number[] = []): RestartChoice {
  let chosen = scores.findIndex((_, i) => !passedOver.includes(i));
  // A margin keeps float noise in the sums from breaking a tie the other way.
  for (let i = chosen + 1; i < scores.length; i++) if (!passedOver.includes(i) && scores[i]! > scores[chosen]! + 1e-12) chosen = i;
  return { rule, chosen, scores, passedOver };
}

/** The restarts with a cluster under `MIN_CLUSTER_SHARE` of the records (or empty), unless that is every one of them. */
function withOutlierClusters(clusterings: readonly ArrayLike<number>[], k: number): number[] {
  const smallest = clusterings.map((c) => {
    const sizes = new Array<number>(k).fill(0);
    for (let i = 0; i < c.length; i++) sizes[c[i]!]!++;
    return Math.min(...sizes);
  });
  const least = Math.max(2, MIN_CLUSTER_SHARE * clusterings[0]!.length);
  const small = smallest.flatMap((s, i) => (s < least ? [i] : []));
  return small.length === clusterings.length ? [] : small;
}

function atLeastOne(clusterings: readonly unknown[]): void {
  if (clusterings.length === 0) throw new Error('choosing a restart: no restarts to choose from');
}

/** Consensus among the restarts' hard clusterings of the same records. */
export function chooseByConsensus(clusterings: readonly ArrayLike<number>[]): RestartChoice {
  atLeastOne(clusterings);
  const n = clusterings.length;
  const agreement = clusterings.map((a, i) => {
    if (n === 1) return 1;
    let sum = 0;
    for (let j = 0; j < n; j++) if (j !== i) sum += adjustedRandIndex(a, clusterings[j]!);
    return sum / (n - 1);
  });
  return chooseHighest('consensus', agreement);
}

/**
 * The restart whose clustering into k clusters has the highest mean
 * silhouette on the inputs (n rows of d values), scored on the same seeded
 * sample of at most `sample` records for every restart.
 */
export function chooseBySilhouette(
  inputs: Float32Array | Float64Array,
  d: number,
  k: number,
  clusterings: readonly ArrayLike<number>[],
  options: { readonly seed?: number; readonly sample?: number } = {},
): RestartChoice {
  atLeastOne(clusterings);
  const n = inputs.length / d;
  if (!Number.isInteger(n) || clusterings.some((c) => c.length !== n))
    throw new Error(
      `chooseBySilhouette: ${inputs.length} input values of ${d} per record do not match clusterings of ${clusterings.map((c) => c.length).join(', ')} records`,
    );
  const m = Math.min(n, options.sample ?? SILHOUETTE_SAMPLE);
  const sample = m === n ? Int32Array.from({ length: n }, (_, i) => i) : new Rng(options.seed ?? 0).permutation(n).subarray(0, m).sort();
  const space = silhouetteSample(inputs, d, sample);
  return chooseHighest(
    'silhouette',
    clusterings.map((c) => meanSilhouette(space, c, k)),
    withOutlierClusters(clusterings, k),
  );
}

/** Chooses by `rule` (see the module comment). */
export function chooseRestart(
  rule: RestartRule,
  inputs: Float32Array,
  d: number,
  k: number,
  clusterings: readonly ArrayLike<number>[],
  seed: number,
): RestartChoice {
  return rule === 'silhouette' ? chooseBySilhouette(inputs, d, k, clusterings, { seed }) : chooseByConsensus(clusterings);
}

/** The seed of restart `r` of a run seeded `seed`: restart 0 is the run itself; the others sit far from the seeds a user runs side by side (0, 1, 2, ...). */
export function restartSeed(seed: number, r: number): number {
  return seed + 7919 * r;
}
