/**
 * What a record's nearest labelled neighbours say its label is. A label
 * flipped by mistake sits among records that carry its true class; a record
 * on the boundary between two classes sits among a mix. So a label that most
 * of its neighbours contradict, all naming one other class, is a likely
 * mistake, while a record whose neighbours are split is left alone.
 *
 * Neighbours are found by exact Euclidean distance over whatever points the
 * caller gives (the network's inputs, or the model's codes), among the
 * records it names (the labelled ones), never the record itself; ties in
 * distance go to the smaller index, so the result depends on the data alone.
 */

/** Each record's nearest neighbours among the candidates. */
export interface Neighbours {
  /** Neighbours per record (fewer than asked when there are fewer other candidates). */
  readonly k: number;
  /** n x k record indices, nearest first; -1 for a record that is not a candidate. */
  readonly index: Int32Array;
  /** n x k Euclidean distances to them; infinite for a record that is not a candidate. */
  readonly distance: Float64Array;
}

/**
 * The `k` nearest candidates of every candidate record (`candidate[i]`), by
 * squared Euclidean distance between the `dim`-value rows of `points`,
 * never the record itself.
 */
export function nearestNeighbours(points: ArrayLike<number>, dim: number, candidate: (i: number) => boolean, k: number): Neighbours {
  if (!(Number.isInteger(dim) && dim > 0)) throw new Error(`nearestNeighbours: dim must be a positive integer, got ${dim}`);
  const n = points.length / dim;
  if (!Number.isInteger(n)) throw new Error(`nearestNeighbours: ${points.length} values are not rows of ${dim}`);
  if (!(Number.isInteger(k) && k >= 1)) throw new Error(`nearestNeighbours: k must be a positive integer, got ${k}`);
  const members = Int32Array.from({ length: n }, (_, i) => i).filter(candidate);
  const m = members.length;
  const kk = Math.max(0, Math.min(k, m - 1));
  const index = new Int32Array(n * kk).fill(-1);
  const distance = new Float64Array(n * kk).fill(Number.POSITIVE_INFINITY);
  if (kk === 0) return { k: kk, index, distance };
  // The candidates' rows in one Float64Array: the pair loop below is the whole cost (m² dim / 2).
  const rows = new Float64Array(m * dim);
  for (let a = 0; a < m; a++) for (let t = 0; t < dim; t++) rows[a * dim + t] = points[members[a]! * dim + t]!;
  // Each candidate's best kk so far, nearest first: squared distances and positions in `members`.
  const bestD = new Float64Array(m * kk).fill(Number.POSITIVE_INFINITY);
  const bestJ = new Int32Array(m * kk);
  const offer = (a: number, b: number, d: number): void => {
    const base = a * kk;
    // Candidates reach each record in ascending index order, so `<` keeps the smaller index ahead on a tie.
    if (!(d < bestD[base + kk - 1]!)) return;
    let s = kk - 1;
    while (s > 0 && d < bestD[base + s - 1]!) {
      bestD[base + s] = bestD[base + s - 1]!;
      bestJ[base + s] = bestJ[base + s - 1]!;
      s--;
    }
    bestD[base + s] = d;
    bestJ[base + s] = b;
  };
  for (let a = 0; a < m; a++) {
    const ra = a * dim;
    for (let b = a + 1; b < m; b++) {
      const rb = b * dim;
      let d = 0;
      for (let t = 0; t < dim; t++) {
        const diff = rows[ra + t]! - rows[rb + t]!;
        d += diff * diff;
      }
      offer(a, b, d);
      offer(b, a, d);
    }
  }
  for (let a = 0; a < m; a++)
    for (let s = 0; s < kk; s++) {
      index[members[a]! * kk + s] = members[bestJ[a * kk + s]!]!;
      distance[members[a]! * kk + s] = Math.sqrt(bestD[a * kk + s]!);
    }
  return { k: kk, index, distance };
}

/** What each record's neighbours say its label is. */
export interface NeighbourVote {
  /** The class most of each record's labelled neighbours carry (a tie goes to the smaller class id); -1 where it has none or is unlabelled. */
  readonly vote: Int32Array;
  /** The fraction of its labelled neighbours that carry `vote` (with several witnesses, the mean of their fractions); 0 where `vote` is -1. */
  readonly share: Float64Array;
}

/** One neighbour list and how many of each of its lists vote: a witness. */
export interface Witness {
  readonly neighbours: Neighbours;
  /** The first `k` of each list vote (at most `neighbours.k`). */
  readonly k: number;
}

/**
 * The class each labelled record's `k` nearest neighbours vote for (the
 * first `k` of each list; labels -1 are neither counted nor given a vote).
 */
export function neighbourVote(neighbours: Neighbours, labels: ArrayLike<number>, k = neighbours.k): NeighbourVote {
  return jointVote([{ neighbours, k }], labels);
}

