/**
 * t-SNE (van der Maaten and Hinton 2008) for the report's maps of the data and
 * code spaces (the paper's Fig. 3): the exact O(n^2) gradient for small sets
 * and the Barnes-Hut approximation (van der Maaten 2014: a quadtree over the
 * embedding, sparse input affinities over the 3 * perplexity nearest
 * neighbours) for up to about 10,000 points.
 *
 * The optimisation follows the reference implementations (bhtsne,
 * scikit-learn): Gaussian input affinities calibrated per point by binary
 * search on the precision until the entropy is log(perplexity), symmetrised;
 * a random start with standard deviation 1e-4; early exaggeration of the
 * affinities; gradient descent with momentum and per-coordinate gains
 * (delta-bar-delta); the embedding re-centred every iteration.
 *
 * Learning rate 'auto' is max(n / earlyExaggeration / 4, 50), scikit-learn's
 * rule: Belkina et al. (2019) recommend n / earlyExaggeration for a gradient
 * without the factor 4; ours keeps the factor 4 of the textbook gradient, so
 * the step is divided by 4 to be the same step.
 *
 * Inputs wider than 50 dimensions are first reduced to their 50 leading
 * principal components (as bhtsne and Rtsne do): distances barely change and
 * the neighbour search gets cheaper.
 *
 * Everything is deterministic for a seed: the start comes from `Rng(seed)`,
 * the PCA's start from a fork of it, and all sums run in a fixed order.
 */
import { Rng } from '../tensor/random.js';

export type TsneMethod = 'auto' | 'exact' | 'barnes-hut';

export interface TsneOptions {
  /**
   * Effective number of neighbours of each point; 5 to 50 is usual. Default
   * 30. Clamped to (n - 1) / 3 for fewer points: calibrating a point takes
   * 3 * perplexity neighbours (bhtsne's condition), so 10 points allow 3.
   */
  perplexity?: number;
  /** Gradient-descent iterations. Default 1000. */
  iterations?: number;
  /** Seed of the random start (and of the PCA's start). Default 0. */
  seed?: number;
  /** Barnes-Hut accuracy: a cell of width w at distance r is one body when w / r < theta. Default 0.5. */
  theta?: number;
  /** 'auto' (the default) is exact for n <= EXACT_MAX_AUTO, Barnes-Hut above. */
  method?: TsneMethod;
  /** Step size, or 'auto' (the default): max(n / earlyExaggeration / 4, 50). */
  learningRate?: number | 'auto';
  /** Factor on the affinities during the first `exaggerationIterations`. Default 12. */
  earlyExaggeration?: number;
  /** Iterations with exaggerated affinities and momentum 0.5; momentum is 0.8 after. Default 250. */
  exaggerationIterations?: number;
  /** Inputs wider than this are reduced to this many principal components first. Default 50. */
  pcaDims?: number;
  /**
   * Called every `progressInterval` iterations and after the last, with the
   * iteration count done and the KL divergence KL(P || Q) of the current map
   * (for the true affinities, without exaggeration; for Barnes-Hut over the
   * sparse affinities, with the tree's estimate of the normaliser).
   */
  onProgress?: (iteration: number, kl: number) => void;
  /** Default 50. */
  progressInterval?: number;
}

/** 'auto' uses the exact gradient up to this many points. */
export const EXACT_MAX_AUTO = 1000;
/** The exact method holds n x n matrices; above this it refuses (use Barnes-Hut). */
export const EXACT_MAX = 5000;

/** Entropy tolerance (nats) and step limit of the per-point binary search. */
const ENTROPY_TOL = 1e-5;
const SEARCH_STEPS = 200;
/** Floor on affinities inside the KL's logarithm. */
const P_FLOOR = 1e-12;
const MIN_GAIN = 0.01;
/** Subspace-iteration limit and relative tolerance on the captured variance. */
const PCA_STEPS = 100;
const PCA_TOL = 1e-9;
/** Points a quadtree leaf holds before it is split (8 was fastest at n = 9,200). */
const BUCKET = 8;

/**
 * Embeds n points of d dimensions (row-major `data`) in 2-D. Returns n x 2
 * coordinates, row-major. Throws for n < 2, a length that is not n * d,
 * non-finite values (naming the row and column), and options out of range.
 */
