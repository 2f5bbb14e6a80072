/**
 * How many clusters: for each k of a range, k-means on the codes and four
 * scores of the clustering it gives, then the k they recommend. Labels take
 * no part: a user with an unlabelled archive has the codes alone.
 *
 * - Inertia: the k-means objective, the sum of squared distances of the
 *   codes to their centroids (the elbow curve). It falls with every k, so it
 *   is shown, never used alone.
 * - Silhouette (Rousseeuw 1987): per record (b - a) / max(a, b), a its mean
 *   distance to its own cluster, b to the nearest other one; the mean over
 *   records (a seeded sample of them on large sets). 1: tight, far-apart
 *   clusters; 0: clusters that run into each other.
 * - Gap statistic (Tibshirani, Walther and Hastie 2001): how much lower the
 *   log inertia of the codes is than that of codes with no clusters at all,
 *   reference sets drawn uniformly in the box of the codes' principal axes
 *   (their method b), the same reference sets for every k; with its standard
 *   error s_k = sd_k sqrt(1 + 1/B) over the B reference sets.
 * - Stability: how well k-means agrees with itself (Ben-Hur, Elisseeff and
 *   Guyon 2002; Lange et al. 2004): single-start k-means runs from different
 *   seeds, each on its own random subsample of the records, every record then
 *   assigned to the nearest centroid of each run; the mean adjusted Rand
 *   index over all pairs of runs. A k that splits a real cluster anywhere it
 *   likes, or merges two of them, gives runs that disagree.
 *
 * The recommendation (`recommendK`, the rule in words in `K_RULE`): among
 * the stable k (stability at least 0.9), the smallest whose silhouette is
 * within 0.02 of the highest; with no stable k, the smallest k. The
 * silhouette chooses because it asks for what a user wants of clusters,
 * tight and apart; stability vetoes a k whose clusters another seed or
 * subsample would draw elsewhere, which the silhouette cannot see. Codes of
 * these networks are seldom cleanly clustered, so silhouettes of
 * neighbouring k often differ by less than they change from one training
 * seed to the next; such a difference (under 0.02) is not taken as evidence
 * for more clusters (on the synthetic polarity codes a stable split into 4
 * edged out 2 by 0.016-0.027 in two seeds of five). Inertia and the gap
 * statistic are shown for the reader: on these codes the gap grows with k
 * almost everywhere (they are neither uniform nor cleanly clustered), so
 * Tibshirani's one-standard-error rule picks a large k (README, "Choosing k").
 *
 * Everything is seeded, so one seed gives the same scores bit for bit.
 */
import { jacobiEigen } from '../common/eigen.js';
import { Rng } from '../tensor/random.js';
import { assignToCentroids, kMeans } from './kmeans.js';
import { adjustedRandIndex } from './metrics.js';
import { meanSilhouette, silhouetteSample, type SilhouetteSample } from './silhouette.js';

/** The scores of one k. */
export interface KScore {
  readonly k: number;
  /** Sum of squared distances of the codes to their k-means centroids. */
  readonly inertia: number;
  /** Mean silhouette width, in [-1, 1]. */
  readonly silhouette: number;
  /** E*[log W_k] - log W_k over the reference sets. */
  readonly gap: number;
  /** The gap's standard error, sd_k sqrt(1 + 1/B). */
  readonly gapSe: number;
  /** Mean pairwise ARI of k-means runs on subsamples, in [-1, 1]. */
  readonly stability: number;
}

export interface KScoringOptions {
  /** Seed of k-means on the codes; the references, subsamples and silhouette sample are drawn from seeds derived from it. Default 0. */
  readonly seed?: number;
  /** k-means restarts on the codes (best inertia wins). Default 20, the method's. */
  readonly nInit?: number;
  /** Reference sets of the gap statistic (B). Default 10. */
  readonly references?: number;
  /** k-means restarts on each reference set. Default 5. */
  readonly referenceInit?: number;
  /** k-means runs whose agreement is the stability. Default 10. */
  readonly stabilityRuns?: number;
  /** Share of the records each stability run clusters. Default 0.8. */
  readonly stabilitySubsample?: number;
  /** Records the silhouette is computed on at most (a seeded sample beyond). Default 2000. */
  readonly silhouetteSample?: number;
}

/** The codes and what every k is scored against: drawn once, so every k sees the same draws. */
export interface CodeSpace {
  readonly codes: Float64Array;
  readonly n: number;
  readonly d: number;
  readonly seed: number;
  readonly nInit: number;
  readonly referenceInit: number;
  readonly stabilityRuns: number;
  readonly stabilitySubsample: number;
  /** The records the silhouette is computed on, and their pairwise distances. */
  readonly silhouette: SilhouetteSample;
  /** B uniform reference sets in the codes' principal-axes box, n x d each. */
  readonly references: readonly Float64Array[];
}

