import { Rng } from '../tensor/random.js';

/**
 * k-means on plain row-major arrays (n rows of d values): the centroid
 * initialisation of the fine-tuning stage and the paper's baselines (k-means
 * on raw records, spectrograms, codes). All arithmetic is in float64 whatever
 * the input type.
 */

export interface KMeansOptions {
  /** Number of clusters, 1 <= k <= n. */
  k: number;
  /** Independent restarts; the one with the lowest inertia wins. Default 20, the paper's. */
  nInit?: number;
  /** Maximum Lloyd iterations per restart. Default 300. */
  maxIter?: number;
  /** Convergence tolerance on the summed squared centre shift, relative to the mean per-feature variance. Default 1e-4. */
  tol?: number;
  /** Seed of the generator; restarts draw from forks of it. Default 0. */
  seed?: number;
}

export interface KMeansResult {
  /** k x d centres, row-major. */
  centroids: Float64Array;
  /** Index of the nearest centre for every row, consistent with `centroids`. */
  labels: Int32Array;
  /** Sum of squared distances of the rows to their nearest centre. */
  inertia: number;
  /** Lloyd iterations (assignment passes) of the winning restart. */
  iterations: number;
  /** Restarts run. */
  nInit: number;
}

export interface CentroidAssignment {
  /** Index of the nearest centroid of every row (lowest index on a tie). */
  labels: Int32Array;
  /** Squared Euclidean distance of every row to that centroid. */
  squaredDistances: Float64Array;
}

/**
 * k-means of n rows of d values. Follows scikit-learn's
 * `KMeans(algorithm="lloyd")` so results compare with the authors' notebook:
 * - seeding is *greedy* k-means++ (Arthur and Vassilvitskii 2007, with
 *   scikit-learn's refinement): the first centre is a uniformly random row;
 *   every later centre is the best of `2 + floor(ln k)` candidates drawn with
 *   probability proportional to the squared distance to the nearest chosen
 *   centre, best meaning the lowest resulting sum of squared distances;
 * - Lloyd iterations (sped up with exact distance bounds, see `lloyd`) stop
 *   when no label changes, when the summed squared centre shift is at most
 *   `tol` times the mean per-feature variance of the data, or after `maxIter`;
 * - a cluster left empty takes the row farthest from its centre (see `reseedEmpty`);
 * - `nInit` restarts, each from its own fork of `new Rng(seed)`; the lowest
 *   inertia wins, the earliest on a tie.
 * With fewer distinct rows than k some centres coincide and, ties going to the
 * lowest index, their later copies end with no rows (inertia is 0 then), as in
 * scikit-learn.
 */
export function kMeans(data: Float32Array | Float64Array, n: number, d: number, options: KMeansOptions): KMeansResult {
  const { k } = options;
  const nInit = options.nInit ?? 20;
  const maxIter = options.maxIter ?? 300;
  const tol = options.tol ?? 1e-4;
  const seed = options.seed ?? 0;
  checkShape('kMeans', data, n, d);
  checkPositiveInteger('kMeans', 'k', k);
  if (k > n) throw new Error(`kMeans: k = ${k} clusters need at least ${k} rows, got n = ${n}`);
  checkPositiveInteger('kMeans', 'nInit', nInit);
  checkPositiveInteger('kMeans', 'maxIter', maxIter);
  if (!Number.isFinite(tol) || tol < 0) throw new Error(`kMeans: tol must be a finite number >= 0, got ${tol}`);
  if (!Number.isFinite(seed)) throw new Error(`kMeans: seed must be a finite number, got ${seed}`);
  const x = toFiniteFloat64('kMeans', 'data', data, n, d);

  const tolAbs = tol * meanFeatureVariance(x, n, d);
  const work = new Workspace(n, d, k);
  const rng = new Rng(seed);
  let best: KMeansResult | undefined;
  for (let run = 0; run < nInit; run++) {
    // A fork per restart: each restart's draws depend on the seed and its index only.
    const centers = seedPlusPlus(x, n, d, k, rng.fork(), work);
    const result = lloyd(x, n, d, k, centers, maxIter, tolAbs, work);
    if (best === undefined || result.inertia < best.inertia) best = { ...result, nInit };
  }
  // nInit >= 1 was checked, so the loop ran at least once.
  return best!;
}