export function tsne(data: Float32Array | Float64Array, n: number, d: number, options: TsneOptions = {}): Float64Array {
  const o = resolveOptions(n, d, data, options);
  checkFinite(data, n, d);
  const rng = new Rng(o.seed);
  const pcaRng = rng.fork();
  let x: Float64Array;
  let dims = d;
  if (d > o.pcaDims) {
    x = pca(data, n, d, o.pcaDims, pcaRng);
    dims = o.pcaDims;
  } else {
    x = Float64Array.from(data);
  }

  const y = new Float64Array(2 * n);
  for (let i = 0; i < 2 * n; i++) y[i] = 1e-4 * rng.normal();

  const objective: Objective = o.method === 'exact' ? exactObjective(x, n, dims, o.perplexity) : barnesHutObjective(x, n, dims, o.perplexity, o.theta);

  const grad = new Float64Array(2 * n);
  const update = new Float64Array(2 * n);
  const gains = new Float64Array(2 * n).fill(1);
  for (let iter = 0; iter < o.iterations; iter++) {
    const early = iter < o.exaggerationIterations;
    const exaggeration = early ? o.earlyExaggeration : 1;
    const momentum = early ? 0.5 : 0.8;
    const report = o.onProgress !== undefined && ((iter + 1) % o.progressInterval === 0 || iter === o.iterations - 1);
    const kl = objective.gradient(y, exaggeration, grad, report);
    for (let k = 0; k < 2 * n; k++) {
      const g = grad[k]!;
      // Delta-bar-delta: grow the gain while the descent direction (-g) agrees with the last step, shrink it when it flips.
      const gain = g > 0 !== update[k]! > 0 ? gains[k]! + 0.2 : gains[k]! * 0.8;
      gains[k] = Math.max(gain, MIN_GAIN);
      update[k] = momentum * update[k]! - o.learningRate * gains[k]! * g;
      y[k] = y[k]! + update[k]!;
    }
    recentre(y, n);
    if (report) o.onProgress!(iter + 1, kl);
  }
  return y;
}

interface ResolvedOptions {
  perplexity: number;
  iterations: number;
  seed: number;
  theta: number;
  method: 'exact' | 'barnes-hut';
  learningRate: number;
  earlyExaggeration: number;
  exaggerationIterations: number;
  pcaDims: number;
  onProgress: ((iteration: number, kl: number) => void) | undefined;
  progressInterval: number;
}

function resolveOptions(n: number, d: number, data: Float32Array | Float64Array, options: TsneOptions): ResolvedOptions {
  if (!Number.isInteger(n) || n < 2) throw new Error(`tsne: need at least 2 points, got n = ${n}`);
  if (!Number.isInteger(d) || d < 1) throw new Error(`tsne: need at least 1 dimension, got d = ${d}`);
  if (data.length !== n * d) throw new Error(`tsne: data has ${data.length} values, n * d = ${n} * ${d} = ${n * d}`);
  const asked = options.perplexity ?? 30;
  if (!(Number.isFinite(asked) && asked > 0)) throw new Error(`tsne: perplexity must be a positive number, got ${asked}`);
  const perplexity = Math.min(asked, (n - 1) / 3);
  const positiveInt = (name: string, v: number, min: number): number => {
    if (!Number.isInteger(v) || v < min) throw new Error(`tsne: ${name} must be an integer >= ${min}, got ${v}`);
    return v;
  };
  const iterations = positiveInt('iterations', options.iterations ?? 1000, 1);
  const exaggerationIterations = positiveInt('exaggerationIterations', options.exaggerationIterations ?? 250, 0);
  const pcaDims = positiveInt('pcaDims', options.pcaDims ?? 50, 2);
  const progressInterval = positiveInt('progressInterval', options.progressInterval ?? 50, 1);
  const seed = options.seed ?? 0;
  if (!Number.isFinite(seed)) throw new Error(`tsne: seed must be a finite number, got ${seed}`);
  const theta = options.theta ?? 0.5;
  if (!(Number.isFinite(theta) && theta > 0)) throw new Error(`tsne: theta must be a positive number, got ${theta}`);
  const earlyExaggeration = options.earlyExaggeration ?? 12;
  if (!(Number.isFinite(earlyExaggeration) && earlyExaggeration >= 1)) {
    throw new Error(`tsne: earlyExaggeration must be a number >= 1, got ${earlyExaggeration}`);
  }
  const lr = options.learningRate ?? 'auto';
  const learningRate = lr === 'auto' ? Math.max(n / earlyExaggeration / 4, 50) : lr;
  if (!(Number.isFinite(learningRate) && learningRate > 0)) {
    throw new Error(`tsne: learningRate must be a positive number or 'auto', got ${String(lr)}`);
  }
  const requested = options.method ?? 'auto';
  if (requested !== 'auto' && requested !== 'exact' && requested !== 'barnes-hut') {
    throw new Error(`tsne: method must be 'auto', 'exact' or 'barnes-hut', got ${JSON.stringify(requested)}`);
  }
  const method = requested === 'auto' ? (n <= EXACT_MAX_AUTO ? 'exact' : 'barnes-hut') : requested;
  if (method === 'exact' && n > EXACT_MAX) {
    throw new Error(`tsne: the exact method holds n x n matrices and is limited to ${EXACT_MAX} points, got ${n}; use 'barnes-hut'`);
  }
  return {
    perplexity,
    iterations,
    seed,
    theta,
    method,
    learningRate,
    earlyExaggeration,
    exaggerationIterations,
    pcaDims,
    onProgress: options.onProgress,
    progressInterval,
  };
}

function checkFinite(data: Float32Array | Float64Array, n: number, d: number): void {
  for (let i = 0; i < n * d; i++) {
    if (!Number.isFinite(data[i])) {
      throw new Error(`tsne: data[row ${Math.floor(i / d)}, column ${i % d}] = ${data[i]} is not finite`);
    }
  }
}

