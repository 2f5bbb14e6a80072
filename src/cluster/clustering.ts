// Loaded for its registration: the CPU backend is the default (defaultBackend) of a layer made without one.
import '../kernels/cpu.js';
import { pairwiseSqDist, rowNormalize } from '../kernels/distance.js';
import { add, mul, powScalar } from '../kernels/elementwise.js';
import type { Backend } from '../tensor/backend.js';
import { defaultBackend, tensor } from '../tensor/create.js';
import type { DType, FloatArray } from '../tensor/dtype.js';
import { keep } from '../tensor/scope.js';
import type { Tensor } from '../tensor/tensor.js';

/**
 * Student's t soft assignment of codes z [N, D] to centroids mu [K, D]
 * (DEC, METHOD.md): q_ij = (1 + |z_i - mu_j|^2 / alpha)^(-(alpha + 1) / 2),
 * normalised over j. Differentiable in both z and mu.
 */
export function softAssign(z: Tensor, centroids: Tensor, alpha = 1): Tensor {
  if (!(alpha > 0)) throw new Error(`softAssign: alpha must be > 0, got ${alpha}`);
  const kernel = powScalar(add(mul(pairwiseSqDist(z, centroids), 1 / alpha), 1), -(alpha + 1) / 2);
  return rowNormalize(kernel);
}

/**
 * The auxiliary target of DEC: p_ij = (q_ij^2 / f_j^balance) normalised over
 * j, with f_j = sum_i q_ij (soft cluster frequency). Squaring sharpens
 * confident assignments; dividing by the frequency discounts large clusters.
 * `balance` 1 is DEC's (the paper's): it evens the clusters out, which pulls
 * records of a class that is a small share of an archive (a few local events
 * among many teleseismic records) into its cluster until the two are nearer
 * in size. 0 only sharpens. q is [n, k] row-major.
 */
export function targetDistribution(q: ArrayLike<number>, n: number, k: number, balance = 1): Float64Array {
  if (q.length !== n * k) throw new Error(`targetDistribution: q has ${q.length} values, expected n * k = ${n} * ${k}`);
  if (!(balance >= 0 && Number.isFinite(balance))) throw new Error(`targetDistribution: balance must be a finite number >= 0, got ${balance}`);
  const f = new Float64Array(k);
  for (let i = 0; i < n; i++) for (let j = 0; j < k; j++) f[j]! += q[i * k + j]!;
  const discount = f.map((fj) => fj ** balance);
  const p = new Float64Array(n * k);
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let j = 0; j < k; j++) {
      const v = (q[i * k + j]! * q[i * k + j]!) / discount[j]!;
      p[i * k + j] = v;
      s += v;
    }
    for (let j = 0; j < k; j++) p[i * k + j]! /= s;
  }
  return p;
}

/** Index of the largest value of every row of an [n, k] array (the first on a tie): hard clusters from q. */
export function argmaxRows(q: ArrayLike<number>, n: number, k: number): Int32Array {
  const out = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    let best = 0;
    for (let j = 1; j < k; j++) if (q[i * k + j]! > q[i * k + best]!) best = j;
    out[i] = best;
  }
  return out;
}

export interface ClusteringLayerOptions {
  /** Degrees of freedom of the Student's t kernel. Default 1 (the paper's). */
  alpha?: number;
  backend?: Backend;
  dtype?: DType;
}

/** The clustering layer: k trained centroids in code space and the soft assignment to them. */
export class ClusteringLayer {
  readonly k: number;
  readonly codeSize: number;
  readonly alpha: number;
  /** [k, codeSize], a trained parameter. */
  readonly centroids: Tensor;

  /** `centroids`: k x codeSize, row-major (from k-means on the codes). */
  constructor(centroids: ArrayLike<number>, k: number, codeSize: number, options: ClusteringLayerOptions = {}) {
    if (!Number.isInteger(k) || k < 1) throw new Error(`ClusteringLayer: k must be a positive integer, got ${k}`);
    if (centroids.length !== k * codeSize) throw new Error(`ClusteringLayer: ${centroids.length} centroid values, expected k * codeSize = ${k} * ${codeSize}`);
    this.alpha = options.alpha ?? 1;
    if (!(this.alpha > 0)) throw new Error(`ClusteringLayer: alpha must be > 0, got ${this.alpha}`);
    this.k = k;
    this.codeSize = codeSize;
    this.centroids = keep(tensor(centroids, [k, codeSize], { backend: options.backend ?? defaultBackend(), dtype: options.dtype ?? 'float32' }));
    this.centroids.requiresGrad = true;
  }

  /** q [N, k] of codes z [N, codeSize]. */
  softAssign(z: Tensor): Tensor {
    return softAssign(z, this.centroids, this.alpha);
  }

  async centroidValues(): Promise<FloatArray> {
    return this.centroids.data();
  }

  setCentroids(values: ArrayLike<number>): void {
    if (values.length !== this.centroids.size) throw new Error(`ClusteringLayer.setCentroids: ${values.length} values, expected ${this.centroids.size}`);
    this.centroids.backend.write(this.centroids.storage, values);
  }

  dispose(): void {
    this.centroids.dispose();
  }
}
