import { apply, defineOp } from '../autograd/op.js';
import { ShapeError, sizeOf, type Shape } from '../tensor/shape.js';
import type { Tensor } from '../tensor/tensor.js';
import { add } from './elementwise.js';
import { correlate, correlateInputGrad, correlateWeightGrad, type CorrelationGeometry } from './conv-cpu.js';
import { reshape } from './view.js';
import { defineWebGpuKernel, type ParamType } from './webgpu/kernel.js';

/**
 * 2-D convolution (cross-correlation, as every framework), NCHW, stride 1.
 * Weights [out, in, kh, kw]. 'same' pads floor((k-1)/2) before and the rest
 * after (TensorFlow's rule), so the output keeps H x W; 'valid' pads nothing.
 * 1-D convolution is the 2-D one with height 1.
 *
 * Three kernels: forward, input gradient and weight gradient. Each output
 * element is a sum in a fixed order, so results are deterministic.
 */
export type Padding = 'same' | 'valid';

export interface ConvAttrs {
  readonly padding: Padding;
}

/** Geometry shared by the three kernels. */
export interface ConvGeometry {
  n: number;
  ci: number;
  h: number;
  w: number;
  co: number;
  kh: number;
  kw: number;
  oh: number;
  ow: number;
  /** Rows / columns of padding before the input. */
  pt: number;
  pl: number;
}

export function convGeometry(x: Shape, w: Shape, padding: Padding): ConvGeometry {
  const fail = (why: string): never => {
    throw new ShapeError('conv2d', { x, weight: w }, why);
  };
  if (x.length !== 4) fail('input must be [batch, channels, height, width]');
  if (w.length !== 4) fail('weight must be [out, in, kh, kw]');
  const [n, ci, h, wd] = x as [number, number, number, number];
  const [co, wci, kh, kw] = w as [number, number, number, number];
  if (ci !== wci) fail(`input has ${ci} channels, weight expects ${wci}`);
  if (kh < 1 || kw < 1) fail('kernel must be at least 1 x 1');
  if (padding !== 'same' && padding !== 'valid') fail(`unknown padding '${String(padding)}'`);
  const same = padding === 'same';
  const oh = same ? h : h - kh + 1;
  const ow = same ? wd : wd - kw + 1;
  if (oh < 1 || ow < 1) fail(`'valid' kernel ${kh} x ${kw} larger than input ${h} x ${wd}`);
  return { n, ci, h, w: wd, co, kh, kw, oh, ow, pt: same ? (kh - 1) >> 1 : 0, pl: same ? (kw - 1) >> 1 : 0 };
}

function correlation(g: ConvGeometry): CorrelationGeometry {
  return { n: g.n, cin: g.ci, cout: g.co, inH: g.h, inW: g.w, outH: g.oh, outW: g.ow, kh: g.kh, kw: g.kw, pt: g.pt, pl: g.pl };
}

/** WebGPU: the geometry of the three convolution kernels, as uniforms. */
const convParams: Readonly<Record<keyof ConvGeometry, ParamType>> = {
  n: 'u32',
  ci: 'u32',
  h: 'u32',
  w: 'u32',
  co: 'u32',
  kh: 'u32',
  kw: 'u32',
  oh: 'u32',
  ow: 'u32',
  pt: 'u32',
  pl: 'u32',
};

function convPlan(count: number, g: ConvGeometry): { count: number; params: Readonly<Record<string, number>> } {
  return { count, params: { ...g } };
}