function recentre(y: Float64Array, n: number): void {
  let mx = 0;
  let my = 0;
  for (let i = 0; i < n; i++) {
    mx += y[2 * i]!;
    my += y[2 * i + 1]!;
  }
  mx /= n;
  my /= n;
  for (let i = 0; i < n; i++) {
    y[2 * i] = y[2 * i]! - mx;
    y[2 * i + 1] = y[2 * i + 1]! - my;
  }
}

// ---------------------------------------------------------------------------
// Input affinities.

/**
 * Conditional affinities p_{j|i} of one point from its squared distances to
 * the others (`sqDist`, the point itself excluded): p_j proportional to
 * exp(-beta * sqDist_j), with the precision beta found by bisection so that
 * the entropy -sum p_j ln p_j is ln(perplexity) to within 1e-5 nats. Writes
 * the normalised affinities to `out` (same length) and returns beta.
 *
 * Distances are shifted by their minimum before exponentiating, which leaves
 * the normalised p unchanged and keeps the largest term at exp(0) = 1, so the
 * sum never underflows however far the point is from the rest.
 */
export function calibrateRow(sqDist: Float64Array, perplexity: number, out: Float64Array): number {
  const m = sqDist.length;
  let dmin = Infinity;
  for (let j = 0; j < m; j++) dmin = Math.min(dmin, sqDist[j]!);
  const target = Math.log(perplexity);
  let beta = 1;
  let lo = 0;
  let hi = Infinity;
  let sum = 1;
  for (let step = 0; step < SEARCH_STEPS; step++) {
    sum = 0;
    let weighted = 0;
    for (let j = 0; j < m; j++) {
      const dj = sqDist[j]! - dmin;
      const p = Math.exp(-beta * dj);
      out[j] = p;
      sum += p;
      weighted += dj * p;
    }
    const entropy = Math.log(sum) + (beta * weighted) / sum;
    if (Math.abs(entropy - target) < ENTROPY_TOL) break;
    if (entropy > target) {
      // Too flat: sharpen.
      lo = beta;
      beta = hi === Infinity ? beta * 2 : (beta + hi) / 2;
    } else {
      hi = beta;
      beta = (beta + lo) / 2;
    }
  }
  for (let j = 0; j < m; j++) out[j] = out[j]! / sum;
  return beta;
}

// ---------------------------------------------------------------------------
// The objectives: the gradient of KL(P || Q) for a given embedding.

interface Objective {
  /**
   * Writes the gradient for `y` with the affinities multiplied by
   * `exaggeration` to `grad`; returns KL(P || Q) (true P) when `withKl`, else NaN.
   */
  gradient(y: Float64Array, exaggeration: number, grad: Float64Array, withKl: boolean): number;
}

function exactObjective(x: Float64Array, n: number, d: number, perplexity: number): Objective {
  // Squared distances and conditional affinities, row by row.
  const p = new Float64Array(n * n);
  const row = new Float64Array(n - 1);
  const cond = new Float64Array(n - 1);
  for (let i = 0; i < n; i++) {
    let k = 0;
    for (let j = 0; j < n; j++) {
      if (j === i) continue;
      let s = 0;
      for (let c = 0; c < d; c++) {
        const t = x[i * d + c]! - x[j * d + c]!;
        s += t * t;
      }
      row[k++] = s;
    }
    calibrateRow(row, perplexity, cond);
    k = 0;
    for (let j = 0; j < n; j++) if (j !== i) p[i * n + j] = cond[k++]!;
  }
  // Joint affinities p_ij = (p_{j|i} + p_{i|j}) / 2n: symmetric, summing to 1.
  for (let i = 0; i < n; i++) {
    for (let j = i + 1; j < n; j++) {
      const v = (p[i * n + j]! + p[j * n + i]!) / (2 * n);
      p[i * n + j] = v;
      p[j * n + i] = v;
    }
  }
  const num = new Float64Array(n * n);
  return {
    gradient(y, exaggeration, grad, withKl) {
      // num_ij = 1 / (1 + |y_i - y_j|^2); Z = sum over i != j.
      let z = 0;
      for (let i = 0; i < n; i++) {
        const yi0 = y[2 * i]!;
        const yi1 = y[2 * i + 1]!;
        for (let j = i + 1; j < n; j++) {
          const a = yi0 - y[2 * j]!;
          const b = yi1 - y[2 * j + 1]!;
          const q = 1 / (1 + a * a + b * b);
          num[i * n + j] = q;
          num[j * n + i] = q;
          z += 2 * q;
        }
      }
      // dC/dy_i = 4 sum_j (p_ij - q_ij) num_ij (y_i - y_j), q_ij = num_ij / Z.
      let kl = 0;
      for (let i = 0; i < n; i++) {
        const yi0 = y[2 * i]!;
        const yi1 = y[2 * i + 1]!;
        let g0 = 0;
        let g1 = 0;
        for (let j = 0; j < n; j++) {
          if (j === i) continue;
          const q = num[i * n + j]!;
          const pij = p[i * n + j]!;
          const m = (exaggeration * pij - q / z) * q;
          g0 += m * (yi0 - y[2 * j]!);
          g1 += m * (yi1 - y[2 * j + 1]!);
          if (withKl && pij > 0) kl += pij * Math.log(Math.max(pij, P_FLOOR) / (q / z));
        }
        grad[2 * i] = 4 * g0;
        grad[2 * i + 1] = 4 * g1;
      }
      return withKl ? kl : NaN;
    },
  };
}

