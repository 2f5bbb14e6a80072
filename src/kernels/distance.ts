import { apply, defineOp } from '../autograd/op.js';
import { ShapeError, sizeOf } from '../tensor/shape.js';
import type { Tensor } from '../tensor/tensor.js';
import { defineWebGpuKernel } from './webgpu/kernel.js';

/**
 * Pairwise squared Euclidean distances between the rows of x [N, D] and
 * c [K, D]: out[i, j] = sum over d of (x[i, d] - c[j, d])^2, computed as a
 * sum of squared differences (not |x|^2 + |c|^2 - 2 x.c, which cancels badly
 * when points sit close to a centroid, as they do late in fine-tuning).
 */
export const pairwiseSqDistOp = defineOp<Record<string, never>>({
  name: 'pairwiseSqDist',
  inputs: ['x', 'c'],
  shape: ([x, c]) => {
    if (x!.length !== 2 || c!.length !== 2 || x![1] !== c![1]) throw new ShapeError('pairwiseSqDist', { x: x!, c: c! }, 'operands must be [N, D] and [K, D]');
    return [x![0]!, c![0]!];
  },
  cpu: ([x, c], [out]) => {
    const [n, d] = x!.shape as [number, number];
    const k = c!.shape[0]!;
    const X = x!.data;
    const C = c!.data;
    const O = out!.data;
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < k; j++) {
        let s = 0;
        for (let t = 0; t < d; t++) {
          const diff = X[i * d + t]! - C[j * d + t]!;
          s += diff * diff;
        }
        O[i * k + j] = s;
      }
    }
  },
  // WebGPU: one thread per (i, j), summing over d in order.
  webgpu: defineWebGpuKernel<Record<string, never>>({
    grid: 'thread',
    workgroupSize: 64,
    inputs: ['x', 'c'],
    outputs: ['out'],
    params: { k: 'u32', d: 'u32' },
    wgsl: /* wgsl */ `
fn run(e: u32) {
  let xRow = (e / params.k) * params.d;
  let cRow = (e % params.k) * params.d;
  var acc = 0.0;
  for (var t = 0u; t < params.d; t++) {
    let diff = x[xRow + t] - c[cRow + t];
    acc += diff * diff;
  }
  out[e] = acc;
}`,
    plan: ([x, c], [out]) => ({ count: sizeOf(out!), params: { k: c![0]!, d: x![1]! } }),
  }),
  backward: (g, { inputs: [x, c], needsGrad }) => [
    needsGrad[0] ? apply(sqDistGradOp, [g, x!, c!], { wrt: 'x' }) : null,
    needsGrad[1] ? apply(sqDistGradOp, [g, x!, c!], { wrt: 'c' }) : null,
  ],
});

export interface SqDistGradAttrs {
  readonly wrt: 'x' | 'c';
}

/**
 * Gradient of pairwiseSqDist: dx[i] = 2 sum_j g[i,j] (x[i] - c[j]);
 * dc[j] = 2 sum_i g[i,j] (c[j] - x[i]). One output element per thread, fixed order.
 */
export const sqDistGradOp = defineOp<SqDistGradAttrs>({
  name: 'sqDistGrad',
  inputs: ['g', 'x', 'c'],
  shape: ([g, x, c], { wrt }) => {
    if (g!.length !== 2 || g![0] !== x![0] || g![1] !== c![0]) throw new ShapeError('sqDistGrad', { g: g!, x: x!, c: c! }, 'g must be [N, K]');
    return wrt === 'x' ? x! : c!;
  },
  cpu: ([g, x, c], [out], { wrt }) => {
    const [n, d] = x!.shape as [number, number];
    const k = c!.shape[0]!;
    const G = g!.data;
    const X = x!.data;
    const C = c!.data;
    const O = out!.data;
    if (wrt === 'x') {
      for (let i = 0; i < n; i++)
        for (let t = 0; t < d; t++) {
          let s = 0;
          for (let j = 0; j < k; j++) s += G[i * k + j]! * (X[i * d + t]! - C[j * d + t]!);
          O[i * d + t] = 2 * s;
        }
    } else {
      for (let j = 0; j < k; j++)
        for (let t = 0; t < d; t++) {
          let s = 0;
          for (let i = 0; i < n; i++) s += G[i * k + j]! * (C[j * d + t]! - X[i * d + t]!);
          O[j * d + t] = 2 * s;
        }
    }
  },
  // WebGPU: one thread per output element; `wrtC` picks the formula.
  webgpu: defineWebGpuKernel<SqDistGradAttrs>({
    grid: 'thread',
    workgroupSize: 64,
    inputs: ['g', 'x', 'c'],
    outputs: ['out'],
    params: { n: 'u32', k: 'u32', d: 'u32', wrtC: 'u32' },
    wgsl: /* wgsl */ `
fn run(e: u32) {
  let t = e % params.d;
  let row = e / params.d;
  var acc = 0.0;
  if (params.wrtC == 0u) {
    let xv = x[row * params.d + t];
    for (var j = 0u; j < params.k; j++) {
      acc += g[row * params.k + j] * (xv - c[j * params.d + t]);
    }
  } else {
    let cv = c[row * params.d + t];
    for (var i = 0u; i < params.n; i++) {
      acc += g[i * params.k + row] * (cv - x[i * params.d + t]);
    }
  }
  out[e] = 2.0 * acc;
}`,
    plan: ([, x, c], [out], { wrt }) => ({
      count: sizeOf(out!),
      params: { n: x![0]!, k: c![0]!, d: x![1]!, wrtC: wrt === 'c' ? 1 : 0 },
    }),
  }),
});