export const conv2dOp = defineOp<ConvAttrs>({
  name: 'conv2d',
  inputs: ['x', 'weight'],
  shape: ([x, w], { padding }) => {
    const g = convGeometry(x!, w!, padding);
    return [g.n, g.co, g.oh, g.ow];
  },
  cpu: ([x, w], [y], { padding }) => correlate(x!.data, w!.data, y!.data, correlation(convGeometry(x!.shape, w!.shape, padding))),
  // WebGPU: one thread per output element, summing over input channels and
  // the kernel taps that land inside the input (padding contributes nothing).
  webgpu: defineWebGpuKernel<ConvAttrs>({
    grid: 'thread',
    workgroupSize: 64,
    inputs: ['x', 'wt'],
    outputs: ['y'],
    params: convParams,
    wgsl: /* wgsl */ `
fn run(i: u32) {
  let ox = i % params.ow;
  let oy = (i / params.ow) % params.oh;
  let co = (i / (params.ow * params.oh)) % params.co;
  let n = i / (params.ow * params.oh * params.co);
  let ky0 = u32(max(i32(params.pt) - i32(oy), 0));
  let ky1 = min(params.kh, params.h + params.pt - oy);
  let kx0 = u32(max(i32(params.pl) - i32(ox), 0));
  let kx1 = min(params.kw, params.w + params.pl - ox);
  var acc = 0.0;
  for (var ci = 0u; ci < params.ci; ci++) {
    let xPlane = (n * params.ci + ci) * params.h;
    let wPlane = (co * params.ci + ci) * params.kh;
    for (var ky = ky0; ky < ky1; ky++) {
      let xRow = (xPlane + oy + ky - params.pt) * params.w;
      let wRow = (wPlane + ky) * params.kw;
      for (var kx = kx0; kx < kx1; kx++) {
        acc += wt[wRow + kx] * x[xRow + ox + kx - params.pl];
      }
    }
  }
  y[i] = acc;
}`,
    plan: ([x, w], [y], { padding }) => convPlan(sizeOf(y!), convGeometry(x!, w!, padding)),
  }),
  backward: (g, { inputs: [x, w], attrs, needsGrad }) => [
    needsGrad[0] ? apply(conv2dGradInputOp, [g, w!], { ...attrs, inputShape: x!.shape }) : null,
    needsGrad[1] ? apply(conv2dGradWeightOp, [x!, g], { ...attrs, weightShape: w!.shape }) : null,
  ],
});

export interface ConvGradInputAttrs extends ConvAttrs {
  readonly inputShape: Shape;
}

/** dx[n,ci,ih,iw] = sum over co, kh, kw of w[co,ci,kh,kw] dy[n,co,ih-kh+pt,iw-kw+pl]. */
export const conv2dGradInputOp = defineOp<ConvGradInputAttrs>({
  name: 'conv2dGradInput',
  inputs: ['dy', 'weight'],
  shape: ([dy, w], { padding, inputShape }) => {
    const g = convGeometry(inputShape, w!, padding);
    if (dy!.length !== 4 || dy![0] !== g.n || dy![1] !== g.co || dy![2] !== g.oh || dy![3] !== g.ow)
      throw new ShapeError('conv2dGradInput', { dy: dy!, weight: w!, x: inputShape }, 'dy does not match the forward output');
    return inputShape;
  },
  cpu: ([dy, w], [dx], { padding, inputShape }) => correlateInputGrad(dy!.data, w!.data, dx!.data, correlation(convGeometry(inputShape, w!.shape, padding))),
  // WebGPU, in gather form: one thread per input element, summing over output
  // channels and the taps (ky, kx) whose output (iy + pt - ky, ix + pl - kx)
  // exists.
  webgpu: defineWebGpuKernel<ConvGradInputAttrs>({
    grid: 'thread',
    workgroupSize: 64,
    inputs: ['dy', 'wt'],
    outputs: ['dx'],
    params: convParams,
    wgsl: /* wgsl */ `
fn run(i: u32) {
  let ix = i % params.w;
  let iy = (i / params.w) % params.h;
  let ci = (i / (params.w * params.h)) % params.ci;
  let n = i / (params.w * params.h * params.ci);
  let ky0 = u32(max(i32(iy + params.pt) - i32(params.oh) + 1, 0));
  let ky1 = min(params.kh, iy + params.pt + 1u);
  let kx0 = u32(max(i32(ix + params.pl) - i32(params.ow) + 1, 0));
  let kx1 = min(params.kw, ix + params.pl + 1u);
  var acc = 0.0;
  for (var co = 0u; co < params.co; co++) {
    let dyPlane = (n * params.co + co) * params.oh;
    let wPlane = (co * params.ci + ci) * params.kh;
    for (var ky = ky0; ky < ky1; ky++) {
      let dyRow = (dyPlane + iy + params.pt - ky) * params.ow;
      let wRow = (wPlane + ky) * params.kw;
      for (var kx = kx0; kx < kx1; kx++) {
        acc += wt[wRow + kx] * dy[dyRow + ix + params.pl - kx];
      }
    }
  }
  dx[i] = acc;
}`,
    plan: ([, w], [dx], { padding, inputShape }) => convPlan(sizeOf(dx!), convGeometry(inputShape, w!, padding)),
  }),
});