/** The upper triangle (j > i) of the sparse symmetric affinities, in compressed rows. */
interface SparseAffinities {
  rowStart: Int32Array;
  cols: Int32Array;
  vals: Float64Array;
}

/**
 * The k = min(n - 1, floor(3 * perplexity)) nearest neighbours of every point,
 * by brute force over all pairs (each pair's distance computed once and
 * offered to both ends): O(n^2 d), a few seconds at n = 10,000 after PCA,
 * and exact, so the map does not depend on a tree's approximations.
 */
function nearestNeighbours(x: Float64Array, n: number, d: number, k: number): { idx: Int32Array; dist: Float64Array } {
  const idx = new Int32Array(n * k);
  const dist = new Float64Array(n * k);
  const size = new Int32Array(n);
  // Per point a max-heap of its k best so far (root = the worst kept).
  const offer = (i: number, j: number, dj: number): void => {
    const base = i * k;
    let s = size[i]!;
    if (s < k) {
      let c = s;
      size[i] = s + 1;
      while (c > 0) {
        const parent = (c - 1) >> 1;
        if (dist[base + parent]! >= dj) break;
        dist[base + c] = dist[base + parent]!;
        idx[base + c] = idx[base + parent]!;
        c = parent;
      }
      dist[base + c] = dj;
      idx[base + c] = j;
      return;
    }
    if (dj >= dist[base]!) return;
    let c = 0;
    s = k;
    for (;;) {
      let child = 2 * c + 1;
      if (child >= s) break;
      if (child + 1 < s && dist[base + child + 1]! > dist[base + child]!) child++;
      if (dist[base + child]! <= dj) break;
      dist[base + c] = dist[base + child]!;
      idx[base + c] = idx[base + child]!;
      c = child;
    }
    dist[base + c] = dj;
    idx[base + c] = j;
  };
  for (let i = 0; i < n; i++) {
    const oi = i * d;
    for (let j = i + 1; j < n; j++) {
      const oj = j * d;
      let s = 0;
      for (let c = 0; c < d; c++) {
        const t = x[oi + c]! - x[oj + c]!;
        s += t * t;
      }
      offer(i, j, s);
      offer(j, i, s);
    }
  }
  return { idx, dist };
}

function sparseAffinities(x: Float64Array, n: number, d: number, perplexity: number): SparseAffinities {
  const k = Math.min(n - 1, Math.floor(3 * perplexity));
  const { idx, dist } = nearestNeighbours(x, n, d, k);
  const cond = new Float64Array(n * k);
  for (let i = 0; i < n; i++) {
    calibrateRow(dist.subarray(i * k, (i + 1) * k), perplexity, cond.subarray(i * k, (i + 1) * k));
  }
  // Symmetrise: p_ij = (p_{j|i} + p_{i|j}) / 2n. Every directed entry (i, j)
  // lands in row i and row j; duplicates (mutual neighbours) are merged with a
  // column-to-slot marker, so no sorting is needed. Only j > i is kept: the
  // gradient visits each pair once and applies it to both ends.
  const count = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    for (let t = 0; t < k; t++) {
      count[i]!++;
      count[idx[i * k + t]!]!++;
    }
  }
  const tmpStart = new Int32Array(n + 1);
  for (let i = 0; i < n; i++) tmpStart[i + 1] = tmpStart[i]! + count[i]!;
  const fill = tmpStart.slice(0, n);
  const tmpCols = new Int32Array(tmpStart[n]!);
  const tmpVals = new Float64Array(tmpStart[n]!);
  for (let i = 0; i < n; i++) {
    for (let t = 0; t < k; t++) {
      const j = idx[i * k + t]!;
      const v = cond[i * k + t]!;
      tmpCols[fill[i]!] = j;
      tmpVals[fill[i]!++] = v;
      tmpCols[fill[j]!] = i;
      tmpVals[fill[j]!++] = v;
    }
  }
  const rowStart = new Int32Array(n + 1);
  const cols = new Int32Array(tmpStart[n]!);
  const vals = new Float64Array(tmpStart[n]!);
  const slot = new Int32Array(n).fill(-1);
  let at = 0;
  for (let i = 0; i < n; i++) {
    rowStart[i] = at;
    for (let e = tmpStart[i]!; e < tmpStart[i + 1]!; e++) {
      const c = tmpCols[e]!;
      if (c < i) continue;
      if (slot[c] === -1) {
        slot[c] = at;
        cols[at] = c;
        vals[at++] = tmpVals[e]! / (2 * n);
      } else {
        vals[slot[c]!] = vals[slot[c]!]! + tmpVals[e]! / (2 * n);
      }
    }
    for (let e = rowStart[i]!; e < at; e++) slot[cols[e]!] = -1;
  }
  rowStart[n] = at;
  return { rowStart, cols: cols.slice(0, at), vals: vals.slice(0, at) };
}