/** A k's scores and its k-means clustering of the codes. */
export interface ScoredK {
  readonly score: KScore;
  readonly labels: Int32Array;
}

/** Draws what the scores of every k are measured against (`scoreK`). */
export function codeSpace(codes: Float32Array | Float64Array, n: number, d: number, options: KScoringOptions = {}): CodeSpace {
  if (!Number.isInteger(n) || n < 2 || !Number.isInteger(d) || d < 1 || codes.length !== n * d)
    throw new Error(`codeSpace: expected n >= 2 rows of d >= 1 codes, got ${codes.length} values for n = ${n}, d = ${d}`);
  const seed = options.seed ?? 0;
  const x = Float64Array.from(codes);
  // The method's own draws come from a generator apart from k-means on the codes (`seed`).
  const draws = new Rng(seed + 1);
  const m = Math.min(n, options.silhouetteSample ?? 2000);
  const sample = m === n ? Int32Array.from({ length: n }, (_, i) => i) : draws.fork().permutation(n).subarray(0, m).sort();
  const referenceRng = draws.fork();
  const box = principalBox(x, n, d);
  const references = Array.from({ length: options.references ?? 10 }, () => uniformInBox(box, n, referenceRng));
  return {
    codes: x,
    n,
    d,
    seed,
    nInit: options.nInit ?? 20,
    referenceInit: options.referenceInit ?? 5,
    stabilityRuns: options.stabilityRuns ?? 10,
    stabilitySubsample: options.stabilitySubsample ?? 0.8,
    silhouette: silhouetteSample(x, d, sample),
    references,
  };
}

/** k-means on the codes with k clusters, and its scores. */
export function scoreK(space: CodeSpace, k: number): ScoredK {
  const { codes, n, d, seed } = space;
  if (!Number.isInteger(k) || k < 2 || k > n) throw new Error(`scoreK: k must be an integer from 2 to the ${n} records, got ${k}`);
  const fit = kMeans(codes, n, d, { k, nInit: space.nInit, seed });
  const logW = Math.log(fit.inertia);
  const referenceLogW = space.references.map((ref, b) => Math.log(kMeans(ref, n, d, { k, nInit: space.referenceInit, seed: seed + 1 + b }).inertia));
  const B = referenceLogW.length;
  const mean = referenceLogW.reduce((a, v) => a + v, 0) / B;
  const sd = Math.sqrt(referenceLogW.reduce((a, v) => a + (v - mean) ** 2, 0) / B);
  return {
    score: {
      k,
      inertia: fit.inertia,
      silhouette: meanSilhouette(space.silhouette, fit.labels, k),
      gap: mean - logW,
      gapSe: sd * Math.sqrt(1 + 1 / B),
      stability: stability(space, k),
    },
    labels: fit.labels,
  };
}

/* ------------------------------------------------------------ gap statistic */

/** The codes' mean, principal axes (rows of `axes`, d x d) and the range of the codes along each. */
interface Box {
  readonly mean: Float64Array;
  readonly axes: Float64Array;
  readonly low: Float64Array;
  readonly high: Float64Array;
}

/** Tibshirani et al.'s method b: the box the codes fill along their principal axes, so a reference set has their shape but no clusters. */
function principalBox(x: Float64Array, n: number, d: number): Box {
  const mean = new Float64Array(d);
  for (let i = 0; i < n; i++) for (let c = 0; c < d; c++) mean[c] += x[i * d + c]!;
  for (let c = 0; c < d; c++) mean[c] /= n;
  const cov = new Float64Array(d * d);
  for (let i = 0; i < n; i++)
    for (let a = 0; a < d; a++) {
      const va = x[i * d + a]! - mean[a]!;
      for (let b = a; b < d; b++) cov[a * d + b] += va * (x[i * d + b]! - mean[b]!);
    }
  for (let a = 0; a < d; a++) for (let b = 0; b < a; b++) cov[a * d + b] = cov[b * d + a]!;
  // Eigenvectors come as columns; the box wants them as rows.
  const { vectors } = jacobiEigen(cov, d);
  const axes = new Float64Array(d * d);
  for (let j = 0; j < d; j++) for (let c = 0; c < d; c++) axes[j * d + c] = vectors[c * d + j]!;
  const low = new Float64Array(d).fill(Infinity);
  const high = new Float64Array(d).fill(-Infinity);
  for (let i = 0; i < n; i++)
    for (let j = 0; j < d; j++) {
      let s = 0;
      for (let c = 0; c < d; c++) s += (x[i * d + c]! - mean[c]!) * axes[j * d + c]!;
      low[j] = Math.min(low[j]!, s);
      high[j] = Math.max(high[j]!, s);
    }
  return { mean, axes, low, high };
}

