import { apply, defineOp } from '../autograd/op.js';
import type { CpuView } from '../tensor/backend.js';
import { ShapeError, broadcastShapes, broadcastStrides, normaliseAxes, sameShape, sizeOf, stridesOf, type Shape } from '../tensor/shape.js';
import type { Tensor } from '../tensor/tensor.js';
import { reshape } from './view.js';
import { collapseAxes, defineWebGpuKernel, type WebGpuKernel, type WorkgroupReduction } from './webgpu/kernel.js';

/*
 * Sum and broadcast: sum's gradient is expand and expand's is sumTo, a sum,
 * so the three need nothing else; the broadcasting backward of the
 * elementwise ops needs sumTo. Kept apart from reduce.ts (mean, max), whose
 * gradients use elementwise ops, so that imports run one way: elementwise
 * and reduce.ts on this module. The reduction kernels here serve max too.
 */

/** Reductions keep the reduced axes as 1 when `keepDims`, else drop them. */
export interface ReduceAttrs {
  readonly axes: readonly number[];
  readonly keepDims: boolean;
}

export function reducedShape(shape: Shape, axes: readonly number[], keepDims: boolean): number[] {
  const out: number[] = [];
  shape.forEach((d, i) => {
    if (!axes.includes(i)) out.push(d);
    else if (keepDims) out.push(1);
  });
  return out;
}

/**
 * Folds every input element into its output slot, walking the input in
 * row-major order with the last axis as the inner loop: a fixed order, so
 * results are deterministic. Sums accumulate in float64.
 */
export function reduceCpu(x: CpuView, out: CpuView, axes: readonly number[], kind: 'sum' | 'max'): void {
  const acc = new Float64Array(out.data.length).fill(kind === 'sum' ? 0 : -Infinity);
  const X = x.data;
  const rank = x.shape.length;
  if (rank === 0 || X.length === 0) {
    if (X.length > 0) acc[0] = X[0]!;
    out.data.set(acc);
    return;
  }
  const kept = x.shape.map((d, i) => (axes.includes(i) ? 1 : d));
  const outStrides = broadcastStrides(kept, x.shape);
  const inner = x.shape[rank - 1]!;
  const innerStride = outStrides[rank - 1]!;
  const idx = new Array<number>(rank - 1).fill(0);
  let o = 0;
  for (let i = 0; i < X.length; i += inner) {
    if (innerStride === 0) {
      // The last axis is reduced: fold the row into one slot.
      let a = acc[o]!;
      if (kind === 'sum') for (let j = 0; j < inner; j++) a += X[i + j]!;
      else for (let j = 0; j < inner; j++) a = Math.max(X[i + j]!, a);
      acc[o] = a;
    } else if (kind === 'sum') {
      for (let j = 0; j < inner; j++) acc[o + j]! += X[i + j]!;
    } else {
      for (let j = 0; j < inner; j++) if (X[i + j]! > acc[o + j]!) acc[o + j] = X[i + j]!;
    }
    for (let k = rank - 2; k >= 0; k--) {
      idx[k]!++;
      o += outStrides[k]!;
      if (idx[k]! < x.shape[k]!) break;
      o -= outStrides[k]! * x.shape[k]!;
      idx[k] = 0;
    }
  }
  out.data.set(acc);
}

export function reduceShape(name: string) {
  return ([x]: readonly Shape[], { axes, keepDims }: ReduceAttrs): Shape => {
    normaliseAxes(name, x!, axes);
    return reducedShape(x!, axes, keepDims);
  };
}

/**
 * WebGPU: one workgroup per output element (a workgroup tree reduction).
 * Lane l folds the reduced elements l, l + WG, l + 2 WG, ... in order, then
 * `reduction`, the workgroup tree of the same fold, folds the lanes' partial
 * results pairwise: the same order on every run. Kept and reduced axes are
 * each collapsed to as few as possible and walked through the input's strides.
 */