/**
 * A point-region quadtree over the embedding, rebuilt every iteration. A leaf
 * is a bucket of up to BUCKET points, split into quadrants when one more
 * arrives (never below a width floating point can no longer halve, so points
 * that coincide share a leaf whatever their number).
 *
 * For the force pass the tree is laid out flat: its non-empty cells in
 * depth-first pre-order, each with its centre of mass, mass, squared width,
 * the index just past its subtree, and for a leaf where its points start in
 * `order` / `coords` (the points in the same depth-first order). Walking that
 * array needs no stack: take a cell whole and jump past its subtree, sum a
 * leaf's points one by one, or open the cell and step to the next, its first
 * child. Memory is read forwards, and consecutive points, being neighbours,
 * take nearly the same path.
 */
class QuadTree {
  private capacity = 0;
  private nodes = 0;
  private centreX = new Float64Array(0);
  private centreY = new Float64Array(0);
  private halfWidth = new Float64Array(0);
  private mass = new Float64Array(0);
  private sumX = new Float64Array(0);
  private sumY = new Float64Array(0);
  /** Index of the first of 4 consecutive children, or -1 for a leaf. */
  private child = new Int32Array(0);
  /** Head of a leaf's list of points, or -1 when empty. */
  private head = new Int32Array(0);
  /** Next point in the same leaf, or -1. */
  private readonly nextPoint: Int32Array;
  private minHalf = 0;

  /** The flat layout: per cell [centre-of-mass x, y, mass, width^2]. */
  cells = new Float64Array(0);
  /** Per cell, the index of the first cell after its subtree. */
  skip = new Int32Array(0);
  /** Per cell, where a leaf's points start in `order`; -1 for an inner cell. */
  leafStart = new Int32Array(0);
  /** Number of cells in the flat layout. */
  cellCount = 0;
  /** All points in depth-first order. */
  readonly order: Int32Array;
  /** Their coordinates (x, y) in that order. */
  readonly coords: Float64Array;

  constructor(n: number) {
    this.nextPoint = new Int32Array(n);
    this.order = new Int32Array(n);
    this.coords = new Float64Array(2 * n);
  }

  private grow(min: number): void {
    if (min <= this.capacity) return;
    const cap = Math.max(min, 2 * this.capacity, 1024);
    const g64 = (a: Float64Array, stride = 1): Float64Array<ArrayBuffer> => {
      const b = new Float64Array(cap * stride);
      b.set(a);
      return b;
    };
    const g32 = (a: Int32Array): Int32Array<ArrayBuffer> => {
      const b = new Int32Array(cap);
      b.set(a);
      return b;
    };
    this.centreX = g64(this.centreX);
    this.centreY = g64(this.centreY);
    this.halfWidth = g64(this.halfWidth);
    this.mass = g64(this.mass);
    this.sumX = g64(this.sumX);
    this.sumY = g64(this.sumY);
    this.child = g32(this.child);
    this.head = g32(this.head);
    this.cells = g64(this.cells, 4);
    this.skip = g32(this.skip);
    this.leafStart = g32(this.leafStart);
    this.capacity = cap;
  }

  private newNode(cx: number, cy: number, hw: number): number {
    this.grow(this.nodes + 1);
    const k = this.nodes++;
    this.centreX[k] = cx;
    this.centreY[k] = cy;
    this.halfWidth[k] = hw;
    this.mass[k] = 0;
    this.sumX[k] = 0;
    this.sumY[k] = 0;
    this.child[k] = -1;
    this.head[k] = -1;
    return k;
  }

  build(y: Float64Array, n: number): void {
    let x0 = Infinity;
    let x1 = -Infinity;
    let y0 = Infinity;
    let y1 = -Infinity;
    for (let i = 0; i < n; i++) {
      x0 = Math.min(x0, y[2 * i]!);
      x1 = Math.max(x1, y[2 * i]!);
      y0 = Math.min(y0, y[2 * i + 1]!);
      y1 = Math.max(y1, y[2 * i + 1]!);
    }
    const half = (Math.max(x1 - x0, y1 - y0) / 2) * (1 + 1e-9) + 1e-12;
    this.minHalf = half * 1e-12;
    this.nodes = 0;
    this.newNode((x0 + x1) / 2, (y0 + y1) / 2, half);
    for (let i = 0; i < n; i++) this.insert(i, y);
    this.cellCount = 0;
    this.emit(0, 0, y);
  }

  private insert(p: number, y: Float64Array): void {
    const px = y[2 * p]!;
    const py = y[2 * p + 1]!;
    let node = 0;
    while (this.child[node] !== -1) {
      this.addMass(node, px, py);
      node = this.child[node]! + this.quadrant(node, px, py);
    }
    this.addToLeaf(node, p, px, py);
    if (this.mass[node]! > BUCKET) this.split(node, y);
  }

  private addMass(node: number, px: number, py: number): void {
    this.mass[node]!++;
    this.sumX[node] = this.sumX[node]! + px;
    this.sumY[node] = this.sumY[node]! + py;
  }