export function pairwiseSqDist(x: Tensor, c: Tensor): Tensor {
  return apply(pairwiseSqDistOp, [x, c], {});
}

/** Divides each row of x [N, K] by its sum (soft assignments to probabilities). */
export const rowNormalizeOp = defineOp<Record<string, never>>({
  name: 'rowNormalize',
  inputs: ['x'],
  shape: ([x]) => {
    if (x!.length !== 2) throw new ShapeError('rowNormalize', { x: x! }, 'input must be [N, K]');
    return x!;
  },
  cpu: ([x], [out]) => {
    const [n, k] = x!.shape as [number, number];
    const X = x!.data;
    const O = out!.data;
    for (let i = 0; i < n; i++) {
      let s = 0;
      for (let j = 0; j < k; j++) s += X[i * k + j]!;
      for (let j = 0; j < k; j++) O[i * k + j] = X[i * k + j]! / s;
    }
  },
  // WebGPU: one thread per element, each summing its row (K, the number of clusters, is small).
  webgpu: defineWebGpuKernel<Record<string, never>>({
    grid: 'thread',
    workgroupSize: 64,
    inputs: ['x'],
    outputs: ['out'],
    params: { k: 'u32' },
    wgsl: /* wgsl */ `
fn run(e: u32) {
  let row = (e / params.k) * params.k;
  var s = 0.0;
  for (var j = 0u; j < params.k; j++) {
    s += x[row + j];
  }
  out[e] = x[e] / s;
}`,
    plan: ([x], [out]) => ({ count: sizeOf(out!), params: { k: x![1]! } }),
  }),
  backward: (g, { inputs: [x], output }) => [apply(rowNormalizeGradOp, [g, x!, output], {})],
});

/** dx[i,j] = (g[i,j] - sum_k g[i,k] y[i,k]) / sum_k x[i,k]. */
export const rowNormalizeGradOp = defineOp<Record<string, never>>({
  name: 'rowNormalizeGrad',
  inputs: ['g', 'x', 'y'],
  shape: ([g, x]) => {
    if (g!.length !== 2 || g![0] !== x![0] || g![1] !== x![1]) throw new ShapeError('rowNormalizeGrad', { g: g!, x: x! }, 'shapes differ');
    return x!;
  },
  cpu: ([g, x, y], [out]) => {
    const [n, k] = x!.shape as [number, number];
    const G = g!.data;
    const X = x!.data;
    const Y = y!.data;
    const O = out!.data;
    for (let i = 0; i < n; i++) {
      let s = 0;
      let gy = 0;
      for (let j = 0; j < k; j++) {
        s += X[i * k + j]!;
        gy += G[i * k + j]! * Y[i * k + j]!;
      }
      for (let j = 0; j < k; j++) O[i * k + j] = (G[i * k + j]! - gy) / s;
    }
  },
  // WebGPU: one thread per element, each forming its row's two sums.
  webgpu: defineWebGpuKernel<Record<string, never>>({
    grid: 'thread',
    workgroupSize: 64,
    inputs: ['g', 'x', 'y'],
    outputs: ['out'],
    params: { k: 'u32' },
    wgsl: /* wgsl */ `
fn run(e: u32) {
  let row = (e / params.k) * params.k;
  var s = 0.0;
  var gy = 0.0;
  for (var j = 0u; j < params.k; j++) {
    s += x[row + j];
    gy += g[row + j] * y[row + j];
  }
  out[e] = (g[e] - gy) / s;
}`,
    plan: ([, x], [out]) => ({ count: sizeOf(out!), params: { k: x![1]! } }),
  }),
});

export function rowNormalize(x: Tensor): Tensor {
  return apply(rowNormalizeOp, [x], {});
}
