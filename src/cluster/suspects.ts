/**
 * Suspect labels: labelled records whose label the data itself contradicts.
 * Two witnesses vote on each label, and a label is flagged when together
 * they name one other class strongly enough:
 *
 * - the record's nearest labelled neighbours by its network input (or
 *   whatever points the caller gives): a flipped label sits among records of
 *   its true class, a record on a class boundary among a mix;
 * - its nearest labelled neighbours by the model's code: the encoder's own
 *   view of the record, learnt without labels. It errs on other records than
 *   the raw input does (on task A its neighbourhoods mix less; on task B's
 *   2-number codes, more), so a label both views contradict is a likelier
 *   mistake than one either contradicts alone. It votes unless adding it
 *   makes the neighbours' vote read the labels under check measurably worse
 *   than the inputs' vote alone (`compareReadOuts`, a sign test): where the
 *   codes mix the classes more than the inputs and err on the same records
 *   (task B's 2-number codes), they would only dilute the vote; where they
 *   err on other records, they sharpen it even when they read worse alone
 *   (a weak task A model).
 *
 * Each witness gives every class the share of its neighbours that carry it;
 * a label is flagged when the class with the largest mean share is another
 * and that mean reaches `minAgreement`. A record whose nearest records say
 * little about it is never flagged: one farther from its input neighbours
 * than `maxReach` times the typical record (a sparse region: a glitch, an odd
 * instrument, a window without its onset), or than `maxIsolation` times its
 * neighbours lie from theirs (off on its own beside a denser group).
 *
 * The clustering ranks the flags: a record the model assigns confidently
 * (a large soft assignment q, near the centroid compared with the cluster's
 * other members) to a cluster of the class the neighbours name backs them,
 * and ranks higher. Alone it does not flag: the model's own errors look
 * exactly like flipped labels.
 *
 * Confidence is q on the model's own scale: the Student's t kernel has no
 * free width, so how large q can get depends on how far apart the centroids
 * lie in code space (up to 0.97 in one synthetic model, 0.75 in the real
 * polarity model). q is therefore measured from chance (1/k: confidence 0) to
 * the q of a record sitting on the centroid (confidence 1), and one level
 * serves every model.
 *
 * With `neighbours` 0 the model is the only witness (a label against a
 * confident cluster), for sets too large to search for neighbours.
 *
 * Pure: soft assignments, clusters, codes, centroids, neighbours and labels
 * in, the cluster → class map and the ranked suspects out.
 */
import { clusteringAccuracy } from './metrics.js';
import { compareReadOuts, jointVote, nearestNeighbours, readOut, type Neighbours, type Witness } from './neighbour-labels.js';

/**
 * How clusters become classes: 'majority' gives each cluster the class most
 * of its labelled members carry (any k); 'hungarian' the one-to-one map that
 * agrees with most labels (as `evaluate` scores), clusters beyond the number
 * of classes taking their majority.
 */
export type LabelMapKind = 'majority' | 'hungarian';

/**
 * When the neighbours by code vote: 'auto' unless the two witnesses together
 * read the labels under check measurably worse than the inputs alone (the
 * sign test's z above `CODE_SILENCE_Z`), 'always' in every case.
 */
export type CodeVote = 'auto' | 'always';

/**
 * How much better the inputs alone must read the labels than the two
 * witnesses together, in the sign test's standard errors, before the codes
 * are left out: 2, a one-sided chance of about 2 % that codes which do no
 * harm would be silenced.
 */
export const CODE_SILENCE_Z = 2;

/** When a disagreement is flagged (see the module comment). */
export interface SuspectRule {
  /** Nearest labelled neighbours by input that vote on each label; 0: the model alone decides. */
  readonly neighbours: number;
  /** Nearest labelled neighbours by code that vote beside them; 0: the inputs alone. */
  readonly codeNeighbours: number;
  /** When the neighbours by code vote (`CodeVote`). */
  readonly codeVote: CodeVote;
  /** Smallest share of the neighbours naming one other class (the mean over the two witnesses) that flags a label. */
  readonly minAgreement: number;
  /** Largest distance to the farthest of the neighbours, in units of the labelled records' median of it (`neighbourReach`). */
  readonly maxReach: number;
  /** Largest distance to the farthest of the neighbours, in units of the neighbours' own median of it (`neighbourIsolation`). */
  readonly maxIsolation: number;
  /** Smallest confidence in the assigned cluster for the model to back the vote, or alone to flag (`assignmentConfidence`). */
  readonly minConfidence: number;
  /** Largest distance to the assigned centroid for the model to back the vote, or alone to flag, in units of the cluster's spread (its members' median distance). */
  readonly maxDistance: number;
  readonly map: LabelMapKind;
}