  private addToLeaf(node: number, p: number, px: number, py: number): void {
    this.addMass(node, px, py);
    this.nextPoint[p] = this.head[node]!;
    this.head[node] = p;
  }

  /** Deals an overfull leaf's points into four children, and splits those that are still overfull. */
  private split(node: number, y: Float64Array): void {
    const hw = this.halfWidth[node]! / 2;
    if (hw < this.minHalf) return;
    const cx = this.centreX[node]!;
    const cy = this.centreY[node]!;
    const first = this.newNode(cx - hw, cy - hw, hw);
    this.newNode(cx + hw, cy - hw, hw);
    this.newNode(cx - hw, cy + hw, hw);
    this.newNode(cx + hw, cy + hw, hw);
    this.child[node] = first;
    let p = this.head[node]!;
    this.head[node] = -1;
    while (p !== -1) {
      const next = this.nextPoint[p]!;
      const px = y[2 * p]!;
      const py = y[2 * p + 1]!;
      this.addToLeaf(first + this.quadrant(node, px, py), p, px, py);
      p = next;
    }
    for (let c = 0; c < 4; c++) if (this.mass[first + c]! > BUCKET) this.split(first + c, y);
  }

  private quadrant(node: number, px: number, py: number): number {
    return (px >= this.centreX[node]! ? 1 : 0) + (py >= this.centreY[node]! ? 2 : 0);
  }

  /** Appends `node`'s non-empty subtree to the flat layout; `placed` counts points put in `order`. */
  private emit(node: number, placed: number, y: Float64Array): number {
    const f = this.cellCount++;
    const m = this.mass[node]!;
    const first = this.child[node]!;
    const w = 2 * this.halfWidth[node]!;
    this.cells[4 * f] = this.sumX[node]! / m;
    this.cells[4 * f + 1] = this.sumY[node]! / m;
    this.cells[4 * f + 2] = m;
    this.cells[4 * f + 3] = w * w;
    if (first === -1) {
      this.leafStart[f] = placed;
      for (let p = this.head[node]!; p !== -1; p = this.nextPoint[p]!) {
        this.order[placed] = p;
        this.coords[2 * placed] = y[2 * p]!;
        this.coords[2 * placed + 1] = y[2 * p + 1]!;
        placed++;
      }
    } else {
      this.leafStart[f] = -1;
      for (let c = 0; c < 4; c++) if (this.mass[first + c]! > 0) placed = this.emit(first + c, placed, y);
    }
    this.skip[f] = this.cellCount;
    return placed;
  }
}

function barnesHutObjective(x: Float64Array, n: number, d: number, perplexity: number, theta: number): Objective {
  const { rowStart, cols, vals } = sparseAffinities(x, n, d, perplexity);
  const tree = new QuadTree(n);
  const rep = new Float64Array(2 * n);
  const attr = new Float64Array(2 * n);
  const theta2 = theta * theta;
  return {
    gradient(y, exaggeration, grad, withKl) {
      tree.build(y, n);
      const { cells, skip, cellCount, order, leafStart, coords } = tree;
      // Repulsion: sum_j num_ij^2 (y_i - y_j) and Z = sum_{i != j} num_ij, a
      // cell of width w at distance r taken as one body at its centre of mass
      // when w^2 < theta^2 r^2, a leaf too close for that summed point by
      // point. The sums include i
      // itself once, with num = 1 and no force (at distance 0); the 1 is taken
      // off Z again.
      let z = 0;
      for (let t = 0; t < n; t++) {
        const i = order[t]!;
        const yi0 = coords[2 * t]!;
        const yi1 = coords[2 * t + 1]!;
        let f0 = 0;
        let f1 = 0;
        let sq = 0;
        let cell = 0;
        while (cell < cellCount) {
          const b = 4 * cell;
          const dx = yi0 - cells[b]!;
          const dy = yi1 - cells[b + 1]!;
          const d2 = dx * dx + dy * dy;
          if (cells[b + 3]! < theta2 * d2) {
            const q = 1 / (1 + d2);
            const mq = cells[b + 2]! * q;
            sq += mq;
            f0 += mq * q * dx;
            f1 += mq * q * dy;
            cell = skip[cell]!;
          } else if (leafStart[cell]! >= 0) {
            const end = 2 * (leafStart[cell]! + cells[b + 2]!);
            for (let u = 2 * leafStart[cell]!; u < end; u += 2) {
              const ex = yi0 - coords[u]!;
              const ey = yi1 - coords[u + 1]!;
              const q = 1 / (1 + ex * ex + ey * ey);
              sq += q;
              f0 += q * q * ex;
              f1 += q * q * ey;
            }
            cell = skip[cell]!;
          } else {
            cell++;
          }
        }
        rep[2 * i] = f0;
        rep[2 * i + 1] = f1;
        z += sq - 1;
      }
      // Attraction: sum_j p_ij num_ij (y_i - y_j), each pair once, applied to
      // both ends; then dC/dy_i = 4 (exaggeration * F_attr - F_rep / Z).
      attr.fill(0);
      let kl = 0;
      for (let i = 0; i < n; i++) {
        const yi0 = y[2 * i]!;
        const yi1 = y[2 * i + 1]!;
        let a0 = 0;
        let a1 = 0;
        for (let e = rowStart[i]!; e < rowStart[i + 1]!; e++) {
          const j = cols[e]!;
          const dx = yi0 - y[2 * j]!;
          const dy = yi1 - y[2 * j + 1]!;
          const q = 1 / (1 + dx * dx + dy * dy);
          const pq = vals[e]! * q;
          a0 += pq * dx;
          a1 += pq * dy;
          attr[2 * j] = attr[2 * j]! - pq * dx;
          attr[2 * j + 1] = attr[2 * j + 1]! - pq * dy;
          // Both (i, j) and (j, i).
          if (withKl) kl += 2 * vals[e]! * Math.log(Math.max(vals[e]!, P_FLOOR) / (q / z));
        }
        attr[2 * i] = attr[2 * i]! + a0;
        attr[2 * i + 1] = attr[2 * i + 1]! + a1;
      }
      for (let k = 0; k < 2 * n; k++) grad[k] = 4 * (exaggeration * attr[k]! - rep[k]! / z);
      return withKl ? kl : NaN;
    },
  };
}

