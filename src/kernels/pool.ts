import { apply, defineOp } from '../autograd/op.js';
import { ShapeError, sizeOf, type Shape } from '../tensor/shape.js';
import type { Tensor } from '../tensor/tensor.js';
import { reshape } from './view.js';
import { defineWebGpuKernel } from './webgpu/kernel.js';

/**
 * Max pooling, NCHW, window = stride = pool. Keras 'same' semantics: the
 * output is ceil(n / pool) and the last window may hang over the edge (the
 * missing elements do not take part). The gradient goes to the first
 * maximum of each window only. 1-D pooling is 2-D with a 1 x p window.
 */
export interface PoolAttrs {
  readonly pool: readonly [number, number];
}

function poolShape(op: string, x: Shape, [ph, pw]: readonly [number, number]): [number, number, number, number] {
  if (x.length !== 4) throw new ShapeError(op, { x }, 'input must be [batch, channels, height, width]');
  if (!(ph >= 1 && pw >= 1 && Number.isInteger(ph) && Number.isInteger(pw))) throw new ShapeError(op, { x }, `invalid pool ${ph} x ${pw}`);
  return [x[0]!, x[1]!, Math.ceil(x[2]! / ph), Math.ceil(x[3]! / pw)];
}

/** Flat index into x of the first maximum of each pooling window, in output order. */
function windowArgmax(x: Float32Array | Float64Array, shape: Shape, [ph, pw]: readonly [number, number]): Int32Array {
  const [n, c, h, w] = shape as [number, number, number, number];
  const oh = Math.ceil(h / ph);
  const ow = Math.ceil(w / pw);
  const arg = new Int32Array(n * c * oh * ow);
  let o = 0;
  for (let p = 0; p < n * c; p++) {
    const base = p * h * w;
    for (let i = 0; i < oh; i++) {
      const r1 = Math.min(h, (i + 1) * ph);
      for (let j = 0; j < ow; j++, o++) {
        const c1 = Math.min(w, (j + 1) * pw);
        let best = base + i * ph * w + j * pw;
        let bv = x[best]!;
        for (let r = i * ph; r < r1; r++) {
          for (let q = j * pw; q < c1; q++) {
            const k = base + r * w + q;
            if (x[k]! > bv) {
              bv = x[k]!;
              best = k;
            }
          }
        }
        arg[o] = best;
      }
    }
  }
  return arg;
}

/** WebGPU: the window scan both pooling kernels share, the CPU's order and its strict `>`. */
const windowArgmaxWgsl = /* wgsl */ `
// Flat index into x of the first maximum of window (i, j) of plane (n, c).
fn windowArgmax(plane: u32, i: u32, j: u32) -> u32 {
  let base = plane * params.h * params.w;
  let r1 = min(params.h, (i + 1u) * params.ph);
  let c1 = min(params.w, (j + 1u) * params.pw);
  var best = base + i * params.ph * params.w + j * params.pw;
  var top = x[best];
  for (var r = i * params.ph; r < r1; r++) {
    for (var c = j * params.pw; c < c1; c++) {
      let k = base + r * params.w + c;
      if (x[k] > top) {
        top = x[k];
        best = k;
      }
    }
  }
  return best;
}`;

const poolParams = { h: 'u32', w: 'u32', ph: 'u32', pw: 'u32', oh: 'u32', ow: 'u32' } as const;

function poolPlan(count: number, x: Shape, [ph, pw]: readonly [number, number]) {
  const h = x[2]!;
  const w = x[3]!;
  return { count, params: { h, w, ph, pw, oh: Math.ceil(h / ph), ow: Math.ceil(w / pw) } };
}

export const maxPool2dOp = defineOp<PoolAttrs>({
  name: 'maxPool2d',
  inputs: ['x'],
  shape: ([x], { pool }) => poolShape('maxPool2d', x!, pool),
  cpu: ([x], [y], { pool }) => {
    const X = x!.data;
    const Y = y!.data;
    const arg = windowArgmax(X, x!.shape, pool);
    for (let o = 0; o < arg.length; o++) Y[o] = X[arg[o]!]!;
  },
  // WebGPU: one thread per output element.
  webgpu: defineWebGpuKernel<PoolAttrs>({
    grid: 'thread',
    workgroupSize: 64,
    inputs: ['x'],
    outputs: ['y'],
    params: poolParams,
    wgsl: /* wgsl */ `
${windowArgmaxWgsl}

fn run(i: u32) {
  y[i] = x[windowArgmax(i / (params.oh * params.ow), (i / params.ow) % params.oh, i % params.ow)];
}`,
    plan: ([x], [y], { pool }) => poolPlan(sizeOf(y!), x!, pool),
  }),
  backward: (g, { inputs: [x], attrs }) => [apply(maxPool2dGradOp, [x!, g], attrs)],
});

/** dx: each window's gradient at its first arg-max, zero elsewhere. */
export const maxPool2dGradOp = defineOp<PoolAttrs>({
  name: 'maxPool2dGrad',
  inputs: ['x', 'dy'],
  shape: ([x, dy], { pool }) => {
    const out = poolShape('maxPool2dGrad', x!, pool);
    if (!out.every((d, i) => dy![i] === d)) throw new ShapeError('maxPool2dGrad', { x: x!, dy: dy! }, 'dy does not match the pooled shape');
    return x!;
  },
  cpu: ([x, dy], [dx], { pool }) => {
    const D = dy!.data;
    const G = dx!.data;
    G.fill(0);
    const arg = windowArgmax(x!.data, x!.shape, pool);
    for (let o = 0; o < arg.length; o++) G[arg[o]!] = D[o]!;
  },
  // WebGPU, in gather form: one thread per input element, which takes its
  // window's gradient when it is that window's first maximum.
  webgpu: defineWebGpuKernel<PoolAttrs>({
    grid: 'thread',
    workgroupSize: 64,
    inputs: ['x', 'dy'],
    outputs: ['dx'],
    params: poolParams,
    wgsl: /* wgsl */ `
${windowArgmaxWgsl}

fn run(i: u32) {
  let plane = i / (params.h * params.w);
  let i0 = ((i / params.w) % params.h) / params.ph;
  let j0 = (i % params.w) / params.pw;
  var v = 0.0;
  if (windowArgmax(plane, i0, j0) == i) {
    v = dy[(plane * params.oh + i0) * params.ow + j0];
  }
  dx[i] = v;
}`,
    plan: ([x], [dx], { pool }) => poolPlan(sizeOf(dx!), x!, pool),
  }),
});

export function maxPool2d(x: Tensor, pool: number | readonly [number, number] = 2): Tensor {
  return apply(maxPool2dOp, [x], { pool: typeof pool === 'number' ? [pool, pool] : pool });
}

/** Max pooling of x [N, C, L] with window = stride = pool. */
export function maxPool1d(x: Tensor, pool = 2): Tensor {
  if (x.rank !== 3) throw new ShapeError('maxPool1d', { x: x.shape }, 'input must be [batch, channels, length]');
  const [n, c, l] = x.shape as [number, number, number];
  const y = maxPool2d(reshape(x, [n, c, 1, l]), [1, pool]);
  return reshape(y, [n, c, y.shape[3]!]);
}
