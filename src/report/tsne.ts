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
 *
 * The pieces: tsne-affinities.ts (perplexity calibration, shared by both
 * gradients), tsne-exact.ts and tsne-barnes-hut.ts (the gradients), pca.ts;
 * this module resolves the options and runs the descent.
 */
import { Rng } from '../tensor/random.js';
import { pca } from './pca.js';
import type { Objective } from './tsne-affinities.js';
import { barnesHutObjective } from './tsne-barnes-hut.js';
import { exactObjective } from './tsne-exact.js';

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

const MIN_GAIN = 0.01;

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