// ---------------------------------------------------------------------------
// PCA.

/**
 * Projects n rows of d values onto their k leading principal components
 * (n x k, row-major): the covariance matrix, its top-k eigenvectors by
 * subspace (block power) iteration with k + 10 vectors until the variance
 * the leading k capture settles, then a Rayleigh-Ritz step (Jacobi on the small projected
 * matrix) to turn the subspace into ordered eigenvectors. Each component's
 * sign is fixed so its largest-magnitude loading is positive. `rng` seeds the
 * start block (its result does not depend on it beyond round-off when the
 * spectrum has a gap after k).
 */
export function pca(data: Float32Array | Float64Array, n: number, d: number, k: number, rng: Rng): Float64Array {
  if (!Number.isInteger(k) || k < 1 || k > d) throw new Error(`pca: k must be an integer in [1, ${d}], got ${k}`);
  if (data.length !== n * d) throw new Error(`pca: data has ${data.length} values, n * d = ${n * d}`);
  const mean = new Float64Array(d);
  for (let i = 0; i < n; i++) for (let c = 0; c < d; c++) mean[c] = mean[c]! + data[i * d + c]!;
  for (let c = 0; c < d; c++) mean[c] = mean[c]! / n;
  // Covariance, upper triangle accumulated row by row, then mirrored.
  const cov = new Float64Array(d * d);
  const xc = new Float64Array(d);
  for (let i = 0; i < n; i++) {
    for (let c = 0; c < d; c++) xc[c] = data[i * d + c]! - mean[c]!;
    for (let a = 0; a < d; a++) {
      const va = xc[a]!;
      if (va === 0) continue;
      const base = a * d;
      for (let b = a; b < d; b++) cov[base + b] = cov[base + b]! + va * xc[b]!;
    }
  }
  for (let a = 0; a < d; a++) {
    for (let b = a; b < d; b++) {
      const v = cov[a * d + b]! / Math.max(1, n - 1);
      cov[a * d + b] = v;
      cov[b * d + a] = v;
    }
  }
  const m = Math.min(d, k + 10);
  // Column-major blocks: vector j is v[j*d .. j*d + d).
  let v = new Float64Array(m * d);
  for (let t = 0; t < m * d; t++) v[t] = rng.normal();
  orthonormalise(v, d, m, rng);
  let w = new Float64Array(m * d);
  // The captured variance of the leading k columns grows to its limit; stop
  // when it settles (or after PCA_STEPS: t-SNE needs the leading subspace
  // roughly, not to the last digit, and a flat spectrum converges slowly).
  let previous = NaN;
  for (let iter = 0; iter < PCA_STEPS; iter++) {
    symMulBlock(cov, d, v, m, w);
    let captured = 0;
    for (let j = 0; j < k; j++) {
      let s = 0;
      for (let c = 0; c < d; c++) s += v[j * d + c]! * w[j * d + c]!;
      captured += s;
    }
    orthonormalise(w, d, m, rng);
    [v, w] = [w, v];
    if (Math.abs(captured - previous) <= PCA_TOL * Math.abs(captured)) break;
    previous = captured;
  }
  // Rayleigh-Ritz: T = V' C V (m x m), T = S diag(lambda) S', components U = V S.
  symMulBlock(cov, d, v, m, w);
  const t = new Float64Array(m * m);
  for (let a = 0; a < m; a++) {
    for (let b = a; b < m; b++) {
      let s = 0;
      for (let c = 0; c < d; c++) s += v[a * d + c]! * w[b * d + c]!;
      t[a * m + b] = s;
      t[b * m + a] = s;
    }
  }
  const { values, vectors } = jacobiEigen(t, m);
  const order = Array.from({ length: m }, (_, i) => i).sort((a, b) => values[b]! - values[a]!);
  const u = new Float64Array(k * d);
  for (let j = 0; j < k; j++) {
    const col = order[j]!;
    let big = 0;
    for (let c = 0; c < d; c++) {
      let s = 0;
      for (let a = 0; a < m; a++) s += v[a * d + c]! * vectors[a * m + col]!;
      u[j * d + c] = s;
      if (Math.abs(s) > Math.abs(big)) big = s;
    }
    if (big < 0) for (let c = 0; c < d; c++) u[j * d + c] = -u[j * d + c]!;
  }
  const out = new Float64Array(n * k);
  for (let i = 0; i < n; i++) {
    for (let c = 0; c < d; c++) xc[c] = data[i * d + c]! - mean[c]!;
    for (let j = 0; j < k; j++) {
      let s = 0;
      for (let c = 0; c < d; c++) s += xc[c]! * u[j * d + c]!;
      out[i * k + j] = s;
    }
  }
  return out;
}

