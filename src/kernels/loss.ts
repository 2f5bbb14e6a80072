import { apply, defineOp } from '../autograd/op.js';
import { ShapeError, sameShape, sizeOf } from '../tensor/shape.js';
import type { Tensor } from '../tensor/tensor.js';
import { defineWebGpuKernel } from './webgpu/kernel.js';

/**
 * The two losses, each one fused kernel for the forward value and one for
 * the gradient. Both reduce to a scalar of shape [].
 */

/** Mean squared error over all elements (Keras mse averaged over the batch is the same for equal shapes). */
export const mseOp = defineOp<Record<string, never>>({
  name: 'mse',
  inputs: ['prediction', 'target'],
  shape: ([p, t]) => {
    if (!sameShape(p!, t!)) throw new ShapeError('mse', { prediction: p!, target: t! }, 'shapes differ');
    return [];
  },
  cpu: ([p, t], [out]) => {
    const P = p!.data;
    const T = t!.data;
    let s = 0;
    for (let i = 0; i < P.length; i++) {
      const d = P[i]! - T[i]!;
      s += d * d;
    }
    out!.data[0] = s / P.length;
  },
  // WebGPU: one workgroup; lane l sums the squares l, l + WG, ... in order,
  // then the lanes' sums are added in a fixed tree.
  webgpu: defineWebGpuKernel<Record<string, never>>({
    grid: 'workgroup',
    workgroupSize: 256,
    inputs: ['prediction', 'expected'],
    outputs: ['out'],
    reduction: 'workgroupSum',
    params: { n: 'u32' },
    wgsl: /* wgsl */ `
fn run(group: u32, lane: u32) {
  var acc = 0.0;
  for (var i = lane; i < params.n; i += WG) {
    let d = prediction[i] - expected[i];
    acc += d * d;
  }
  let total = workgroupSum(lane, acc);
  if (lane == 0u) {
    out[group] = total / f32(params.n);
  }
}`,
    plan: ([p]) => ({ count: 1, params: { n: sizeOf(p!) } }),
  }),
  backward: (g, { inputs: [p, t], needsGrad }) => [
    needsGrad[0] ? apply(mseGradOp, [g, p!, t!], { sign: 1 }) : null,
    needsGrad[1] ? apply(mseGradOp, [g, p!, t!], { sign: -1 }) : null,
  ],
});

export interface SignAttrs {
  readonly sign: 1 | -1;
}

/** sign * g * 2 (p - t) / n. */
export const mseGradOp = defineOp<SignAttrs>({
  name: 'mseGrad',
  inputs: ['g', 'prediction', 'target'],
  shape: ([, p]) => p!,
  cpu: ([g, p, t], [out], { sign }) => {
    const P = p!.data;
    const T = t!.data;
    const O = out!.data;
    const scale = (sign * 2 * g!.data[0]!) / P.length;
    for (let i = 0; i < P.length; i++) O[i] = scale * (P[i]! - T[i]!);
  },
  // WebGPU: one thread per element; scale = sign * 2 / n.
  webgpu: defineWebGpuKernel<SignAttrs>({
    grid: 'thread',
    workgroupSize: 64,
    inputs: ['g', 'prediction', 'expected'],
    outputs: ['out'],
    params: { scale: 'f32' },
    wgsl: /* wgsl */ `
fn run(i: u32) {
  out[i] = params.scale * g[0] * (prediction[i] - expected[i]);
}`,
    plan: ([, p], [out], { sign }) => ({ count: sizeOf(out!), params: { scale: (sign * 2) / sizeOf(p!) } }),
  }),
});

export function mse(prediction: Tensor, target: Tensor): Tensor {
  return apply(mseOp, [prediction, target], {});
}

/** Keras `kld` clipping: both distributions are clipped to [KLD_EPS, 1] before the log. */
export const KLD_EPS = 1e-7;

/**
 * KL(P || Q) with Keras `kld` semantics: p and q [N, K] clipped to
 * [1e-7, 1], sum over classes of p log(p / q), mean over the batch.
 */
