import { apply, defineOp } from '../autograd/op.js';
import { ShapeError, sameShape, sizeOf } from '../tensor/shape.js';
import type { Tensor } from '../tensor/tensor.js';
import { defineWebGpuKernel } from './webgpu/kernel.js';

/** Ops on the batch axis (axis 0): mini-batch gathering, slicing, concatenation. */

export interface GatherAttrs {
  readonly indices: Int32Array;
}

/** out[j] = x[indices[j]] along axis 0. */
export const gatherRowsOp = defineOp<GatherAttrs>({
  name: 'gatherRows',
  inputs: ['x'],
  shape: ([x], { indices }) => {
    if (x!.length === 0) throw new ShapeError('gatherRows', { x: x! }, 'needs a batch axis');
    for (let j = 0; j < indices.length; j++) {
      const r = indices[j]!;
      if (r < 0 || r >= x![0]!) throw new ShapeError('gatherRows', { x: x! }, `index ${r} at position ${j} is outside 0..${x![0]! - 1}`);
    }
    return [indices.length, ...x!.slice(1)];
  },
  cpu: ([x], [out], { indices }) => {
    const row = sizeOf(x!.shape.slice(1));
    for (let j = 0; j < indices.length; j++) {
      const src = indices[j]! * row;
      out!.data.set(x!.data.subarray(src, src + row), j * row);
    }
  },
  // WebGPU: one thread per output element; the indices travel with the dispatch.
  webgpu: defineWebGpuKernel<GatherAttrs>({
    grid: 'thread',
    workgroupSize: 64,
    inputs: ['xs'],
    outputs: ['out'],
    indices: 'rowIndex',
    params: { row: 'u32' },
    wgsl: /* wgsl */ `
fn run(i: u32) {
  out[i] = xs[u32(rowIndex[i / params.row]) * params.row + i % params.row];
}`,
    plan: ([x], [out], { indices }) => ({ count: sizeOf(out!), params: { row: sizeOf(x!.slice(1)) }, indices }),
  }),
  backward: (g, { inputs: [x], attrs }) => [apply(scatterRowsOp, [g], { indices: attrs.indices, rows: x!.shape[0]! })],
});

export interface ScatterAttrs {
  readonly indices: Int32Array;
  readonly rows: number;
}

/**
 * The backward of gatherRows: out[r] = sum of g[j] over j with indices[j] == r,
 * summed in increasing j (gather form: each output row reads, nothing races).
 */
export const scatterRowsOp = defineOp<ScatterAttrs>({
  name: 'scatterRows',
  inputs: ['g'],
  shape: ([g], { indices, rows }) => {
    if (g![0] !== indices.length) throw new ShapeError('scatterRows', { g: g! }, `expected ${indices.length} rows`);
    return [rows, ...g!.slice(1)];
  },
  cpu: ([g], [out], { indices }) => {
    const row = sizeOf(g!.shape.slice(1));
    out!.data.fill(0);
    for (let j = 0; j < indices.length; j++) {
      const dst = indices[j]! * row;
      for (let c = 0; c < row; c++) out!.data[dst + c]! += g!.data[j * row + c]!;
    }
  },
  // WebGPU, in gather form: one thread per output element walks the positions
  // j that target its row, in increasing j. They travel as a CSR table:
  // csr[r] .. csr[r + 1] delimit row r's positions in csr[rows + 1 ..].
  webgpu: defineWebGpuKernel<ScatterAttrs>({
    grid: 'thread',
    workgroupSize: 64,
    inputs: ['g'],
    outputs: ['out'],
    indices: 'csr',
    params: { rows: 'u32', row: 'u32' },
    wgsl: /* wgsl */ `
fn run(i: u32) {
  let r = i / params.row;
  let c = i % params.row;
  var acc = 0.0;
  for (var t = u32(csr[r]); t < u32(csr[r + 1u]); t++) {
    acc += g[u32(csr[params.rows + 1u + t]) * params.row + c];
  }
  out[i] = acc;
}`,
    plan: ([g], [out], { indices, rows }) => ({
      count: sizeOf(out!),
      params: { rows, row: sizeOf(g!.slice(1)) },
      indices: positionsByRow(indices, rows),
    }),
  }),
});

/** CSR table of the positions j of `indices` grouped by target row (see scatterRows' WebGPU kernel). */
function positionsByRow(indices: Int32Array, rows: number): Int32Array {
  const csr = new Int32Array(rows + 1 + indices.length);
  for (const r of indices) csr[r + 1]!++;
  for (let r = 0; r < rows; r++) csr[r + 1]! += csr[r]!;
  const next = csr.slice(0, rows);
  for (let j = 0; j < indices.length; j++) csr[rows + 1 + next[indices[j]!]!++] = j;
  return csr;
}