export interface ConvGradWeightAttrs extends ConvAttrs {
  readonly weightShape: Shape;
}

/** dw[co,ci,kh,kw] = sum over n, oh, ow of dy[n,co,oh,ow] x[n,ci,oh+kh-pt,ow+kw-pl]. */
export const conv2dGradWeightOp = defineOp<ConvGradWeightAttrs>({
  name: 'conv2dGradWeight',
  inputs: ['x', 'dy'],
  shape: ([x, dy], { padding, weightShape }) => {
    const g = convGeometry(x!, weightShape, padding);
    if (dy!.length !== 4 || dy![0] !== g.n || dy![1] !== g.co || dy![2] !== g.oh || dy![3] !== g.ow)
      throw new ShapeError('conv2dGradWeight', { x: x!, dy: dy!, weight: weightShape }, 'dy does not match the forward output');
    return weightShape;
  },
  cpu: ([x, dy], [dw], { padding, weightShape }) => correlateWeightGrad(x!.data, dy!.data, dw!.data, correlation(convGeometry(x!.shape, weightShape, padding))),
  // WebGPU: one workgroup per weight element (a tree reduction). The terms
  // are the outputs (n, oy, ox) whose input pixel (oy + ky - pt, ox + kx - pl)
  // lies inside, a box walked row-major: lane l sums terms l, l + WG, ...,
  // then the lanes' sums are added in a fixed tree.
  webgpu: defineWebGpuKernel<ConvGradWeightAttrs>({
    grid: 'workgroup',
    workgroupSize: 128,
    inputs: ['x', 'dy'],
    outputs: ['dw'],
    reduction: 'workgroupSum',
    params: convParams,
    wgsl: /* wgsl */ `
fn run(group: u32, lane: u32) {
  let kx = group % params.kw;
  let ky = (group / params.kw) % params.kh;
  let ci = (group / (params.kw * params.kh)) % params.ci;
  let co = group / (params.kw * params.kh * params.ci);
  let oy0 = max(i32(params.pt) - i32(ky), 0);
  let oy1 = min(i32(params.oh), i32(params.h + params.pt) - i32(ky));
  let ox0 = max(i32(params.pl) - i32(kx), 0);
  let ox1 = min(i32(params.ow), i32(params.w + params.pl) - i32(kx));
  let rows = u32(max(oy1 - oy0, 0));
  let cols = u32(max(ox1 - ox0, 0));
  var acc = 0.0;
  for (var t = lane; t < params.n * rows * cols; t += WG) {
    let ox = u32(ox0) + t % cols;
    let oy = u32(oy0) + (t / cols) % rows;
    let n = t / (cols * rows);
    let d = dy[((n * params.co + co) * params.oh + oy) * params.ow + ox];
    acc += d * x[((n * params.ci + ci) * params.h + oy + ky - params.pt) * params.w + ox + kx - params.pl];
  }
  let total = workgroupSum(lane, acc);
  if (lane == 0u) {
    dw[group] = total;
  }
}`,
    plan: ([x], [dw], { padding, weightShape }) => convPlan(sizeOf(dw!), convGeometry(x!, weightShape, padding)),
  }),
});

/** 2-D convolution of x [N, C, H, W] with weight [out, C, kh, kw], plus bias [out] when given. */
export function conv2d(x: Tensor, weight: Tensor, bias?: Tensor, padding: Padding = 'same'): Tensor {
  const y = apply(conv2dOp, [x, weight], { padding });
  return bias === undefined ? y : add(y, reshape(bias, [1, bias.size, 1, 1]));
}

/** 1-D convolution of x [N, C, L] with weight [out, C, k], plus bias [out] when given. */
export function conv1d(x: Tensor, weight: Tensor, bias?: Tensor, padding: Padding = 'same'): Tensor {
  if (x.rank !== 3) throw new ShapeError('conv1d', { x: x.shape, weight: weight.shape }, 'input must be [batch, channels, length]');
  if (weight.rank !== 3) throw new ShapeError('conv1d', { x: x.shape, weight: weight.shape }, 'weight must be [out, in, k]');
  const [n, c, l] = x.shape as [number, number, number];
  const [o, i, k] = weight.shape as [number, number, number];
  const y = conv2d(reshape(x, [n, c, 1, l]), reshape(weight, [o, i, 1, k]), bias, padding);
  return reshape(y, [n, o, y.shape[3]!]);
}