/** w_j = C v_j for the m column vectors of a d x m block. */
function symMulBlock(c: Float64Array, d: number, v: Float64Array, m: number, w: Float64Array): void {
  for (let j = 0; j < m; j++) {
    const vj = j * d;
    for (let a = 0; a < d; a++) {
      let s = 0;
      const row = a * d;
      for (let b = 0; b < d; b++) s += c[row + b]! * v[vj + b]!;
      w[vj + a] = s;
    }
  }
}

/**
 * Modified Gram-Schmidt with one re-orthogonalisation pass. A column that
 * vanishes (the covariance has lower rank than the block) is replaced by a
 * fresh random vector, so the block stays a basis.
 */
function orthonormalise(v: Float64Array, d: number, m: number, rng: Rng): void {
  for (let j = 0; j < m; j++) {
    const vj = j * d;
    let before = 0;
    for (let c = 0; c < d; c++) before += v[vj + c]! * v[vj + c]!;
    for (let attempt = 0; ; attempt++) {
      for (let pass = 0; pass < 2; pass++) {
        for (let i = 0; i < j; i++) {
          const vi = i * d;
          let dot = 0;
          for (let c = 0; c < d; c++) dot += v[vi + c]! * v[vj + c]!;
          for (let c = 0; c < d; c++) v[vj + c] = v[vj + c]! - dot * v[vi + c]!;
        }
      }
      let norm = 0;
      for (let c = 0; c < d; c++) norm += v[vj + c]! * v[vj + c]!;
      if (norm > 1e-20 * before && norm > 0) {
        const s = 1 / Math.sqrt(norm);
        for (let c = 0; c < d; c++) v[vj + c] = v[vj + c]! * s;
        break;
      }
      if (attempt > 10) throw new Error('pca: could not complete an orthonormal basis');
      for (let c = 0; c < d; c++) v[vj + c] = rng.normal();
      before = 0;
      for (let c = 0; c < d; c++) before += v[vj + c]! * v[vj + c]!;
    }
  }
}

/** Eigen-decomposition of a small symmetric matrix by cyclic Jacobi rotations; vectors are the columns of `vectors`. */
function jacobiEigen(input: Float64Array, m: number): { values: Float64Array; vectors: Float64Array } {
  const a = Float64Array.from(input);
  const vectors = new Float64Array(m * m);
  for (let i = 0; i < m; i++) vectors[i * m + i] = 1;
  let total = 0;
  for (let i = 0; i < m * m; i++) total += a[i]! * a[i]!;
  for (let sweep = 0; sweep < 100; sweep++) {
    let off = 0;
    for (let p = 0; p < m; p++) for (let q = p + 1; q < m; q++) off += a[p * m + q]! * a[p * m + q]!;
    if (off <= 1e-30 * total) break;
    for (let p = 0; p < m; p++) {
      for (let q = p + 1; q < m; q++) {
        const apq = a[p * m + q]!;
        if (apq === 0) continue;
        // The rotation angle that zeroes a_pq (the smaller root, for stability).
        const tau = (a[q * m + q]! - a[p * m + p]!) / (2 * apq);
        const t = Math.sign(tau || 1) / (Math.abs(tau) + Math.sqrt(1 + tau * tau));
        const c = 1 / Math.sqrt(1 + t * t);
        const s = t * c;
        for (let r = 0; r < m; r++) {
          const arp = a[r * m + p]!;
          const arq = a[r * m + q]!;
          a[r * m + p] = c * arp - s * arq;
          a[r * m + q] = s * arp + c * arq;
        }
        for (let r = 0; r < m; r++) {
          const apr = a[p * m + r]!;
          const aqr = a[q * m + r]!;
          a[p * m + r] = c * apr - s * aqr;
          a[q * m + r] = s * apr + c * aqr;
        }
        for (let r = 0; r < m; r++) {
          const vrp = vectors[r * m + p]!;
          const vrq = vectors[r * m + q]!;
          vectors[r * m + p] = c * vrp - s * vrq;
          vectors[r * m + q] = s * vrp + c * vrq;
        }
      }
    }
  }
  const values = new Float64Array(m);
  for (let i = 0; i < m; i++) values[i] = a[i * m + i]!;
  return { values, vectors };
}