/**
 * The defaults, chosen once on calibration runs that the proof's seeds do not
 * use (synthetic tasks A and B, data and training seeds 100-103, 5 % of the
 * labels flipped with seeds 11-15), by the rule and from the table in
 * README, "Suspect labels (qc)". The model's levels are the ones chosen
 * earlier for the model alone, on the same kind of runs.
 */
export const DEFAULT_SUSPECT_RULE: SuspectRule = Object.freeze({
  neighbours: 50,
  codeNeighbours: 15,
  codeVote: 'auto',
  minAgreement: 0.8,
  maxReach: 2,
  maxIsolation: 1.5,
  minConfidence: 0.75,
  maxDistance: 3,
  map: 'majority',
});

/** What the model says of every record, and its labels. */
export interface SuspectInputs {
  readonly k: number;
  readonly codeSize: number;
  /** Soft assignments q, n x k, row-major. */
  readonly q: ArrayLike<number>;
  /** Hard clusters, the argmax of each row of q. */
  readonly clusters: ArrayLike<number>;
  /** Codes z, n x codeSize. */
  readonly codes: ArrayLike<number>;
  /** Centroids, k x codeSize. */
  readonly centroids: ArrayLike<number>;
  /** Degrees of freedom of the clustering layer's Student's t kernel; default 1 (the paper's). */
  readonly alpha?: number;
  /** Class per record; -1 where unlabelled (never flagged). */
  readonly labels: ArrayLike<number>;
  /**
   * Each labelled record's nearest labelled neighbours by input, nearest
   * first (`nearestNeighbours` over the labelled records), at least the
   * rule's `neighbours` of them where there are that many; the rule reads
   * the first `neighbours`. Not needed when the rule's `neighbours` is 0.
   * (The neighbours by code are found here, from `codes`.)
   */
  readonly neighbours?: Neighbours;
}

/** A flagged record: what its neighbours and the model say of it. */
export interface Suspect {
  readonly index: number;
  readonly label: number;
  readonly cluster: number;
  /** The class its cluster maps to. */
  readonly mappedLabel: number;
  /** The class most of its neighbours carry (by input and by code together); -1 when the model alone decides. */
  readonly neighbourLabel: number;
  /** The share of its neighbours that carry `neighbourLabel`, the mean over the two witnesses; 0 when the model alone decides. */
  readonly agreement: number;
  /** Distance to the farthest of its neighbours over the labelled records' median of it; 0 when the model alone decides. */
  readonly reach: number;
  /** Distance to the farthest of its neighbours over their own median of it; 0 when the model alone decides. */
  readonly isolation: number;
  /** Whether the model backs the flag: a confident assignment to a cluster of `neighbourLabel`. */
  readonly backed: boolean;
  /** Soft assignment to its cluster. */
  readonly q: number;
  /** q on the model's scale: 0 at chance, 1 on the centroid (`assignmentConfidence`). */
  readonly confidence: number;
  /** Distance to its centroid over the cluster's spread: 1 is a typical member. */
  readonly distance: number;
  /** What the suspects are ranked by, in [0, 1] (see `findSuspects`). */
  readonly score: number;
}

/** How well each witness reads the labels under check (`compareReadOuts`), and whether the codes voted. */
export interface WitnessReadOut {
  /** The neighbours by input; null when the model alone decides. */
  readonly input: number | null;
  /** The neighbours by code alone; null when they are not asked. */
  readonly code: number | null;
  /** The two together (their joint vote); null when the codes are not asked. */
  readonly joint: number | null;
  /** The sign test of the inputs alone reading better than the two together, in standard errors; null when the codes are not asked. */
  readonly z: number | null;
  readonly codeVoted: boolean;
}