/** Nearest centroid of every row: prediction with centroids from `kMeans` (or a trained clustering layer). */
export function assignToCentroids(
  data: Float32Array | Float64Array,
  n: number,
  d: number,
  centroids: Float32Array | Float64Array,
  k: number,
): CentroidAssignment {
  checkShape('assignToCentroids', data, n, d);
  checkPositiveInteger('assignToCentroids', 'k', k);
  if (centroids.length !== k * d) {
    throw new Error(`assignToCentroids: centroids has length ${centroids.length}, expected k * d = ${k} * ${d} = ${k * d}`);
  }
  const x = toFiniteFloat64('assignToCentroids', 'data', data, n, d);
  const c = toFiniteFloat64('assignToCentroids', 'centroids', centroids, k, d);
  const labels = new Int32Array(n);
  const squaredDistances = new Float64Array(n);
  assign(x, n, d, c, k, labels, squaredDistances);
  return { labels, squaredDistances };
}

/** Scratch buffers shared by all restarts, so the iterations allocate nothing. */
class Workspace {
  readonly minDist: Float64Array;
  /** Hamerly's bounds (Euclidean, not squared), per row. */
  readonly upper: Float64Array;
  readonly lower: Float64Array;
  /** Per centre: half the distance to the nearest other centre, and the last move. */
  readonly halfGap: Float64Array;
  readonly moved: Float64Array;
  /**
   * Greedy k-means++: squared distances to the nearest chosen centre, and the
   * same capped by the candidate under test and by the best candidate so far.
   */
  closest: Float64Array;
  candDist: Float64Array;
  bestDist: Float64Array;
  readonly cumsum: Float64Array;
  readonly sums: Float64Array;
  readonly counts: Float64Array;

  constructor(n: number, d: number, k: number) {
    this.minDist = new Float64Array(n);
    this.upper = new Float64Array(n);
    this.lower = new Float64Array(n);
    this.halfGap = new Float64Array(k);
    this.moved = new Float64Array(k);
    this.closest = new Float64Array(n);
    this.candDist = new Float64Array(n);
    this.bestDist = new Float64Array(n);
    this.cumsum = new Float64Array(n);
    this.sums = new Float64Array(k * d);
    this.counts = new Float64Array(k);
  }
}

function seedPlusPlus(x: Float64Array, n: number, d: number, k: number, rng: Rng, work: Workspace): Float64Array {
  const centers = new Float64Array(k * d);
  const first = rng.int(n);
  centers.set(x.subarray(first * d, first * d + d), 0);
  distancesToRow(x, n, d, first, work.closest, undefined);
  const trials = 2 + Math.floor(Math.log(k));
  const cumsum = work.cumsum;
  for (let c = 1; c < k; c++) {
    let acc = 0;
    for (let i = 0; i < n; i++) {
      acc += work.closest[i]!;
      cumsum[i] = acc;
    }
    let bestPot = Infinity;
    let bestId = -1;
    for (let t = 0; t < trials; t++) {
      // A zero total means every point sits on a centre: any choice is as good, take a uniform one.
      const id = acc > 0 ? sampleCumulative(cumsum, n, rng.uniform() * acc) : rng.int(n);
      const candPot = distancesToRow(x, n, d, id, work.candDist, work.closest);
      if (bestId < 0 || candPot < bestPot) {
        bestPot = candPot;
        bestId = id;
        const swap = work.bestDist;
        work.bestDist = work.candDist;
        work.candDist = swap;
      }
    }
    // The winner's capped distances are the nearest-centre distances from now on.
    const swap = work.closest;
    work.closest = work.bestDist;
    work.bestDist = swap;
    centers.set(x.subarray(bestId * d, bestId * d + d), c * d);
  }
  return centers;
}

/**
 * First index whose running sum exceeds r: a zero-weight point (one already at
 * a centre) is never drawn. Rounding can make r reach the total; the last index
 * is the answer then.
 */