export const kldOp = defineOp<Record<string, never>>({
  name: 'kld',
  inputs: ['p', 'q'],
  shape: ([p, q]) => {
    if (p!.length !== 2 || !sameShape(p!, q!)) throw new ShapeError('kld', { p: p!, q: q! }, 'operands must both be [N, K]');
    return [];
  },
  cpu: ([p, q], [out]) => {
    const P = p!.data;
    const Q = q!.data;
    let s = 0;
    for (let i = 0; i < P.length; i++) {
      const pc = kldClip(P[i]!);
      s += pc * Math.log(pc / kldClip(Q[i]!));
    }
    out!.data[0] = s / p!.shape[0]!;
  },
  // WebGPU: one workgroup, summed like mse's.
  webgpu: defineWebGpuKernel<Record<string, never>>({
    grid: 'workgroup',
    workgroupSize: 256,
    inputs: ['p', 'q'],
    outputs: ['out'],
    reduction: 'workgroupSum',
    params: { n: 'u32', rows: 'u32', eps: 'f32' },
    wgsl: /* wgsl */ `
fn run(group: u32, lane: u32) {
  var acc = 0.0;
  for (var i = lane; i < params.n; i += WG) {
    let pc = clamp(p[i], params.eps, 1.0);
    acc += pc * log(pc / clamp(q[i], params.eps, 1.0));
  }
  let total = workgroupSum(lane, acc);
  if (lane == 0u) {
    out[group] = total / f32(params.rows);
  }
}`,
    plan: ([p]) => ({ count: 1, params: { n: sizeOf(p!), rows: p![0]!, eps: KLD_EPS } }),
  }),
  backward: (g, { inputs: [p, q], needsGrad }) => [
    needsGrad[0] ? apply(kldGradOp, [g, p!, q!], { wrt: 'p' }) : null,
    needsGrad[1] ? apply(kldGradOp, [g, p!, q!], { wrt: 'q' }) : null,
  ],
});

export interface KldGradAttrs {
  readonly wrt: 'p' | 'q';
}

/**
 * Gradient of kld, zero where the clip is active:
 * d/dq = -p / q / N; d/dp = (log(p / q) + 1) / N.
 */
export const kldGradOp = defineOp<KldGradAttrs>({
  name: 'kldGrad',
  inputs: ['g', 'p', 'q'],
  shape: ([, p]) => p!,
  cpu: ([g, p, q], [out], { wrt }) => {
    const P = p!.data;
    const Q = q!.data;
    const O = out!.data;
    const scale = g!.data[0]! / p!.shape[0]!;
    for (let i = 0; i < P.length; i++) {
      const pc = kldClip(P[i]!);
      const qc = kldClip(Q[i]!);
      if (wrt === 'q') O[i] = inside(Q[i]!) ? (-scale * pc) / qc : 0;
      else O[i] = inside(P[i]!) ? scale * (Math.log(pc / qc) + 1) : 0;
    }
  },
  // WebGPU: one thread per element; `wrtQ` picks the formula.
  webgpu: defineWebGpuKernel<KldGradAttrs>({
    grid: 'thread',
    workgroupSize: 64,
    inputs: ['g', 'p', 'q'],
    outputs: ['out'],
    params: { rows: 'u32', eps: 'f32', wrtQ: 'u32' },
    wgsl: /* wgsl */ `
fn inside(v: f32) -> bool {
  return v >= params.eps && v <= 1.0;
}

fn run(i: u32) {
  let scale = g[0] / f32(params.rows);
  let pc = clamp(p[i], params.eps, 1.0);
  let qc = clamp(q[i], params.eps, 1.0);
  var v = 0.0;
  if (params.wrtQ == 1u) {
    if (inside(q[i])) {
      v = (-scale * pc) / qc;
    }
  } else if (inside(p[i])) {
    v = scale * (log(pc / qc) + 1.0);
  }
  out[i] = v;
}`,
    plan: ([, p], [out], { wrt }) => ({ count: sizeOf(out!), params: { rows: p![0]!, eps: KLD_EPS, wrtQ: wrt === 'q' ? 1 : 0 } }),
  }),
});

/** Keras kld's clip of a probability to [KLD_EPS, 1]. */
export function kldClip(v: number): number {
  return v < KLD_EPS ? KLD_EPS : Math.min(v, 1);
}

function inside(v: number): boolean {
  return v >= KLD_EPS && v <= 1;
}

/** KL(P || Q), Keras `kld`, mean over the batch. */
export function kld(p: Tensor, q: Tensor): Tensor {
  return apply(kldOp, [p, q], {});
}