export interface SuspectReport {
  /** Class of each cluster; -1 for a cluster with no labelled member. */
  readonly labelMap: Int32Array;
  /** Classes that no cluster maps to: the clusters do not separate them, so their records are all flagged or none is. */
  readonly unmappedClasses: number[];
  /** Median distance of each cluster's members to its centroid (0 for an empty cluster). */
  readonly spread: Float64Array;
  /** The q of a record on each centroid: confidence 1 (`centroidQ`). */
  readonly topQ: Float64Array;
  /** Every record's distance to its centroid over its cluster's spread. */
  readonly distance: Float64Array;
  /** Labelled records whose label disagrees with their cluster's class, flagged or not. */
  readonly disagreeing: number;
  readonly witnesses: WitnessReadOut;
  /** The records the rule flags, highest score first. */
  readonly flagged: Suspect[];
}

/** Class of each cluster from the labelled records (labels -1 are skipped); -1 for a cluster without any. */
export function fitLabelMap(labels: ArrayLike<number>, clusters: ArrayLike<number>, k: number, kind: LabelMapKind): Int32Array {
  if (labels.length !== clusters.length) throw new Error(`fitLabelMap: ${labels.length} labels for ${clusters.length} records`);
  const counts = new Map<number, Map<number, number>>();
  const known: number[] = [];
  for (let i = 0; i < labels.length; i++) {
    const label = labels[i]!;
    if (label < 0) continue;
    known.push(i);
    const c = clusters[i]!;
    const byClass = counts.get(c) ?? new Map<number, number>();
    byClass.set(label, (byClass.get(label) ?? 0) + 1);
    counts.set(c, byClass);
  }
  const map = new Int32Array(k).fill(-1);
  // Majority: the most frequent class; a tie goes to the smaller class id, so the map never depends on record order.
  for (const [c, byClass] of counts) {
    let best = -1;
    for (const [label, n] of byClass) if (best < 0 || n > byClass.get(best)! || (n === byClass.get(best)! && label < best)) best = label;
    map[c] = best;
  }
  if (kind === 'hungarian' && known.length > 0) {
    const matched = clusteringAccuracy(
      known.map((i) => labels[i]!),
      known.map((i) => clusters[i]!),
    ).mapping;
    for (const [c, label] of matched) map[c] = label;
  }
  return map;
}

/**
 * Distance of every record to its assigned centroid, and each cluster's
 * spread: the median of its members' distances (the median, so that the
 * outliers being judged do not set the scale they are judged by).
 */
export function centroidDistances(inputs: Pick<SuspectInputs, 'k' | 'codeSize' | 'codes' | 'centroids' | 'clusters'>): {
  distance: Float64Array;
  spread: Float64Array;
} {
  const { k, codeSize: d, codes, centroids, clusters } = inputs;
  const n = clusters.length;
  if (codes.length !== n * d) throw new Error(`centroidDistances: ${codes.length} code values for ${n} records of ${d}`);
  if (centroids.length !== k * d) throw new Error(`centroidDistances: ${centroids.length} centroid values for k = ${k} of ${d}`);
  const raw = new Float64Array(n);
  const members: number[][] = Array.from({ length: k }, () => []);
  for (let i = 0; i < n; i++) {
    const c = clusters[i]!;
    if (!(Number.isInteger(c) && c >= 0 && c < k)) throw new Error(`centroidDistances: record ${i} is in cluster ${c}, not 0 to ${k - 1}`);
    let s = 0;
    for (let j = 0; j < d; j++) s += (codes[i * d + j]! - centroids[c * d + j]!) ** 2;
    raw[i] = Math.sqrt(s);
    members[c]!.push(raw[i]!);
  }
  const spread = Float64Array.from(members, median);
  // A cluster whose members all sit on the centroid: on it is typical (0), off it infinitely far.
  const distance = raw.map((r, i) => {
    const s = spread[clusters[i]!]!;
    return s > 0 ? r / s : r === 0 ? 0 : Number.POSITIVE_INFINITY;
  });
  return { distance, spread };
}

function median(values: number[]): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/**
 * The soft assignment of each centroid to its own cluster: the q of a record
 * sitting on it, as the clustering layer computes q (Student's t with
 * `alpha` degrees of freedom; the kernel of a centroid with itself is 1).
 */