export function reduceWebGpu(init: string, fold: string, reduction: WorkgroupReduction): WebGpuKernel<ReduceAttrs> {
  return defineWebGpuKernel<ReduceAttrs>({
    grid: 'workgroup',
    workgroupSize: 128,
    inputs: ['xs'],
    outputs: ['out'],
    reduction,
    params: { keptRank: 'u32', reducedRank: 'u32', reducedCount: 'u32', keptShape: 'dims', keptStride: 'dims', reducedShape: 'dims', reducedStride: 'dims' },
    wgsl: /* wgsl */ `
fn fold(acc: f32, v: f32) -> f32 {
  return ${fold};
}

fn run(group: u32, lane: u32) {
  var rest = group;
  var base = 0u;
  for (var k = params.keptRank; k > 0u; k--) {
    let v = (k - 1u) / 4u;
    let l = (k - 1u) % 4u;
    base += (rest % params.keptShape[v][l]) * params.keptStride[v][l];
    rest /= params.keptShape[v][l];
  }
  var acc: f32 = ${init};
  for (var r = lane; r < params.reducedCount; r += WG) {
    rest = r;
    var offset = base;
    for (var k = params.reducedRank; k > 0u; k--) {
      let v = (k - 1u) / 4u;
      let l = (k - 1u) % 4u;
      offset += (rest % params.reducedShape[v][l]) * params.reducedStride[v][l];
      rest /= params.reducedShape[v][l];
    }
    acc = fold(acc, xs[offset]);
  }
  let total = ${reduction}(lane, acc);
  if (lane == 0u) {
    out[group] = total;
  }
}`,
    plan: ([x], [out], { axes }) => {
      const strides = stridesOf(x!);
      const part = (reduced: boolean) => {
        const at = x!.map((_, i) => i).filter((i) => axes.includes(i) === reduced);
        return collapseAxes(
          at.map((i) => x![i]!),
          [at.map((i) => strides[i]!)],
        );
      };
      const kept = part(false);
      const red = part(true);
      return {
        count: sizeOf(out!),
        params: {
          keptRank: kept.shape.length,
          keptShape: kept.shape,
          keptStride: kept.strides[0]!,
          reducedRank: red.shape.length,
          reducedShape: red.shape,
          reducedStride: red.strides[0]!,
          reducedCount: sizeOf(red.shape),
        },
      };
    },
  });
}

export const sumOp = defineOp<ReduceAttrs>({
  name: 'sum',
  inputs: ['x'],
  shape: reduceShape('sum'),
  cpu: ([x], [out], { axes }) => reduceCpu(x!, out!, axes, 'sum'),
  webgpu: reduceWebGpu('0.0', 'acc + v', 'workgroupSum'),
  backward: (g, { inputs: [x], attrs }) => [expand(reshape(g, reducedShape(x!.shape, attrs.axes, true)), x!.shape)],
});

/** Sum over `axes` (all when omitted). */
export function sum(x: Tensor, axes?: readonly number[], keepDims = false): Tensor {
  return apply(sumOp, [x], { axes: normaliseAxes('sum', x.shape, axes), keepDims });
}

export interface ExpandAttrs {
  readonly shape: Shape;
}

/** Broadcasts x to `shape` (NumPy rules), materialising the copy. */
export const expandOp = defineOp<ExpandAttrs>({
  name: 'expand',
  inputs: ['x'],
  shape: ([x], { shape }) => {
    const b = broadcastShapes(x!, shape);
    if (b === null || !sameShape(b, shape)) throw new ShapeError('expand', { x: x!, to: shape }, 'cannot broadcast');
    return shape;
  },
  cpu: ([x], [out]) => {
    const shape = out!.shape;
    const src = broadcastStrides(x!.shape, shape);
    const rank = shape.length;
    const idx = new Array<number>(rank).fill(0);
    let o = 0;
    for (let i = 0; i < out!.data.length; i++) {
      out!.data[i] = x!.data[o]!;
      for (let k = rank - 1; k >= 0; k--) {
        idx[k]!++;
        o += src[k]!;
        if (idx[k]! < shape[k]!) break;
        o -= src[k]! * shape[k]!;
        idx[k] = 0;
      }
    }
  },
  webgpu: expandWebGpu(),
  backward: (g, { inputs: [x] }) => [sumTo(g, x!.shape)],
});

/** WebGPU: one thread per output element, reading x through its broadcast strides. */
function expandWebGpu(): WebGpuKernel<ExpandAttrs> {
  return defineWebGpuKernel<ExpandAttrs>({
    grid: 'thread',
    workgroupSize: 64,
    inputs: ['xs'],
    outputs: ['out'],
    params: { rank: 'u32', shape: 'dims', sx: 'dims' },
    wgsl: /* wgsl */ `
fn run(i: u32) {
  var rest = i;
  var ix = 0u;
  for (var k = params.rank; k > 0u; k--) {
    let v = (k - 1u) / 4u;
    let l = (k - 1u) % 4u;
    ix += (rest % params.shape[v][l]) * params.sx[v][l];
    rest /= params.shape[v][l];
  }
  out[i] = xs[ix];
}`,
    plan: ([x], [out]) => {
      const c = collapseAxes(out!, [broadcastStrides(x!, out!)]);
      return { count: sizeOf(out!), params: { rank: c.shape.length, shape: c.shape, sx: c.strides[0]! } };
    },
  });
}

export function expand(x: Tensor, shape: Shape): Tensor {
  if (sameShape(x.shape, shape)) return x;
  return apply(expandOp, [x], { shape: [...shape] });
}

/** Sums a broadcast result back to `shape` (the backward of broadcasting). */
export function sumTo(g: Tensor, shape: Shape): Tensor {
  if (sameShape(g.shape, shape)) return g;
  const lead = g.shape.length - shape.length;
  const axes: number[] = [];
  g.shape.forEach((d, i) => {
    if (i < lead || (shape[i - lead] === 1 && d !== 1)) axes.push(i);
  });
  return reshape(sum(g, axes, true), shape);
}