/** n points uniform in the box, back in the codes' coordinates. */
function uniformInBox(box: Box, n: number, rng: Rng): Float64Array {
  const d = box.mean.length;
  const out = new Float64Array(n * d);
  const t = new Float64Array(d);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < d; j++) t[j] = box.low[j]! + (box.high[j]! - box.low[j]!) * rng.uniform();
    for (let c = 0; c < d; c++) {
      let s = box.mean[c]!;
      for (let j = 0; j < d; j++) s += t[j]! * box.axes[j * d + c]!;
      out[i * d + c] = s;
    }
  }
  return out;
}

/* --------------------------------------------------------------- stability */

function stability(space: CodeSpace, k: number): number {
  const { codes, n, d, seed, stabilityRuns: runs } = space;
  // A generator per k, so a k's stability does not depend on which other k were scored.
  const rng = new Rng(seed + 2 + 7919 * k);
  const m = Math.max(k, Math.round(space.stabilitySubsample * n));
  const clusterings = Array.from({ length: runs }, () => {
    const rows = rng.permutation(n).subarray(0, m);
    const subset = new Float64Array(m * d);
    rows.forEach((r, i) => subset.set(codes.subarray(r * d, (r + 1) * d), i * d));
    const fit = kMeans(subset, m, d, { k, nInit: 1, seed: rng.nextUint32() });
    return assignToCentroids(codes, n, d, fit.centroids, k).labels;
  });
  let sum = 0;
  let pairs = 0;
  for (let a = 0; a < runs; a++)
    for (let b = a + 1; b < runs; b++) {
      sum += adjustedRandIndex(clusterings[a]!, clusterings[b]!);
      pairs++;
    }
  return pairs === 0 ? 1 : sum / pairs;
}

/* ---------------------------------------------------------- recommendation */

/** Stability from which a k counts as stable: k-means runs agree at least this much (mean pairwise ARI). */
export const STABLE_AGREEMENT = 0.9;

/** Silhouettes closer than this are not told apart: the smaller k is kept. */
export const SILHOUETTE_TOLERANCE = 0.02;

/** The recommendation rule, in words, for output and reports. */
export const K_RULE =
  `among the k whose k-means clusterings agree across restarts on subsamples (stability, the mean pairwise ARI, at least ${STABLE_AGREEMENT}), ` +
  `the smallest k whose mean silhouette is within ${SILHOUETTE_TOLERANCE} of the highest; when no k is that stable, the smallest k tried. Labels never enter.`;

export interface KRecommendation {
  readonly k: number;
  /** `K_RULE`. */
  readonly rule: string;
  /** How the rule applied to these scores, e.g. "silhouette 0.304, the highest of the stable k (3, 4)". */
  readonly reason: string;
}

/** The k the scores recommend (`K_RULE`). */
export function recommendK(scores: readonly KScore[]): KRecommendation {
  if (scores.length === 0) throw new Error('recommendK: no scores');
  const byK = [...scores].sort((a, b) => a.k - b.k);
  const stable = byK.filter((s) => s.stability >= STABLE_AGREEMENT);
  if (stable.length === 0) {
    const steadiest = byK.reduce((top, s) => (s.stability > top.stability ? s : top));
    return {
      k: byK[0]!.k,
      rule: K_RULE,
      reason: `no k reaches stability ${STABLE_AGREEMENT} (the most stable, k = ${steadiest.k}, ${steadiest.stability.toFixed(3)}), so no more than the fewest clusters are claimed`,
    };
  }
  const best = stable.reduce((top, s) => (s.silhouette > top.silhouette ? s : top));
  const chosen = stable.find((s) => s.silhouette >= best.silhouette - SILHOUETTE_TOLERANCE)!;
  const among = stable.length === 1 ? 'the only stable k' : `the stable k are ${stable.map((s) => s.k).join(', ')}`;
  const reason =
    chosen === best
      ? `silhouette ${chosen.silhouette.toFixed(3)}, the highest; ${among}`
      : `silhouette ${chosen.silhouette.toFixed(3)}, within ${SILHOUETTE_TOLERANCE} of the highest (k = ${best.k}, ${best.silhouette.toFixed(3)}); ${among}`;
  return { k: chosen.k, rule: K_RULE, reason };
}

export interface KSelection extends KRecommendation {
  /** One per k, in the order asked. */
  readonly scores: readonly KScore[];
  /** k-means's clusters of the codes for each k, in the same order. */
  readonly clusterings: readonly Int32Array[];
}

/** Scores every k of `ks` on one set of codes and recommends one (see the file comment). */
export function selectK(codes: Float32Array | Float64Array, n: number, d: number, ks: readonly number[], options: KScoringOptions = {}): KSelection {
  const space = codeSpace(codes, n, d, options);
  const scored = ks.map((k) => scoreK(space, k));
  const scores = scored.map((s) => s.score);
  return { ...recommendK(scores), scores, clusterings: scored.map((s) => s.labels) };
}