export function centroidQ(centroids: ArrayLike<number>, k: number, codeSize: number, alpha = 1): Float64Array {
  return Float64Array.from({ length: k }, (_, c) => {
    let sum = 0;
    for (let j = 0; j < k; j++) {
      let d2 = 0;
      for (let t = 0; t < codeSize; t++) d2 += (centroids[c * codeSize + t]! - centroids[j * codeSize + t]!) ** 2;
      sum += (1 + d2 / alpha) ** (-(alpha + 1) / 2);
    }
    return 1 / sum;
  });
}

/**
 * q from chance (1/k: 0) to the q of a record on the centroid (`topQ`: 1),
 * clipped to [0, 1] (just beyond a centroid, away from the others, q can
 * exceed the centroid's own).
 */
export function assignmentConfidence(q: number, topQ: number, k: number): number {
  const span = topQ - 1 / k;
  return span > 0 ? Math.min(1, Math.max(0, (q - 1 / k) / span)) : 0;
}

/**
 * Confidence × closeness, in [0, 1]: closeness is the clustering layer's
 * own kernel, (1 + r²)⁻¹, with the distance r measured in the cluster's
 * spread, so 1 on the centroid and 1/2 for a typical member.
 */
export function suspectScore(confidence: number, distance: number): number {
  return confidence / (1 + distance * distance);
}

/**
 * Each labelled record's distance to the farthest of its first `k`
 * neighbours, over the median of that distance among the labelled records
 * (the median, so that the sparse records being judged do not set the scale
 * they are judged by); 0 for an unlabelled record.
 */
export function neighbourReach(neighbours: Neighbours, labels: ArrayLike<number>, k: number): Float64Array {
  const n = labels.length;
  const reach = new Float64Array(n);
  if (k < 1) return reach;
  const known: number[] = [];
  for (let i = 0; i < n; i++) if (labels[i]! >= 0) known.push(i);
  for (const i of known) reach[i] = neighbours.distance[i * neighbours.k + k - 1]!;
  const typical = median(known.map((i) => reach[i]!));
  for (const i of known) reach[i] = typical > 0 ? reach[i]! / typical : reach[i] === 0 ? 0 : Number.POSITIVE_INFINITY;
  return reach;
}

/**
 * Each labelled record's distance to the farthest of its first `k`
 * neighbours, over the median of that distance among those neighbours:
 * about 1 for a record as far from its neighbours as they lie from theirs,
 * however dense or sparse the region (the records of a noisy station lie
 * farther apart than those of a quiet one), large for a record off on its
 * own beside a denser group; 0 for an unlabelled record.
 */
export function neighbourIsolation(neighbours: Neighbours, labels: ArrayLike<number>, k: number): Float64Array {
  const n = labels.length;
  const isolation = new Float64Array(n);
  if (k < 1) return isolation;
  const farthest = (i: number): number => neighbours.distance[i * neighbours.k + k - 1]!;
  for (let i = 0; i < n; i++) {
    if (labels[i]! < 0) continue;
    const around: number[] = [];
    for (let s = 0; s < k; s++) {
      const j = neighbours.index[i * neighbours.k + s]!;
      if (j >= 0 && labels[j]! >= 0) around.push(farthest(j));
    }
    const typical = median(around);
    const own = farthest(i);
    isolation[i] = typical > 0 ? own / typical : own === 0 ? 0 : Number.POSITIVE_INFINITY;
  }
  return isolation;
}

/**
 * The suspect labels, ranked; see the module comment. The score is the
 * neighbours' agreement, halved unless the model backs it with a full
 * `suspectScore` (confidence × closeness): (agreement × (1 + support)) / 2,
 * so a unanimous vote the model backs from the centroid scores 1. With
 * `neighbours` 0 it is the model's `suspectScore` alone.
 */
