import { apply, defineOp } from '../autograd/op.js';
import { ShapeError, sameShape, sizeOf } from '../tensor/shape.js';
import type { Tensor } from '../tensor/tensor.js';

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
  webgpu: { kind: 'gatherRows' },
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
  webgpu: { kind: 'scatterRows' },
});

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
  webgpu: { kind: 'sliceRows' },
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
  webgpu: { kind: 'padRows' },
});

export function sliceRows(x: Tensor, start: number, count: number): Tensor {
  return apply(sliceRowsOp, [x], { start, count });
}

/** Concatenation along the batch axis, as a chain of two-operand concatenations. */
export const concatRowsOp = defineOp<Record<string, never>>({
  name: 'concatRows',
  inputs: ['x', 'y'],
  shape: ([x, y]) => {
    if (x!.length === 0 || !sameShape(x!.slice(1), y!.slice(1)))
      throw new ShapeError('concatRows', { x: x!, y: y! }, 'all axes but the first must agree');
    return [x![0]! + y![0]!, ...x!.slice(1)];
  },
  cpu: ([x, y], [out]) => {
    out!.data.set(x!.data, 0);
    out!.data.set(y!.data, x!.data.length);
  },
  webgpu: { kind: 'concatRows' },
  backward: (g, { inputs: [x, y] }) => [sliceRows(g, 0, x!.shape[0]!), sliceRows(g, x!.shape[0]!, y!.shape[0]!)],
});

export function concatRows(tensors: readonly Tensor[]): Tensor {
  if (tensors.length === 0) throw new Error('concatRows: no tensors');
  return tensors.slice(1).reduce((acc, t) => apply(concatRowsOp, [acc, t], {}), tensors[0]!);
}