function sampleCumulative(cumsum: Float64Array, n: number, r: number): number {
  let lo = 0;
  let hi = n - 1;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (cumsum[mid]! > r) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

/**
 * Squared Euclidean distance between a[ao .. ao+d) and b[bo .. bo+d). Four
 * partial sums break the chain of dependent additions (about twice as fast
 * for the short rows of codes); every caller uses this one summation order.
 */
function sqDist(a: Float64Array, ao: number, b: Float64Array, bo: number, d: number): number {
  let s0 = 0;
  let s1 = 0;
  let s2 = 0;
  let s3 = 0;
  let j = 0;
  for (const end = d - 3; j < end; j += 4) {
    const t0 = a[ao + j]! - b[bo + j]!;
    const t1 = a[ao + j + 1]! - b[bo + j + 1]!;
    const t2 = a[ao + j + 2]! - b[bo + j + 2]!;
    const t3 = a[ao + j + 3]! - b[bo + j + 3]!;
    s0 += t0 * t0;
    s1 += t1 * t1;
    s2 += t2 * t2;
    s3 += t3 * t3;
  }
  for (; j < d; j++) {
    const t = a[ao + j]! - b[bo + j]!;
    s0 += t * t;
  }
  return s0 + s1 + (s2 + s3);
}

/**
 * Squared distances of all rows to row `id`, capped by `cap` when given
 * (the current nearest-centre distances), into `out`; returns their sum.
 */
function distancesToRow(x: Float64Array, n: number, d: number, id: number, out: Float64Array, cap: Float64Array | undefined): number {
  const base = id * d;
  let total = 0;
  for (let i = 0, row = 0; i < n; i++, row += d) {
    let s = sqDist(x, row, x, base, d);
    if (cap !== undefined && cap[i]! < s) s = cap[i]!;
    out[i] = s;
    total += s;
  }
  return total;
}

/** Nearest centre (lowest index on a tie) and its squared distance for every row. */
function assign(x: Float64Array, n: number, d: number, centers: Float64Array, k: number, labels: Int32Array, minDist: Float64Array): void {
  for (let i = 0, row = 0; i < n; i++, row += d) {
    let bestC = 0;
    let bestD = Infinity;
    for (let c = 0, crow = 0; c < k; c++, crow += d) {
      const s = sqDist(x, row, centers, crow, d);
      if (s < bestD) {
        bestD = s;
        bestC = c;
      }
    }
    labels[i] = bestC;
    minDist[i] = bestD;
  }
}

/** Squared distance of every row to the centre it is labelled with. */
function distancesToAssigned(x: Float64Array, n: number, d: number, centers: Float64Array, labels: Int32Array, out: Float64Array): void {
  for (let i = 0, row = 0; i < n; i++, row += d) out[i] = sqDist(x, row, centers, labels[i]! * d, d);
}

/**
 * Lloyd's algorithm with Hamerly's (2010) bounds. Each row keeps an upper bound
 * on the distance to its own centre and a lower bound on the distance to every
 * other centre, both loosened by how far the centres move. A row whose upper
 * bound is below its lower bound, or below half the distance from its centre to
 * the nearest other centre, cannot change cluster, so its k distances are
 * skipped: late iterations, where the centres barely move, cost little more
 * than the centre update. The bounds only skip work; labels are plain Lloyd's
 * (up to rounding), ties to the lowest index included, because the strict
 * comparisons never skip a row that is equidistant from two centres.
 */
function lloyd(
  x: Float64Array,
  n: number,
  d: number,
  k: number,
  initial: Float64Array,
  maxIter: number,
  tolAbs: number,
  work: Workspace,
): Omit<KMeansResult, 'nInit'> {
  let centers = initial;
  let next: Float64Array = new Float64Array(k * d);
  const labels = new Int32Array(n).fill(-1);
  const { minDist, upper, lower, halfGap, moved, sums, counts } = work;
  sums.fill(0);
  counts.fill(0);
  let iterations = 0;
  while (iterations < maxIter) {
    iterations++;
    // Unchanged labels mean the current centres are already their means: a fixed point.
    if (assignBounded(x, n, d, centers, k, labels, upper, lower, halfGap, sums, counts, iterations === 1) === 0) break;
    if (counts.includes(0)) {
      // Rare, so the exact distances the re-seeding needs are computed only here.
      distancesToAssigned(x, n, d, centers, labels, minDist);
      reseedEmpty(x, n, d, k, labels, minDist, sums, counts, upper, lower);
    }
    let shift = 0;
    for (let c = 0, crow = 0; c < k; c++, crow += d) {
      const inv = 1 / counts[c]!;
      let m2 = 0;
      for (let j = 0; j < d; j++) {
        const m = sums[crow + j]! * inv;
        const t = m - centers[crow + j]!;
        m2 += t * t;
        next[crow + j] = m;
      }
      moved[c] = Math.sqrt(m2);
      shift += m2;
    }
    const swap = centers;
    centers = next;
    next = swap;
    if (shift <= tolAbs) break;
    loosenBounds(n, k, labels, upper, lower, moved);
  }
  // One exact pass for the labels and inertia of the returned centres: the
  // bounds hold no squared distances, and a stop on tol or maxIter leaves the
  // labels one centre update behind.
  assign(x, n, d, centers, k, labels, minDist);
  let inertia = 0;
  for (let i = 0; i < n; i++) inertia += minDist[i]!;
  return { centroids: centers, labels, inertia, iterations };
}

/**
 * One assignment pass keeping Hamerly's bounds; `full` scans every row (the
 * first pass, when no bounds exist yet; labels start at -1). The per-cluster
 * coordinate sums and counts follow the rows that change cluster, so an
 * iteration costs O(d) per moved row instead of a pass over all the data; the
 * rounding this adds to the sums is of the order of one ulp per move. Returns
 * how many labels changed.
 */
function assignBounded(
  x: Float64Array,
  n: number,
  d: number,
  centers: Float64Array,
  k: number,
  labels: Int32Array,
  upper: Float64Array,
  lower: Float64Array,
  halfGap: Float64Array,
  sums: Float64Array,
  counts: Float64Array,
  full: boolean,
): number {
  if (!full) halfGaps(centers, k, d, halfGap);
  let changed = 0;
  for (let i = 0, row = 0; i < n; i++, row += d) {
    if (!full) {
      const a = labels[i]!;
      const bound = Math.max(halfGap[a]!, lower[i]!);
      if (upper[i]! < bound) continue;
      // The bound may only be loose: tighten it with the exact distance before scanning all centres.
      upper[i] = Math.sqrt(sqDist(x, row, centers, a * d, d));
      if (upper[i]! < bound) continue;
    }
    let bestC = 0;
    let bestD = Infinity;
    let secondD = Infinity;
    for (let c = 0, crow = 0; c < k; c++, crow += d) {
      const s = sqDist(x, row, centers, crow, d);
      if (s < bestD) {
        secondD = bestD;
        bestD = s;
        bestC = c;
      } else if (s < secondD) {
        secondD = s;
      }
    }
    const old = labels[i]!;
    if (old !== bestC) {
      const to = bestC * d;
      if (old >= 0) {
        const from = old * d;
        for (let j = 0; j < d; j++) sums[from + j] -= x[row + j]!;
        counts[old]--;
      }
      for (let j = 0; j < d; j++) sums[to + j] += x[row + j]!;
      counts[bestC]++;
      labels[i] = bestC;
      changed++;
    }
    upper[i] = Math.sqrt(bestD);
    lower[i] = Math.sqrt(secondD);
  }
  return changed;
}

/** Half the distance from each centre to its nearest other centre (Infinity for k = 1). */
function halfGaps(centers: Float64Array, k: number, d: number, out: Float64Array): void {
  out.fill(Infinity);
  for (let a = 0; a < k; a++) {
    for (let b = a + 1; b < k; b++) {
      const h = 0.5 * Math.sqrt(sqDist(centers, a * d, centers, b * d, d));
      if (h < out[a]!) out[a] = h;
      if (h < out[b]!) out[b] = h;
    }
  }
}

/**
 * After the centres move, a row's own centre is at most `moved[own]` farther
 * and any other centre at most the largest move of the others nearer.
 */
function loosenBounds(n: number, k: number, labels: Int32Array, upper: Float64Array, lower: Float64Array, moved: Float64Array): void {
  let maxC = 0;
  let second = 0;
  for (let c = 1; c < k; c++) {
    if (moved[c]! > moved[maxC]!) {
      second = moved[maxC]!;
      maxC = c;
    } else if (moved[c]! > second) {
      second = moved[c]!;
    }
  }
  const max = moved[maxC]!;
  for (let i = 0; i < n; i++) {
    const a = labels[i]!;
    upper[i] += moved[a]!;
    lower[i] -= a === maxC ? second : max;
  }
}

/**
 * An empty cluster takes the point farthest from its assigned centre, as
 * scikit-learn does: that point is the worst served, so moving it lowers the
 * inertia most. Only points of clusters with two or more members qualify, so a
 * donor never becomes empty (n >= k guarantees such a point exists while any
 * cluster is empty); a moved point gets distance 0 so it is not taken twice.
 * `minDist` must hold the squared distances to the assigned centres.
 */
function reseedEmpty(
  x: Float64Array,
  n: number,
  d: number,
  k: number,
  labels: Int32Array,
  minDist: Float64Array,
  sums: Float64Array,
  counts: Float64Array,
  upper: Float64Array,
  lower: Float64Array,
): void {
  for (let c = 0; c < k; c++) {
    if (counts[c] !== 0) continue;
    let far = -1;
    let farDist = -1;
    for (let i = 0; i < n; i++) {
      if (counts[labels[i]!]! > 1 && minDist[i]! > farDist) {
        farDist = minDist[i]!;
        far = i;
      }
    }
    const donor = labels[far]!;
    const row = far * d;
    for (let j = 0; j < d; j++) {
      sums[donor * d + j] -= x[row + j]!;
      sums[c * d + j] = x[row + j]!;
    }
    counts[donor]--;
    counts[c] = 1;
    labels[far] = c;
    minDist[far] = 0;
    // The point becomes its new centre exactly; a zero lower bound forces a full scan next pass.
    upper[far] = 0;
    lower[far] = 0;
  }
}

/** scikit-learn's scale for `tol`: the mean over features of the (population) variance. */
function meanFeatureVariance(x: Float64Array, n: number, d: number): number {
  let total = 0;
  for (let j = 0; j < d; j++) {
    let mean = 0;
    for (let i = 0; i < n; i++) mean += x[i * d + j]!;
    mean /= n;
    let v = 0;
    for (let i = 0; i < n; i++) {
      const t = x[i * d + j]! - mean;
      v += t * t;
    }
    total += v / n;
  }
  return total / d;
}

function checkPositiveInteger(fn: string, name: string, v: number): void {
  if (!Number.isInteger(v) || v < 1) throw new Error(`${fn}: ${name} must be a positive integer, got ${v}`);
}

function checkShape(fn: string, data: ArrayLike<number>, n: number, d: number): void {
  checkPositiveInteger(fn, 'n (rows)', n);
  checkPositiveInteger(fn, 'd (columns)', d);
  if (data.length !== n * d) throw new Error(`${fn}: data has length ${data.length}, expected n * d = ${n} * ${d} = ${n * d}`);
}

/**
 * Checks every value is finite (naming the first bad one) and returns float64
 * data: float32 input is widened once so the loops read one array type and
 * accumulate in double precision; float64 input is used as is (never written).
 */
function toFiniteFloat64(fn: string, name: string, data: Float32Array | Float64Array, rows: number, d: number): Float64Array {
  const len = rows * d;
  for (let i = 0; i < len; i++) {
    if (!Number.isFinite(data[i]!)) {
      throw new Error(`${fn}: ${name} has a non-finite value ${data[i]} at row ${Math.floor(i / d)}, column ${i % d}`);
    }
  }
  return data instanceof Float64Array ? data : Float64Array.from(data);
}