export function findSuspects(inputs: SuspectInputs, rule: SuspectRule = DEFAULT_SUSPECT_RULE): SuspectReport {
  const { k, q, clusters, labels } = inputs;
  const n = clusters.length;
  if (labels.length !== n) throw new Error(`findSuspects: ${labels.length} labels for ${n} records`);
  if (q.length !== n * k) throw new Error(`findSuspects: ${q.length} soft assignments for ${n} records and k = ${k}`);
  const labelMap = fitLabelMap(labels, clusters, k, rule.map);
  const { distance, spread } = centroidDistances(inputs);
  const topQ = centroidQ(inputs.centroids, k, inputs.codeSize, inputs.alpha);
  const classes = new Set<number>();
  for (let i = 0; i < n; i++) if (labels[i]! >= 0) classes.add(labels[i]!);
  const mapped = new Set(labelMap);
  const unmappedClasses = [...classes].filter((c) => !mapped.has(c)).sort((a, b) => a - b);
  const asked = rule.neighbours > 0 ? askNeighbours(inputs, rule) : null;

  const flagged: Suspect[] = [];
  let disagreeing = 0;
  for (let i = 0; i < n; i++) {
    const label = labels[i]!;
    if (label < 0) continue;
    const cluster = clusters[i]!;
    const mappedLabel = labelMap[cluster]!;
    if (mappedLabel >= 0 && label !== mappedLabel) disagreeing++;
    const qi = q[i * k + cluster]!;
    const conf = assignmentConfidence(qi, topQ[cluster]!, k);
    const r = distance[i]!;
    const sure = conf >= rule.minConfidence && r <= rule.maxDistance;
    const model = { index: i, label, cluster, mappedLabel, q: qi, confidence: conf, distance: r };
    if (asked === null) {
      if (mappedLabel < 0 || label === mappedLabel || !sure) continue;
      flagged.push({ ...model, neighbourLabel: -1, agreement: 0, reach: 0, isolation: 0, backed: true, score: suspectScore(conf, r) });
      continue;
    }
    const vote = asked.vote[i]!;
    const agreement = asked.share[i]!;
    const reach = asked.reach[i]!;
    const isolation = asked.isolation[i]!;
    // A vote against the label, strong enough, from neighbours that say something about the record.
    if (vote < 0 || vote === label || !(agreement >= rule.minAgreement)) continue;
    if (!(reach <= rule.maxReach && isolation <= rule.maxIsolation)) continue;
    const backed = sure && mappedLabel === vote;
    const support = backed ? suspectScore(conf, r) : 0;
    flagged.push({ ...model, neighbourLabel: vote, agreement, reach, isolation, backed, score: (agreement * (1 + support)) / 2 });
  }
  flagged.sort((a, b) => b.score - a.score || a.index - b.index);
  const witnesses = asked?.witnesses ?? { input: null, code: null, joint: null, z: null, codeVoted: false };
  return { labelMap, unmappedClasses, spread, topQ, distance, disagreeing, witnesses, flagged };
}

/**
 * The joint vote of each record's neighbours by input and by code (the codes
 * left out where `rule.codeVote` says so), how far out each record lies from
 * its input neighbours, and how well the witnesses read the labels.
 */
function askNeighbours(
  inputs: SuspectInputs,
  rule: SuspectRule,
): { vote: Int32Array; share: Float64Array; reach: Float64Array; isolation: Float64Array; witnesses: WitnessReadOut } {
  const { neighbours, labels } = inputs;
  if (neighbours === undefined) throw new Error('findSuspects: the rule asks neighbours, and none were given');
  if (neighbours.index.length !== labels.length * neighbours.k)
    throw new Error(`findSuspects: neighbour lists of ${neighbours.index.length / Math.max(1, neighbours.k)} records for ${labels.length}`);
  // Fewer lists than asked only where the set has fewer other labelled records; those are all there are.
  const used = Math.min(rule.neighbours, neighbours.k);
  const byInput: Witness = { neighbours, k: used };
  const limits = { reach: neighbourReach(neighbours, labels, used), isolation: neighbourIsolation(neighbours, labels, used) };
  const inputVote = jointVote([byInput], labels);
  if (rule.codeNeighbours === 0)
    return { ...inputVote, ...limits, witnesses: { input: readOut(inputVote.vote, labels), code: null, joint: null, z: null, codeVoted: false } };
  // Codes are a few numbers a record: this search costs a small part of the one over the inputs.
  const found = nearestNeighbours(inputs.codes, inputs.codeSize, (i) => labels[i]! >= 0, rule.codeNeighbours);
  const byCode: Witness = { neighbours: found, k: found.k };
  const bothVote = jointVote([byInput, byCode], labels);
  const read = compareReadOuts(inputVote.vote, bothVote.vote, labels);
  const codeVoted = rule.codeVote === 'always' || read.z <= CODE_SILENCE_Z;
  return {
    ...(codeVoted ? bothVote : inputVote),
    ...limits,
    witnesses: { input: read.first, code: readOut(jointVote([byCode], labels).vote, labels), joint: read.second, z: read.z, codeVoted },
  };
}