/**
 * The class several witnesses vote for together: each gives every class the
 * fraction of the record's labelled neighbours in its list that carry it,
 * and the vote is the class with the largest mean fraction over the
 * witnesses that list any labelled neighbour of the record (a tie goes to
 * the smaller class id). Two views of a record (its input and its code) err
 * on different records, so a label both contradict is a likelier mistake
 * than one either contradicts alone.
 */
export function jointVote(witnesses: readonly Witness[], labels: ArrayLike<number>): NeighbourVote {
  const n = labels.length;
  for (const { neighbours, k } of witnesses) {
    if (neighbours.index.length !== n * neighbours.k)
      throw new Error(`neighbourVote: ${neighbours.index.length} neighbour indices for ${n} records of ${neighbours.k}`);
    if (!(Number.isInteger(k) && k >= 0 && k <= neighbours.k)) throw new Error(`neighbourVote: k must be 0 to ${neighbours.k}, got ${k}`);
  }
  const vote = new Int32Array(n).fill(-1);
  const share = new Float64Array(n);
  const total = new Map<number, number>();
  const counts = new Map<number, number>();
  for (let i = 0; i < n; i++) {
    if (labels[i]! < 0) continue;
    total.clear();
    let speaking = 0;
    for (const { neighbours, k } of witnesses) {
      counts.clear();
      let voters = 0;
      for (let s = 0; s < k; s++) {
        const j = neighbours.index[i * neighbours.k + s]!;
        const c = j < 0 ? -1 : labels[j]!;
        if (c < 0) continue;
        voters++;
        counts.set(c, (counts.get(c) ?? 0) + 1);
      }
      if (voters === 0) continue;
      speaking++;
      for (const [c, count] of counts) total.set(c, (total.get(c) ?? 0) + count / voters);
    }
    if (speaking === 0) continue;
    let best = -1;
    for (const [c, sum] of total) if (best < 0 || sum > total.get(best)! || (sum === total.get(best)! && c < best)) best = c;
    vote[i] = best;
    share[i] = total.get(best)! / speaking;
  }
  return { vote, share };
}

/**
 * Whether a vote (`jointVote`'s) gives each record its own label: 1 where it
 * does, 0 where it names another class, -1 where the record is unlabelled
 * or none of its neighbours is labelled.
 */
function readEach(vote: ArrayLike<number>, labels: ArrayLike<number>): Int8Array {
  return Int8Array.from({ length: labels.length }, (_, i) => (labels[i]! < 0 || vote[i]! < 0 ? -1 : vote[i] === labels[i] ? 1 : 0));
}

/** The share of the records asked (not -1) that read right (1); 0 when none is asked. */
function shareRead(read: Int8Array): number {
  let asked = 0;
  let right = 0;
  for (const r of read) {
    if (r < 0) continue;
    asked++;
    right += r;
  }
  return asked > 0 ? right / asked : 0;
}

/**
 * How well witnesses read the labels they are given: the share of the
 * labelled records that their joint vote (`jointVote(...).vote`) gives their
 * own label; 0 when no labelled record has a labelled neighbour. Measured on
 * the labels under check, mistakes and all: neighbourhoods that mix the
 * classes read them worse, whichever labels are wrong.
 */
export function readOut(vote: ArrayLike<number>, labels: ArrayLike<number>): number {
  return shareRead(readEach(vote, labels));
}

/** How well two votes read the same labels (`compareReadOuts`). */
export interface ReadOutContrast {
  /** `readOut` of the first. */
  readonly first: number;
  /** `readOut` of the second. */
  readonly second: number;
  /**
   * The sign test of the first reading better, over the records the two read
   * differently: (read right by the first only − by the second only) /
   * √(their sum); 0 when they read every record alike.
   */
  readonly z: number;
}

/**
 * `readOut` of two votes over the same labels (each `jointVote(...).vote` of
 * a set of witnesses), and whether the difference is more than chance. Both
 * read the same records, so the records they read alike say nothing about
 * which is better; the sign test asks only the others.
 */
export function compareReadOuts(first: ArrayLike<number>, second: ArrayLike<number>, labels: ArrayLike<number>): ReadOutContrast {
  const a = readEach(first, labels);
  const b = readEach(second, labels);
  let onlyFirst = 0;
  let onlySecond = 0;
  for (let i = 0; i < a.length; i++) {
    if (a[i] === 1 && b[i] !== 1) onlyFirst++;
    if (b[i] === 1 && a[i] !== 1) onlySecond++;
  }
  const differ = onlyFirst + onlySecond;
  return { first: shareRead(a), second: shareRead(b), z: differ > 0 ? (onlyFirst - onlySecond) / Math.sqrt(differ) : 0 };
}