/** Rows `indices` of x (a mini-batch). */
export function gatherRows(x: Tensor, indices: ArrayLike<number>): Tensor {
  return apply(gatherRowsOp, [x], { indices: Int32Array.from(indices) });
}

export interface SliceAttrs {
  readonly start: number;
  readonly count: number;
}

/** Rows start .. start + count - 1 of x. */
export const sliceRowsOp = defineOp<SliceAttrs>({
  name: 'sliceRows',
  inputs: ['x'],
  shape: ([x], { start, count }) => {
    if (x!.length === 0 || start < 0 || count < 0 || start + count > x![0]!)
      throw new ShapeError('sliceRows', { x: x! }, `rows ${start}..${start + count - 1} out of range`);
    return [count, ...x!.slice(1)];
  },
  cpu: ([x], [out], { start }) => {
    const row = sizeOf(x!.shape.slice(1));
    out!.data.set(x!.data.subarray(start * row, start * row + out!.data.length));
  },
  // WebGPU: one thread per output element.
  webgpu: defineWebGpuKernel<SliceAttrs>({
    grid: 'thread',
    workgroupSize: 64,
    inputs: ['xs'],
    outputs: ['out'],
    params: { begin: 'u32' },
    wgsl: /* wgsl */ `
fn run(i: u32) {
  out[i] = xs[params.begin + i];
}`,
    plan: ([x], [out], { start }) => ({ count: sizeOf(out!), params: { begin: start * sizeOf(x!.slice(1)) } }),
  }),
  backward: (g, { inputs: [x], attrs }) => [apply(padRowsOp, [g], { start: attrs.start, rows: x!.shape[0]! })],
});

export interface PadRowsAttrs {
  readonly start: number;
  readonly rows: number;
}

/** Places g at rows start.. of a zero tensor with `rows` rows (sliceRows' backward). */
export const padRowsOp = defineOp<PadRowsAttrs>({
  name: 'padRows',
  inputs: ['g'],
  shape: ([g], { start, rows }) => {
    if (start < 0 || start + g![0]! > rows) throw new ShapeError('padRows', { g: g! }, `rows ${start}.. exceed ${rows}`);
    return [rows, ...g!.slice(1)];
  },
  cpu: ([g], [out], { start }) => {
    const row = sizeOf(g!.shape.slice(1));
    out!.data.fill(0);
    out!.data.set(g!.data, start * row);
  },
  // WebGPU: one thread per output element; g fills elements begin .. end - 1.
  webgpu: defineWebGpuKernel<PadRowsAttrs>({
    grid: 'thread',
    workgroupSize: 64,
    inputs: ['g'],
    outputs: ['out'],
    params: { begin: 'u32', end: 'u32' },
    wgsl: /* wgsl */ `
fn run(i: u32) {
  var v = 0.0;
  if (i >= params.begin && i < params.end) {
    v = g[i - params.begin];
  }
  out[i] = v;
}`,
    plan: ([g], [out], { start }) => {
      const begin = start * sizeOf(g!.slice(1));
      return { count: sizeOf(out!), params: { begin, end: begin + sizeOf(g!) } };
    },
  }),
});

export function sliceRows(x: Tensor, start: number, count: number): Tensor {
  return apply(sliceRowsOp, [x], { start, count });
}

/** Concatenation along the batch axis, as a chain of two-operand concatenations. */
export const concatRowsOp = defineOp<Record<string, never>>({
  name: 'concatRows',
  inputs: ['x', 'y'],
  shape: ([x, y]) => {
    if (x!.length === 0 || !sameShape(x!.slice(1), y!.slice(1))) throw new ShapeError('concatRows', { x: x!, y: y! }, 'all axes but the first must agree');
    return [x![0]! + y![0]!, ...x!.slice(1)];
  },
  cpu: ([x, y], [out]) => {
    out!.data.set(x!.data, 0);
    out!.data.set(y!.data, x!.data.length);
  },
  // WebGPU: one thread per output element; x's elements come first.
  webgpu: defineWebGpuKernel<Record<string, never>>({
    grid: 'thread',
    workgroupSize: 64,
    inputs: ['xs', 'ys'],
    outputs: ['out'],
    params: { split: 'u32' },
    wgsl: /* wgsl */ `
fn run(i: u32) {
  if (i < params.split) {
    out[i] = xs[i];
  } else {
    out[i] = ys[i - params.split];
  }
}`,
    plan: ([x], [out]) => ({ count: sizeOf(out!), params: { split: sizeOf(x!) } }),
  }),
  backward: (g, { inputs: [x, y] }) => [sliceRows(g, 0, x!.shape[0]!), sliceRows(g, x!.shape[0]!, y!.shape[0]!)],
});

export function concatRows(tensors: readonly Tensor[]): Tensor {
  if (tensors.length === 0) throw new Error('concatRows: no tensors');
  return tensors.slice(1).reduce((acc, t) => apply(concatRowsOp, [acc, t], {}), tensors[0]!);
}
