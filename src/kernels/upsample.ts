import { apply, defineOp } from '../autograd/op.js';
import { ShapeError, sizeOf, type Shape } from '../tensor/shape.js';
import type { Tensor } from '../tensor/tensor.js';
import { reshape } from './view.js';
import { defineWebGpuKernel } from './webgpu/kernel.js';

/**
 * Nearest-neighbour upsampling, NCHW, integer factors: out[i, j] =
 * x[floor(i / fh), floor(j / fw)]. Its gradient sums each fh x fw block.
 * 1-D upsampling is 2-D with factors [1, f].
 */
export interface UpsampleAttrs {
  readonly factor: readonly [number, number];
}

function checkFactor(op: string, x: Shape, [fh, fw]: readonly [number, number]): void {
  if (x.length !== 4) throw new ShapeError(op, { x }, 'input must be [batch, channels, height, width]');
  if (!(Number.isInteger(fh) && Number.isInteger(fw) && fh >= 1 && fw >= 1)) throw new ShapeError(op, { x }, `invalid factor ${fh} x ${fw}`);
}

/** WebGPU: both kernels see the small side's height and width and the factors. */
const upsampleParams = { h: 'u32', w: 'u32', fh: 'u32', fw: 'u32' } as const;

function upsamplePlan(count: number, small: Shape, [fh, fw]: readonly [number, number]) {
  return { count, params: { h: small[2]!, w: small[3]!, fh, fw } };
}

export const upsample2dOp = defineOp<UpsampleAttrs>({
  name: 'upsample2d',
  inputs: ['x'],
  shape: ([x], { factor }) => {
    checkFactor('upsample2d', x!, factor);
    return [x![0]!, x![1]!, x![2]! * factor[0], x![3]! * factor[1]];
  },
  cpu: ([x], [y], { factor: [fh, fw] }) => {
    const [n, c, h, w] = x!.shape as [number, number, number, number];
    const X = x!.data;
    const Y = y!.data;
    const ow = w * fw;
    let o = 0;
    for (let p = 0; p < n * c; p++) {
      for (let i = 0; i < h * fh; i++) {
        const xr = (p * h + Math.floor(i / fh)) * w;
        for (let j = 0; j < ow; j++, o++) Y[o] = X[xr + Math.floor(j / fw)]!;
      }
    }
  },
  // WebGPU: one thread per output element.
  webgpu: defineWebGpuKernel<UpsampleAttrs>({
    grid: 'thread',
    workgroupSize: 64,
    inputs: ['x'],
    outputs: ['y'],
    params: upsampleParams,
    wgsl: /* wgsl */ `
fn run(i: u32) {
  let ow = params.w * params.fw;
  let oh = params.h * params.fh;
  let plane = i / (oh * ow);
  let r = (i / ow) % oh;
  y[i] = x[(plane * params.h + r / params.fh) * params.w + (i % ow) / params.fw];
}`,
    plan: ([x], [y], { factor }) => upsamplePlan(sizeOf(y!), x!, factor),
  }),
  backward: (g, { attrs }) => [apply(upsample2dGradOp, [g], attrs)],
});

/** dx[i, j] = sum of dy over the block [i*fh, (i+1)*fh) x [j*fw, (j+1)*fw), row by row. */
export const upsample2dGradOp = defineOp<UpsampleAttrs>({
  name: 'upsample2dGrad',
  inputs: ['dy'],
  shape: ([dy], { factor }) => {
    checkFactor('upsample2dGrad', dy!, factor);
    if (dy![2]! % factor[0] !== 0 || dy![3]! % factor[1] !== 0)
      throw new ShapeError('upsample2dGrad', { dy: dy! }, `not a multiple of the factor ${factor[0]} x ${factor[1]}`);
    return [dy![0]!, dy![1]!, dy![2]! / factor[0], dy![3]! / factor[1]];
  },
  cpu: ([dy], [dx], { factor: [fh, fw] }) => {
    const [n, c, h, w] = dx!.shape as [number, number, number, number];
    const D = dy!.data;
    const X = dx!.data;
    const ow = w * fw;
    let o = 0;
    for (let p = 0; p < n * c; p++) {
      for (let i = 0; i < h; i++) {
        for (let j = 0; j < w; j++, o++) {
          let s = 0;
          for (let a = 0; a < fh; a++) {
            const r = (p * h * fh + i * fh + a) * ow + j * fw;
            for (let b = 0; b < fw; b++) s += D[r + b]!;
          }
          X[o] = s;
        }
      }
    }
  },
  // WebGPU, in gather form: one thread per input element sums its block row by row.
  webgpu: defineWebGpuKernel<UpsampleAttrs>({
    grid: 'thread',
    workgroupSize: 64,
    inputs: ['dy'],
    outputs: ['dx'],
    params: upsampleParams,
    wgsl: /* wgsl */ `
fn run(i: u32) {
  let ow = params.w * params.fw;
  let c = i % params.w;
  let rows = (i / params.w) * params.fh;
  var acc = 0.0;
  for (var a = 0u; a < params.fh; a++) {
    let start = (rows + a) * ow + c * params.fw;
    for (var b = 0u; b < params.fw; b++) {
      acc += dy[start + b];
    }
  }
  dx[i] = acc;
}`,
    plan: (_, [dx], { factor }) => upsamplePlan(sizeOf(dx!), dx!, factor),
  }),
});

export function upsample2d(x: Tensor, factor: number | readonly [number, number] = 2): Tensor {
  return apply(upsample2dOp, [x], { factor: typeof factor === 'number' ? [factor, factor] : factor });
}

/** Nearest upsampling of x [N, C, L] by an integer factor. */
export function upsample1d(x: Tensor, factor = 2): Tensor {
  if (x.rank !== 3) throw new ShapeError('upsample1d', { x: x.shape }, 'input must be [batch, channels, length]');
  const [n, c, l] = x.shape as [number, number, number];
  return reshape(upsample2d(reshape(x, [n, c, 1, l]), [1, factor]), [n, c, l * factor]);
}
