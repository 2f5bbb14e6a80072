import { defineOp } from '../autograd/op.js';
import { ShapeError, sameShape, sizeOf, type Shape } from '../tensor/shape.js';
import { defineWebGpuKernel } from '../kernels/webgpu/kernel.js';

function sameShapes(op: string, names: readonly string[], shapes: readonly Shape[]): Shape {
  const first = shapes[0]!;
  if (!shapes.every((s) => sameShape(s, first)))
    throw new ShapeError(op, Object.fromEntries(names.map((n, i) => [n, shapes[i]!])), 'all operands must have one shape');
  return first;
}

export interface AdamAttrs {
  /** Step size with Adam's bias correction folded in: lr sqrt(1 - beta2^t) / (1 - beta1^t). */
  readonly alpha: number;
  readonly beta1: number;
  readonly beta2: number;
  readonly eps: number;
}

/**
 * Fused Adam update, in place on param, m and v (Keras form: epsilon is
 * added to sqrt(v) after bias correction is folded into alpha).
 */
export const adamUpdateOp = defineOp<AdamAttrs>({
  name: 'adamUpdate',
  inputs: ['grad', 'param', 'm', 'v'],
  shape: (shapes) => sameShapes('adamUpdate', ['grad', 'param', 'm', 'v'], shapes),
  cpu: ([g], [p, m, v], { alpha, beta1, beta2, eps }) => {
    const G = g!.data;
    const P = p!.data;
    const M = m!.data;
    const V = v!.data;
    for (let i = 0; i < G.length; i++) {
      const gi = G[i]!;
      const mi = beta1 * M[i]! + (1 - beta1) * gi;
      const vi = beta2 * V[i]! + (1 - beta2) * gi * gi;
      M[i] = mi;
      V[i] = vi;
      P[i] = P[i]! - (alpha * mi) / (Math.sqrt(vi) + eps);
    }
  },
  // WebGPU: one thread per element, updating param, m and v in place.
  webgpu: defineWebGpuKernel<AdamAttrs>({
    grid: 'thread',
    workgroupSize: 64,
    inputs: ['grad'],
    outputs: ['param', 'm', 'v'],
    params: { alpha: 'f32', beta1: 'f32', beta2: 'f32', eps: 'f32' },
    wgsl: /* wgsl */ `
fn run(i: u32) {
  let g = grad[i];
  let mi = params.beta1 * m[i] + (1.0 - params.beta1) * g;
  let vi = params.beta2 * v[i] + (1.0 - params.beta2) * g * g;
  m[i] = mi;
  v[i] = vi;
  param[i] = param[i] - (params.alpha * mi) / (sqrt(vi) + params.eps);
}`,
    plan: ([g], _, attrs) => ({ count: sizeOf(g!), params: { ...attrs } }),
  }),
});

export interface SgdAttrs {
  readonly lr: number;
  readonly momentum: number;
}

/** SGD with momentum, Keras form: velocity = momentum velocity - lr g; param += velocity. */
export const sgdUpdateOp = defineOp<SgdAttrs>({
  name: 'sgdUpdate',
  inputs: ['grad', 'param', 'velocity'],
  shape: (shapes) => sameShapes('sgdUpdate', ['grad', 'param', 'velocity'], shapes),
  cpu: ([g], [p, vel], { lr, momentum }) => {
    const G = g!.data;
    const P = p!.data;
    const V = vel!.data;
    for (let i = 0; i < G.length; i++) {
      const vi = momentum * V[i]! - lr * G[i]!;
      V[i] = vi;
      P[i] = P[i]! + vi;
    }
  },
  // WebGPU: one thread per element, updating param and velocity in place.
  webgpu: defineWebGpuKernel<SgdAttrs>({
    grid: 'thread',
    workgroupSize: 64,
    inputs: ['grad'],
    outputs: ['param', 'velocity'],
    params: { lr: 'f32', momentum: 'f32' },
    wgsl: /* wgsl */ `
fn run(i: u32) {
  let vi = params.momentum * velocity[i] - params.lr * grad[i];
  velocity[i] = vi;
  param[i] = param[i] + vi;
}`,
    plan: ([g], _, attrs) => ({ count: sizeOf(g!), params: { ...attrs } }),
  }),
});
